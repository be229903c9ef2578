"""Writes for notifications, each a keyword-only function named ``<entity>_<action>``.

The rules of who is told what:

* Nobody is notified of their own action (the actor is never a recipient).
* Nobody is notified about content they cannot see (``forum.permissions.check_view_topic`` and
  ``check_view_post`` decide, so a hidden topic or post reaches only moderators and its author).
* Inactive and placeholder (imported) accounts get nothing; banned members still see their
  inbox but are sent no mail; accounts without an email address are sent no mail.
* One notification per recipient per event: events about the same post share a dedupe key, so
  a reply on a followed topic that also mentions you is one notification (the more personal
  kind wins: an answer to your question, then a mention, then a followed reply).
* Mail follows the recipient's preference for the event type: immediately (a background task
  is enqueued after commit), in the daily digest (``send_digests``), or never.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from forum import permissions
from notifications.models import (
    EVENT_TYPE_DEFAULTS,
    KIND_EVENT_TYPE,
    AcceptReminder,
    Delivery,
    EventType,
    Notification,
    NotificationPreference,
)

Kind = Notification.Kind
EmailState = Notification.EmailState

# When two events about the same post reach one person, the higher rank is kept.
KIND_RANK: dict[str, int] = {
    Kind.ANSWER: 30,
    Kind.MENTION: 20,
    Kind.REPLY: 10,
    Kind.NEW_TOPIC: 10,
}


# --- preferences --------------------------------------------------------------------------


def preferences_for(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Every user's delivery per event type (defaults filled in), in one query."""
    user_ids = list(user_ids)
    result = {uid: dict(EVENT_TYPE_DEFAULTS) for uid in user_ids}
    rows = NotificationPreference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "event_type", "delivery"
    )
    for user_id, event_type, delivery in rows:
        result[user_id][event_type] = delivery
    return result


def preferences_set(*, user, deliveries: dict[str, str]) -> None:
    """Save ``user``'s delivery for each event type given (unknown types are refused)."""
    for event_type, delivery in deliveries.items():
        if event_type not in EventType.values or delivery not in Delivery.values:
            raise ValueError(f"Unknown event type or delivery: {event_type!r} → {delivery!r}")
    with transaction.atomic():
        for event_type, delivery in deliveries.items():
            NotificationPreference.objects.update_or_create(
                user=user, event_type=event_type, defaults={"delivery": delivery}
            )


def notifications_unsubscribe(*, user, event_type: str | None) -> list[str]:
    """Stop mail for one event type, or for all of them (``None``); return the types changed.

    Notifications still reach the inbox; mail already waiting for the digest is dropped."""
    types = [event_type] if event_type else list(EventType.values)
    preferences_set(user=user, deliveries=dict.fromkeys(types, Delivery.NEVER))
    kinds = [kind for kind, etype in KIND_EVENT_TYPE.items() if etype in types]
    Notification.objects.filter(
        recipient=user, kind__in=kinds, email_state__in=[EmailState.DIGEST, EmailState.PENDING]
    ).update(email_state=EmailState.SKIPPED)
    return types


# --- creating notifications ---------------------------------------------------------------


def _can_see(user, topic, post) -> bool:
    return permissions.allowed(permissions.check_view_topic, user, topic) and (
        post is None or permissions.allowed(permissions.check_view_post, user, post)
    )


def _may_be_mailed(user) -> bool:
    return bool(user.email) and not user.is_banned


def _email_state_for(user, delivery: str) -> str:
    if not _may_be_mailed(user) or delivery == Delivery.NEVER:
        return EmailState.NONE
    return EmailState.PENDING if delivery == Delivery.IMMEDIATELY else EmailState.DIGEST


