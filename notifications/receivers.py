"""Turn the forum's events (``forum/events.py``) into notifications.

Who hears of what:

* a new reply: the asker (``answer``), people following the topic or its category (``reply``);
* an @mention in a post: the people mentioned (``mention``);
* a new topic: people following its category (``new_topic``);
* an official or accepted answer marked: the asker and the reply's author;
* a status change: the asker and the topic's followers;
* a topic promoted to the FAQ: the asker.

``notifications.services.notify`` then drops the actor, people who cannot see the content and
inactive accounts, and keeps one notification per person per event.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.utils import timezone

from forum import events
from forum.models import Follow, Topic
from notifications.models import Notification
from notifications.services import notify

logger = logging.getLogger(__name__)
Kind = Notification.Kind
SAME_ACTION_WINDOW = timedelta(minutes=2)


def _followers(*, topic=None, category=None) -> list:
    """Users following ``topic`` or ``category`` (one query)."""
    follows = Follow.objects.none()
    if topic is not None:
        follows = Follow.objects.filter(topic=topic)
    if category is not None:
        follows = follows | Follow.objects.filter(category=category)
    user_ids = follows.values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids))


def _add(recipients: dict, users, kind: str) -> None:
    for user in users:
        if user is not None:
            recipients.setdefault(user, kind)


def _safely(handler):
    """A failing notification must never break the forum action that sent the event."""

    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception:
            logger.exception("notifications: %s failed", handler.__name__)
            return None

    wrapper.__name__ = handler.__name__
    return wrapper


@receiver(events.reply_created, dispatch_uid="notifications.reply_created")
@_safely
def on_reply_created(sender, *, post, topic, actor=None, **kwargs):
    recipients: dict = {}
    if topic.author_id:
        recipients[topic.author] = Kind.ANSWER
    _add(recipients, _followers(topic=topic, category=topic.category), Kind.REPLY)
    return notify(recipients=recipients, topic=topic, post=post, actor=actor, dedupe_key=f"post:{post.pk}")


@receiver(events.post_mentions, dispatch_uid="notifications.post_mentions")
@_safely
def on_post_mentions(sender, *, post, topic, actor=None, mentioned=(), **kwargs):
    names = {name.lower() for name in mentioned if name}
    if not names:
        return []
    # Mentions are typed by hand: match usernames without regard to case.
    users = get_user_model().objects.annotate(lname=Lower("username")).filter(lname__in=names)
    recipients = dict.fromkeys(users, Kind.MENTION)
    return notify(recipients=recipients, topic=topic, post=post, actor=actor, dedupe_key=f"post:{post.pk}")


@receiver(events.topic_created, dispatch_uid="notifications.topic_created")
@_safely
def on_topic_created(sender, *, topic, actor=None, **kwargs):
    recipients: dict = {}
    _add(recipients, _followers(category=topic.category), Kind.NEW_TOPIC)
    return notify(
        recipients=recipients,
        topic=topic,
        post=topic.first_post,
        actor=actor,
        # The same key as the question's mentions: a follower mentioned in it hears once.
        dedupe_key=f"post:{topic.first_post_id}" if topic.first_post_id else f"topic:{topic.pk}",
    )


def _answer_marked(kind: str, *, topic, post, actor, marked: bool):
    if not marked or post is None:
        return []
    recipients: dict = {}
    if topic.author_id:
        recipients[topic.author] = kind
    if post.author_id:
        recipients.setdefault(post.author, kind)
    return notify(recipients=recipients, topic=topic, post=post, actor=actor, dedupe_key=f"{kind}:{post.pk}")


@receiver(events.official_answer_changed, dispatch_uid="notifications.official_answer_changed")
@_safely
def on_official_answer_changed(sender, *, topic, post=None, actor=None, marked=True, **kwargs):
    return _answer_marked(Kind.OFFICIAL, topic=topic, post=post, actor=actor, marked=marked)


@receiver(events.accepted_answer_changed, dispatch_uid="notifications.accepted_answer_changed")
@_safely
def on_accepted_answer_changed(sender, *, topic, post=None, actor=None, marked=True, **kwargs):
    return _answer_marked(Kind.ACCEPTED, topic=topic, post=post, actor=actor, marked=marked)


@receiver(events.status_changed, dispatch_uid="notifications.status_changed")
@_safely
def on_status_changed(sender, *, topic, actor=None, old_status="", new_status="", **kwargs):
    if not new_status or old_status == new_status:
        return []
    recipients: dict = {}
    if topic.author_id:
        recipients[topic.author] = Kind.STATUS
    _add(recipients, _followers(topic=topic), Kind.STATUS)
    # Marking an answer moves the status too (one action, two events): whoever was just told
    # of the answer is not told again that the topic is now answered.
    told = set(
        Notification.objects.filter(
            topic=topic,
            kind__in=[Kind.OFFICIAL, Kind.ACCEPTED],
            created_at__gte=timezone.now() - SAME_ACTION_WINDOW,
        ).values_list("recipient_id", flat=True)
    )
    recipients = {user: kind for user, kind in recipients.items() if user.pk not in told}
    label = dict(Topic.Status.choices).get(new_status, new_status)
    return notify(recipients=recipients, topic=topic, actor=actor, detail=str(label))


@receiver(events.topic_promoted, dispatch_uid="notifications.topic_promoted")
@_safely
def on_topic_promoted(sender, *, topic, actor=None, page=None, **kwargs):
    if not topic.author_id:
        return []
    url = ""
    title = ""
    if page is not None:
        url = getattr(page, "url", "") or ""
        title = getattr(page, "title", "") or ""
    return notify(
        recipients={topic.author: Kind.PROMOTED},
        topic=topic,
        actor=actor,
        detail=title,
        target_url=url,
        dedupe_key=f"promoted:{topic.pk}",
    )


@receiver(events.topic_opened, dispatch_uid="notifications.topic_opened")
@_safely
def on_topic_opened(sender, *, topic, user, request=None, **kwargs):
    """Opening a topic reads its notifications. The header counts unread ones on every page
    anyway; the same query counts those about this topic, so the write happens only when one
    of them is unread."""
    from notifications import selectors
    from notifications.services import notifications_mark_topic_read

    if request is None or not user.is_authenticated:
        return None
    if getattr(request, "_unread_notification_count", None) == 0:
        return None
    if not selectors.unread_count_with_topic(request, topic):
        return None
    changed = notifications_mark_topic_read(user=user, topic=topic)
    if changed:
        request._unread_notification_count = max(0, request._unread_notification_count - changed)
    return changed
