"""What the FAQ does when Wagtail publishes its pages."""

from __future__ import annotations

from wagtail.log_actions import get_active_log_context
from wagtail.signals import page_published

from kb.models import FaqArticlePage


def publisher(revision=None):
    """Who published: the signed-in admin user (Wagtail's admin views run in a log context
    that names them: the reviewer who approved, the editor who pressed Publish), else the
    revision's author (a scheduled publication, a script)."""
    user = get_active_log_context().user
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return getattr(revision, "user", None) if revision is not None else None


def on_article_published(sender, instance, revision=None, **kwargs):
    from kb.services import article_published

    article_published(article=instance, actor=publisher(revision))


def connect() -> None:
    page_published.connect(on_article_published, sender=FaqArticlePage, dispatch_uid="kb_article_published")
