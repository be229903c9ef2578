"""Turn the site's events into webhook messages.

Listens to the forum's after-commit signals (``forum/events.py``), the mentions' (``mentions/
events.py``) and Wagtail's ``page_published`` for FAQ articles. Each receiver names the event
and how to build its public payload (``webhooks.payloads``); ``services.emit`` does the rest.
A failure here is logged and never breaks the action that sent the event.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from wagtail.signals import page_published

from forum import events
from mentions import events as mention_events
from webhooks import payloads, services
from webhooks.models import Event

logger = logging.getLogger(__name__)


def _safely(handler):
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception:
            logger.exception("webhooks: %s failed", handler.__name__)
            return None

    wrapper.__name__ = handler.__name__
    return wrapper


@receiver(events.topic_created, dispatch_uid="webhooks.topic_created")
@_safely
def on_topic_created(sender, *, topic, **kwargs):
    return services.emit(Event.TOPIC_CREATED, lambda: payloads.for_topic(topic.pk))


@receiver(events.reply_created, dispatch_uid="webhooks.reply_created")
@_safely
def on_reply_created(sender, *, post, topic, **kwargs):
    return services.emit(Event.POST_CREATED, lambda: payloads.for_post(topic.pk, post.pk))


@receiver(events.official_answer_changed, dispatch_uid="webhooks.official_answer_changed")
@_safely
def on_official_answer_changed(sender, *, topic, post=None, marked=True, **kwargs):
    if not marked or post is None:
        return []
    return services.emit(Event.ANSWER_OFFICIAL, lambda: payloads.for_post(topic.pk, post.pk))


@receiver(events.accepted_answer_changed, dispatch_uid="webhooks.accepted_answer_changed")
@_safely
def on_accepted_answer_changed(sender, *, topic, post=None, marked=True, **kwargs):
    if not marked or post is None:
        return []
    return services.emit(Event.ANSWER_ACCEPTED, lambda: payloads.for_post(topic.pk, post.pk))


@receiver(events.status_changed, dispatch_uid="webhooks.status_changed")
@_safely
def on_status_changed(sender, *, topic, old_status="", new_status="", **kwargs):
    if not new_status or old_status == new_status:
        return []
    return services.emit(
        Event.TOPIC_STATUS_CHANGED, lambda: payloads.for_status(topic.pk, old_status, new_status)
    )


@receiver(mention_events.mentions_created, dispatch_uid="webhooks.mentions_created")
@_safely
def on_mentions_created(sender, *, mentions, **kwargs):
    made = []
    for mention in mentions:
        made += services.emit(Event.MENTION_CREATED, lambda mention=mention: payloads.for_mention(mention))
    return made


@_safely
def on_page_published(sender, *, instance, **kwargs):
    return services.emit(Event.FAQ_PUBLISHED, lambda: payloads.for_faq_article(instance.pk))


def _connect_faq() -> None:
    from kb.models import FaqArticlePage

    page_published.connect(on_page_published, sender=FaqArticlePage, dispatch_uid="webhooks.faq_published")


_connect_faq()
