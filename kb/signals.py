"""What the FAQ does when Wagtail publishes pages or the forum changes a topic."""

from __future__ import annotations

from django.db import transaction

from wagtail.log_actions import get_active_log_context
from wagtail.signals import page_published

from forum import events
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


def on_topic_activity(sender, topic=None, **kwargs):
    """A reply or an answer changes a topic's popularity: refresh that one score after commit."""
    if topic is None:
        return
    topic_id = topic.pk

    def refresh():
        from kb.tasks import refresh_popularity_task

        refresh_popularity_task.enqueue(topic_ids=[topic_id])

    transaction.on_commit(refresh)


def connect() -> None:
    page_published.connect(on_article_published, sender=FaqArticlePage, dispatch_uid="kb_article_published")
    for signal in (events.reply_created, events.official_answer_changed, events.accepted_answer_changed):
        signal.connect(on_topic_activity, dispatch_uid=f"kb_popularity_{id(signal)}")
