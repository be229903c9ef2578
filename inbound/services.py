"""Writes for mail that came in: a reply posted by email, a question asked by email, a
stranger confirming their question, a member revoking their reply addresses.

Rules:

* **Replies** post through ``forum.services.posts.post_create``, the service the web uses, so
  the forum's permissions (bans, locks, hidden topics, duplicates) and the posting rate limit
  apply unchanged. The reply address names the member; the mail must also come *from* one of
  that member's confirmed addresses (a forwarded notification does not let someone else post).
* **Questions** to a support address post through ``topic_create``. A sender whose address a
  member confirmed asks as that member. Anyone else asks as the placeholder tied to their
  address (no login) and the topic waits hidden: until staff publish it (``moderate``) or the
  sender follows the signed link we mail back (``confirm``). An address a member has *not*
  confirmed is refused: a stranger must not take over a member's address.
* Before the question is posted, the similar questions and FAQ articles are found, and mailed
  back with the acknowledgement.
* The asker who wrote from outside (a placeholder) gets the official answer by mail; members
  get it as their usual notification, whose Reply-To lets them answer back.

Each function returns ``(status, reason)`` for the log, or raises ``Refused``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from core import ratelimit
from forum.models import Category, Post, Topic, TopicEvent
from inbound import outgoing, tokens
from inbound.content import MailContent
from inbound.models import InboundMessage, ReplyKey
from notifications.mail import absolute

WAITING_REASON = "Waiting: asked by email"


class Refused(Exception):
    """The mail is refused: ``str()`` is the reason for the log; ``tell`` (when set) is what
    the sender is mailed back, with ``url`` to carry on on the site. The caller sends it after
    undoing the attempt's writes, so a refused mail leaves only its log row behind."""

    def __init__(self, reason: str, *, tell: str = "", url: str = ""):
        super().__init__(reason)
        self.tell, self.url = tell, url


@dataclass(frozen=True)
class Mail:
    """What the pipeline read from a message, handed to the services."""

    sender: str
    sender_name: str
    subject: str
    message_id: str
    content: MailContent


def _message_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or type(exc).__name__


# --- reply addresses ------------------------------------------------------------------------


def reply_key_version(user) -> int:
    return ReplyKey.objects.filter(user=user).values_list("version", flat=True).first() or 0


def reply_address_for(*, user, topic) -> str | None:
    """The Reply-To of mail to ``user`` about ``topic``; None when mail is not received."""
    if not settings.INBOUND_EMAIL_DOMAIN or user.pk is None or topic is None:
        return None
    token = tokens.make_token(user_id=user.pk, topic_id=topic.pk, version=reply_key_version(user))
    return tokens.reply_address(token)