def notify(
    *,
    recipients: dict,
    topic,
    post=None,
    actor=None,
    detail: str = "",
    target_url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Create one notification per recipient (``{user: kind}``) and queue the mail.

    Applies the rules in this module's docstring; returns the notifications created."""
    candidates = {
        user: kind
        for user, kind in recipients.items()
        if user is not None
        and user.is_active
        and not user.is_placeholder
        and (actor is None or user.pk != actor.pk)
        and _can_see(user, topic, post)
    }
    if not candidates:
        return []
    existing: dict[int, Notification] = {}
    if dedupe_key:
        existing = {
            n.recipient_id: n
            for n in Notification.objects.filter(
                dedupe_key=dedupe_key, recipient_id__in=[u.pk for u in candidates]
            )
        }
    prefs = preferences_for(u.pk for u in candidates)
    new: list[Notification] = []
    to_mail: list[int] = []
    with transaction.atomic():
        for user, kind in candidates.items():
            delivery = prefs[user.pk][KIND_EVENT_TYPE[kind]]
            previous = existing.get(user.pk)
            if previous is not None:
                if KIND_RANK.get(kind, 0) > KIND_RANK.get(previous.kind, 0):
                    _upgrade(previous, kind=kind, delivery=delivery, to_mail=to_mail)
                continue
            new.append(
                Notification(
                    recipient=user,
                    actor=actor,
                    kind=kind,
                    topic=topic,
                    post=post,
                    detail=detail[:200],
                    target_url=target_url[:300],
                    dedupe_key=dedupe_key,
                    email_state=_email_state_for(user, delivery),
                )
            )
        created = _insert(new)
        to_mail += [n.pk for n in created if n.email_state == EmailState.PENDING]
        if to_mail:
            transaction.on_commit(lambda: _enqueue_mail(to_mail))
    return created


def _insert(notifications: list[Notification]) -> list[Notification]:
    """Insert in one statement (a category may have many followers); if the same event
    reached someone a moment ago (the unique key says so), insert one by one and skip them."""
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(notifications)
    except IntegrityError:
        pass
    created = []
    for notification in notifications:
        notification.pk = None
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            continue
        created.append(notification)
    return created


def _upgrade(notification: Notification, *, kind: str, delivery: str, to_mail: list[int]) -> None:
    """A more personal kind for the same event: keep one row, with the better kind."""
    notification.kind = kind
    fields = ["kind"]
    if notification.email_state in (EmailState.NONE, EmailState.DIGEST):
        state = _email_state_for(notification.recipient, delivery)
        if state != EmailState.NONE:
            notification.email_state = state
            fields.append("email_state")
            if state == EmailState.PENDING:
                to_mail.append(notification.pk)
    notification.save(update_fields=fields)


def _enqueue_mail(notification_ids: list[int]) -> None:
    from notifications.tasks import send_notification_email

    for notification_id in notification_ids:
        send_notification_email.enqueue(notification_id)


# --- reading ------------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read; someone else's raises ``DoesNotExist``."""
    notification = Notification.objects.select_related("topic").get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; return how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_topic_read(*, user, topic) -> int:
    """Mark ``user``'s unread notifications about ``topic`` read (call it when they open the
    topic); one UPDATE, nothing for anonymous visitors. Returns how many changed."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, topic=topic, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- reminders to accept ------------------------------------------------------------------


def topics_needing_accept_reminder(*, now=None):
    """Questions that need a nudge: replies from someone other than the asker, no accepted
    answer, the last reply older than ``ACCEPT_REMINDER_DAYS``, still open to an answer, visible,
    asked by a real active account, and never reminded before."""
    from forum.models import Post, Topic

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCEPT_REMINDER_DAYS)
    other_reply = (
        Post.objects.visible()
        .filter(topic=OuterRef("pk"))
        .exclude(Q(author=OuterRef("author")) | Q(pk=OuterRef("first_post_id")))
    )
    return (
        Topic.objects.visible()
        .filter(
            kind=Topic.Kind.QUESTION,
            accepted_answer__isnull=True,
            last_reply_at__isnull=False,
            last_reply_at__lte=cutoff,
            author__isnull=False,
            author__is_active=True,
            author__is_placeholder=False,
            accept_reminder__isnull=True,
        )
        .exclude(status__in=[Topic.Status.SOLVED, Topic.Status.DUPLICATE, Topic.Status.CLOSED])
        .filter(Exists(other_reply))
        .select_related("author", "category", "first_post")
        .order_by("last_reply_at", "pk")
    )


def accept_reminders_send(*, now=None) -> int:
    """Remind each asker whose question waits for an accepted answer, once per topic; return
    how many reminders went out (as notifications, mailed per the asker's preference)."""
    count = 0
    for topic in topics_needing_accept_reminder(now=now):
        with transaction.atomic():
            _, created = AcceptReminder.objects.get_or_create(
                topic=topic, defaults={"recipient": topic.author}
            )
            if not created:
                continue
            notify(
                recipients={topic.author: Kind.REMINDER},
                topic=topic,
                post=topic.first_post,
                dedupe_key=f"reminder:{topic.pk}",
            )
        count += 1
    return count
