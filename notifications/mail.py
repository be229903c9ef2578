"""Notification mail: one message per notification, or one digest per person.

Every message is plain text with an HTML alternative, carries a signed one-click unsubscribe
link in its body and in the ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058),
and is only ever sent from a background task (``notifications.tasks``), never in a request.

A failing mail server loses nothing: the notification stays in the inbox, is marked ``failed``
with the error, and is tried again (by the task, when the task backend can defer, and by every
``send_digests`` run) until ``NOTIFICATIONS_EMAIL_MAX_ATTEMPTS`` attempts have been made.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.templatetags.accounts_tags import author_name
from forum import permissions
from notifications.models import Notification, NotificationSettings
from notifications.selectors import visible_to
from notifications.tokens import make_unsubscribe_token

logger = logging.getLogger(__name__)
Kind = Notification.Kind
EmailState = Notification.EmailState


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def unsubscribe_url(*, user, event_type: str | None) -> str:
    token = make_unsubscribe_token(user=user, event_type=event_type)
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))


TOPIC_NOUNS = {"question": "question", "problem": "problem report", "idea": "idea", "praise": "post"}


def can_see(notification: Notification) -> bool:
    """The recipient may still see what the notification is about (it may have been hidden)."""
    user, post = notification.recipient, notification.post
    return permissions.allowed(permissions.check_view_topic, user, notification.topic) and (
        post is None or permissions.allowed(permissions.check_view_post, user, post)
    )


def summary(notification: Notification) -> str:
    """One line saying what happened, for the inbox and for mail (plain text)."""
    n = notification
    who = author_name(n.actor) if n.actor_id else "Someone"
    title = f"\u201c{n.topic.title}\u201d"
    yours = n.post_id is not None and n.post is not None and n.post.author_id == n.recipient_id
    what = TOPIC_NOUNS.get(n.topic.kind, "topic")
    if n.kind == Kind.ANSWER:
        return f"{who} replied to your {what} {title}"
    if n.kind == Kind.OFFICIAL:
        if yours:
            return f"Your reply on {title} was marked as the official answer"
        return f"{who} marked an official answer on {title}"
    if n.kind == Kind.ACCEPTED:
        if yours:
            return f"Your reply on {title} was accepted as the answer"
        return f"{who} accepted an answer on your {what} {title}"
    if n.kind == Kind.REPLY:
        return f"{who} replied to {title}"
    if n.kind == Kind.NEW_TOPIC:
        return f"{who} asked {title} in {n.topic.category.name}"
    if n.kind == Kind.STATUS:
        return f"{title} is now {(n.detail or n.topic.get_status_display()).lower()}"
    if n.kind == Kind.MENTION:
        return f"{who} mentioned you in {title}"
    if n.kind == Kind.PROMOTED:
        return f"Your {what} {title} is now in the FAQ"
    if n.kind == Kind.REMINDER:
        return f"Did a reply answer {title}? Accept it so the next person finds it"
    return f"News on {title}"


def excerpt(notification: Notification, length: int = 240) -> str:
    post = notification.post
    if post is None or post.is_hidden:
        return ""
    text = " ".join(post.text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "\u2026"


def signature(notification: Notification) -> dict | None:
    """An official post is signed by the person who wrote it: name, title and photo ("Sam,
    Support team"), so mail about it never comes from a faceless address."""
    post = notification.post
    if post is None or post.is_hidden or not post.is_official or post.author is None:
        return None
    author = post.author
    photo = absolute(author.avatar.url) if author.avatar else ""
    return {"line": author.signature, "name": author.name, "title": author.staff_title, "photo_url": photo}


def _message(*, user, subject: str, template: str, context: dict, event_type: str | None, reply_to: str = ""):
    unsubscribe = unsubscribe_url(user=user, event_type=event_type)
    context = {
        **context,
        "reply_by_email": bool(reply_to),
        "user": user,
        "site_name": settings.SITE_NAME,
        "site_url": absolute("/"),
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "inbox_url": absolute(reverse("notifications:inbox")),
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}"[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_message(notification: Notification):
    """One notification's mail. When mail is received (``INBOUND_EMAIL_DOMAIN``), its Reply-To
    is the recipient's own signed address for the topic: replying posts a reply (inbound/)."""
    from inbound.services import reply_address_for

    line = summary(notification)
    reply_to = reply_address_for(user=notification.recipient, topic=notification.topic) or ""
    return _message(
        reply_to=reply_to,
        user=notification.recipient,
        subject=line.replace("\u201c", '"').replace("\u201d", '"'),
        template="notification",
        context={
            "notification": notification,
            "summary": line,
            "excerpt": excerpt(notification),
            "signature": signature(notification),
            "url": absolute(notification.get_absolute_url()),
            "event_type_label": notification.get_kind_display(),
        },
        event_type=notification.event_type,
    )


def send_notification_email(notification_id: int) -> str:
    """Send one notification's mail; return what happened (``sent``, ``failed``, ``skipped``).

    Only notifications still ``pending`` or ``failed`` are sent, so a task that runs twice
    sends once; the row is locked while sending."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor", "topic", "topic__category", "post", "post__author")
            .filter(pk=notification_id, email_state__in=[EmailState.PENDING, EmailState.FAILED])
            .first()
        )
        if notification is None:
            return "skipped"
        user = notification.recipient
        if not user.email or not user.is_active or user.is_banned or not can_see(notification):
            notification.email_state = EmailState.SKIPPED
            notification.save(update_fields=["email_state"])
            return "skipped"
        notification.email_attempts += 1
        try:
            notification_message(notification).send()
        except Exception as exc:
            logger.warning("notification %s: mail failed: %s", notification.pk, exc)
            notification.email_state = EmailState.FAILED
            notification.email_error = f"{type(exc).__name__}: {exc}"[:300]
            notification.save(update_fields=["email_state", "email_attempts", "email_error"])
            return "failed"
        notification.email_state = EmailState.SENT
        notification.email_error = ""
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["email_state", "email_attempts", "email_error", "emailed_at"])
        return "sent"


# --- digests ------------------------------------------------------------------------------


def digest_groups(notifications: list[Notification]) -> list[dict]:
    """Group a person's notifications by topic, topics in order of their latest news."""
    groups: OrderedDict[int, dict] = OrderedDict()
    for n in sorted(notifications, key=lambda n: (n.created_at, n.pk), reverse=True):
        group = groups.setdefault(
            n.topic_id, {"topic": n.topic, "url": absolute(n.topic.get_absolute_url()), "items": []}
        )
        group["items"].append(
            {"summary": summary(n), "excerpt": excerpt(n, 160), "url": absolute(n.get_absolute_url())}
        )
    return list(groups.values())


def digest_message(user, notifications: list[Notification]):
    groups = digest_groups(notifications)
    count = len(notifications)
    return _message(
        user=user,
        subject=f"Your daily digest: {count} update{'s' if count != 1 else ''} in {len(groups)} topic{'s' if len(groups) != 1 else ''}",
        template="digest",
        context={"groups": groups, "count": count},
        event_type=None,
    )


def send_digest(user) -> str:
    """Send ``user`` one mail covering every notification waiting for the digest; return what
    happened. Notifications already read in the inbox are left out (and not mailed later)."""
    with transaction.atomic():
        state, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        waiting = Notification.objects.filter(recipient=user, email_state=EmailState.DIGEST)
        # Already read in the inbox, or about content hidden since: not mailed.
        visible = visible_to(waiting, user).values("pk")
        waiting.filter(Q(read_at__isnull=False) | ~Q(pk__in=visible)).update(email_state=EmailState.SKIPPED)
        notifications = list(
            waiting.filter(read_at__isnull=True)
            .select_related("actor", "topic", "topic__category", "post", "post__author", "recipient")
            .order_by("-created_at", "-id")
        )
        if not notifications:
            return "empty"
        if not user.email or not user.is_active or user.is_banned:
            waiting.update(email_state=EmailState.SKIPPED)
            return "skipped"
        try:
            digest_message(user, notifications).send()
        except Exception as exc:
            # Leave them waiting: the next run sends them, nothing is lost.
            logger.warning("digest for user %s failed: %s", user.pk, exc)
            state.digest_failures += 1
            state.last_digest_error = f"{type(exc).__name__}: {exc}"[:300]
            state.save(update_fields=["digest_failures", "last_digest_error"])
            return "failed"
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            email_state=EmailState.SENT, emailed_at=now
        )
        state.last_digest_at = now
        state.last_digest_error = ""
        state.save(update_fields=["last_digest_at", "last_digest_error"])
        return "sent"


def send_digests() -> dict[str, int]:
    """Send every digest that is due, and retry failed immediate mail; return the tallies."""
    from django.contrib.auth import get_user_model

    tallies: dict[str, int] = {"sent": 0, "failed": 0, "skipped": 0, "empty": 0, "retried": 0}
    user_ids = (
        Notification.objects.filter(email_state=EmailState.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user in get_user_model().objects.filter(pk__in=list(user_ids)).order_by("pk"):
        tallies[send_digest(user)] += 1
    tallies["retried"] = retry_failed_emails()
    return tallies


def retry_failed_emails() -> int:
    """Try failed single mails again (up to the attempt limit); return how many were sent."""
    ids = Notification.objects.filter(
        email_state=EmailState.FAILED, email_attempts__lt=settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    return sum(send_notification_email(pk) == "sent" for pk in list(ids))