def reply_addresses_revoke(*, user) -> int:
    """Make every reply address mailed to ``user`` so far stop working; return the new version."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in first.")
    with transaction.atomic():
        key, _ = ReplyKey.objects.select_for_update().get_or_create(user=user)
        key.version += 1
        key.revoked_at = timezone.now()
        key.save(update_fields=["version", "revoked_at"])
    return key.version


def _confirmed_owner(address: str):
    """The member who confirmed ``address`` (allauth), else None."""
    from allauth.account.models import EmailAddress

    found = (
        EmailAddress.objects.filter(email__iexact=address, verified=True)
        .select_related("user")
        .order_by("-primary")
        .first()
    )
    return found.user if found is not None else None


def _sender_owns(user, address: str) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=address, verified=True).exists()


def bounce(mail: Mail, reason: str, *, url: str = "") -> None:
    outgoing.send_later(
        to=mail.sender,
        subject=f"Not posted: {mail.subject}" if mail.subject else "Not posted",
        template="refused",
        context={"reason": reason, "subject": mail.subject, "url": url},
        in_reply_to=mail.message_id,
    )


def _rate_check(user, mail: Mail) -> None:
    from forum.services.posts import post_rate_check

    try:
        post_rate_check(user=user)
    except ratelimit.RateLimited as exc:
        raise Refused(str(exc)) from None


# --- reply by email --------------------------------------------------------------------------


def reply_by_email(*, record: InboundMessage, token: str, mail: Mail) -> str:
    """Post ``mail`` as a reply; return the reason for the log, or raise ``Refused`` (after
    mailing the sender why, when we know who they are)."""
    from forum.services.posts import post_create

    record.kind = InboundMessage.Kind.REPLY
    try:
        parsed = tokens.read_token(token)
    except tokens.InvalidToken as exc:
        raise Refused(str(exc), tell=f"{str(exc).capitalize()}.") from None
    User = get_user_model()
    user = User.objects.filter(pk=parsed.user_id, is_active=True).first()
    topic = Topic.objects.filter(pk=parsed.topic_id).select_related("category").first()
    if user is None or topic is None:
        raise Refused(
            "the member or topic is gone", tell="The topic or account this address was for no longer exists."
        )
    record.user, record.topic = user, topic
    if parsed.version != reply_key_version(user):
        raise Refused(
            "the reply address was revoked",
            tell="This reply address was revoked. Reply from a newer notification, or on the site.",
        )
    if not _sender_owns(user, mail.sender):
        # Not the member's own confirmed address: say nothing about the member or the topic.
        raise Refused(
            "sent from an address that is not the member's",
            tell="Replies must come from the address the notification was sent to.",
        )
    url = absolute(topic.get_absolute_url())
    if not mail.content.text:
        raise Refused(
            "no new text (only quoted text)", tell="We found no text above the quoted message.", url=url
        )
    try:
        _rate_check(user, mail)
        post = post_create(author=user, topic=topic, source=mail.content.text, via=Post.Via.EMAIL)
    except (PermissionDenied, ValidationError, Refused) as exc:
        reason = _message_text(exc)
        raise Refused(reason, tell=reason, url=url) from None
    record.post = post
    outgoing.send_later(
        to=mail.sender,
        subject=f"Posted: {topic.title}",
        template="reply_taken",
        context={"topic": topic, "url": absolute(post.get_absolute_url())},
        in_reply_to=mail.message_id,
    )
    return f"reply posted on topic {topic.pk}"


# --- ask by email ----------------------------------------------------------------------------


def _placeholder_for(address: str, name: str):
    """The placeholder account tied to a stranger's address (one per address, no login)."""
    User = get_user_model()
    digest = hashlib.sha256(address.encode()).hexdigest()[:12]
    display = Truncator(name.strip() or address.partition("@")[0]).chars(60)
    user, created = User.objects.get_or_create(
        username=f"mail-{digest}",
        defaults={"email": address, "display_name": f"{display} (by email)", "is_placeholder": True},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.is_placeholder:
        raise Refused("that address belongs to a member")
    return user


def _similar(title: str) -> list[dict]:
    from search.selectors import similar_hits

    try:
        hits = similar_hits(title, limit=5)
    except Exception:  # noqa: BLE001 - a broken index must not lose the question
        return []
    return [{"title": h.title, "url": absolute(h.url), "answered": h.answered} for h in hits]


def _title_from(subject: str) -> str:
    title = " ".join((subject or "").split())
    for prefix in ("re:", "fw:", "fwd:", "aw:", "wg:"):
        if title.lower().startswith(prefix):
            title = title[len(prefix) :].strip()
    return title


def ask_by_email(*, record: InboundMessage, slug: str, mail: Mail) -> str:
    """Make ``mail`` a question in the category ``slug``; see the module rules."""
    from forum.services import moderation
    from forum.services.topics import topic_create

    record.kind = InboundMessage.Kind.QUESTION
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise Refused(
            f"the support address points at no category ({slug!r}): check INBOUND_SUPPORT_ADDRESSES"
        )
    member = _confirmed_owner(mail.sender)
    if member is None:
        User = get_user_model()
        if User.objects.filter(email__iexact=mail.sender, is_placeholder=False).exists():
            reason = (
                "This address belongs to an account that has not confirmed it: confirm it on the site first."
            )
            raise Refused("the address is a member's, unconfirmed", tell=reason)
    author = member or _placeholder_for(mail.sender, mail.sender_name)
    title = _title_from(mail.subject)
    similar = _similar(title)
    try:
        _rate_check(author, mail)
        topic = topic_create(
            author=author, title=title, source=mail.content.text, category=category, via=Post.Via.EMAIL
        )
    except (PermissionDenied, ValidationError, Refused) as exc:
        reason = _message_text(exc)
        if "title" in reason.lower():
            reason = f"The subject becomes the title. {reason}"
        raise Refused(reason, tell=reason) from None
    record.user, record.topic, record.post = author, topic, topic.first_post
    waiting = ""
    if member is None:
        waiting = "confirm" if settings.INBOUND_STRANGER_POLICY == "confirm" else "moderate"
        moderation._hide_topic(topic=topic, actor=None, reason=WAITING_REASON)
        topic.refresh_from_db(fields=["is_hidden"])
    confirm_url = ""
    if waiting == "confirm":
        token = tokens.make_confirm_token(user_id=author.pk, topic_id=topic.pk)
        confirm_url = absolute(reverse("inbound:confirm", kwargs={"token": token}))
    outgoing.send_later(
        to=mail.sender,
        subject=f"Received: {topic.title}",
        template="question_taken",
        context={
            "topic": topic,
            "url": absolute(topic.get_absolute_url()),
            "similar": similar,
            "waiting": waiting,
            "confirm_url": confirm_url,
            "confirm_days": settings.INBOUND_CONFIRM_MAX_AGE_DAYS,
        },
        in_reply_to=mail.message_id,
    )
    state = {"": "published", "moderate": "waiting for staff", "confirm": "waiting for the sender to confirm"}
    return f"question {topic.pk} {state[waiting]}"


def _waiting_for_sender(topic: Topic) -> bool:
    last = (
        topic.events.filter(kind__in=[TopicEvent.Kind.HIDDEN, TopicEvent.Kind.UNHIDDEN])
        .order_by("-pk")
        .first()
    )
    return (
        topic.is_hidden
        and last is not None
        and last.kind == TopicEvent.Kind.HIDDEN
        and last.to_value == WAITING_REASON
    )


def question_confirm(*, token: str) -> Topic:
    """The stranger followed the link: publish their question (only one that still waits for
    them; a topic a moderator hid stays hidden). Raise ``tokens.InvalidToken`` otherwise."""
    from forum.services import moderation

    user_id, topic_id = tokens.read_confirm_token(token)
    topic = Topic.objects.filter(pk=topic_id, author_id=user_id, author__is_placeholder=True).first()
    if topic is None:
        raise tokens.InvalidToken("This confirmation link is not valid.")
    if settings.INBOUND_STRANGER_POLICY != "confirm":
        raise tokens.InvalidToken(
            "Questions sent by email are now published by our team: nothing to confirm."
        )
    with transaction.atomic():
        if _waiting_for_sender(topic):
            moderation._unhide_topic(topic=topic, actor=None)
    topic.refresh_from_db()
    return topic


# --- the official answer, back by mail ---------------------------------------------------------


def official_answer_mail(*, topic: Topic, post: Post) -> bool:
    """Mail the official answer to a question asked by email from outside (a placeholder)."""
    asked = (
        InboundMessage.objects.filter(
            topic=topic, kind=InboundMessage.Kind.QUESTION, status=InboundMessage.Status.TAKEN
        )
        .order_by("received_at")
        .first()
    )
    author = topic.author
    if asked is None or author is None or not author.is_placeholder or not asked.sender or post.is_hidden:
        return False
    url = absolute(topic.get_absolute_url()) if not topic.is_hidden else ""
    message = outgoing.build(
        to=asked.sender,
        subject=f"Answered: {topic.title}",
        template="official_answer",
        context={
            "topic": topic,
            "text": post.text,
            "signature": post.author.signature if post.author else settings.SITE_NAME,
            "url": url,
        },
        in_reply_to=asked.message_id if not asked.message_id.startswith("sha256:") else "",
    )
    outgoing._send(message)
    return True
