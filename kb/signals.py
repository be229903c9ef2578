"""What the FAQ does when Wagtail publishes its pages."""

from __future__ import annotations

from wagtail.signals import page_published

from kb.models import FaqArticlePage


def on_article_published(sender, instance, revision=None, **kwargs):
    from kb.services import article_published

    actor = getattr(revision, "user", None) if revision is not None else None
    article_published(article=instance, actor=actor)


def connect() -> None:
    page_published.connect(on_article_published, sender=FaqArticlePage, dispatch_uid="kb_article_published")
