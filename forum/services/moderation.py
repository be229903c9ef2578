"""Moderation: flags, hiding and unhiding posts and topics, resolving flags, bans.

Rules:

* Any signed-in, verified, not banned member may flag someone else's post, once (a second flag
  by the same person is refused with a message). A reason is required (spam, abuse, off-topic,
  other); "other" requires a note; notes are at most ``FLAG_NOTE_MAX`` characters.
* ``Post.flag_count`` (and ``Topic.flag_count``, the sum over the topic's posts) counts *open*
  flags. When a post reaches ``settings.FORUM_FLAGS_TO_HIDE`` open flags (from different
  people, which the one-flag-per-person rule guarantees) it is hidden pending review, with no
  moderator recorded; if it is the question, its topic is hidden too.
* Moderators and staff hide and unhide posts and topics (who, when, why are recorded: on the
  post, or as a ``TopicEvent`` for a topic), resolve a post's open flags (uphold: the content
  stays hidden, or is hidden now; dismiss: the content is shown again if the flags hid it), and
  ban or unban members (``forum.permissions.check_ban``: never themselves, staff or moderators).
* Hiding the question hides its topic; showing the question again shows its topic.
* Counters stay true: ``Topic.reply_count`` counts visible replies and ``Category.topic_count``
  visible topics, so hiding and unhiding move them with ``F()``, and only when this call
  changed the row (the ``UPDATE ... WHERE is_hidden = ...`` decides, so two moderators
  clicking at once move a counter once).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from forum import events, permissions
from forum.models import Category, Flag, Post, Topic, TopicEvent

FLAG_NOTE_MAX = 500
HIDE_REASON_MAX = 200
BAN_REASON_MAX = 200
AUTO_HIDE_REASON = "Hidden automatically after several flags, pending review."


def _post_visibility_changed(*, post: Post, topic: Topic, actor, hidden: bool) -> None:
    events.send_after_commit(
        events.post_visibility_changed, sender=Post, post=post, topic=topic, actor=actor, hidden=hidden
    )


def _topic_visibility_changed(*, topic: Topic, actor, hidden: bool) -> None:
    events.send_after_commit(
        events.topic_visibility_changed, sender=Topic, topic=topic, actor=actor, hidden=hidden
    )


def _flags_changed(post_id: int, topic_id: int) -> None:
    """The open-flag counts moderators see on the topic page moved."""
    events.send_after_commit(
        events.flags_changed, sender=Post, post=Post(pk=post_id, topic_id=topic_id), topic=Topic(pk=topic_id)
    )


def _clean_text(value: str | None, *, field: str, limit: int, required: bool, label: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"{label} is required."})
    if len(value) > limit:
        raise ValidationError({field: f"{label} can be at most {limit} characters (it has {len(value)})."})
    return value


# --- flags ------------------------------------------------------------------------------


def post_flag(*, user, post: Post, reason: str, note: str = "") -> Flag:
    """Flag ``post`` for moderators; hide it pending review at the threshold."""
    permissions.check_flag(user, post)
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": "Choose why you are flagging this post."})
    note = _clean_text(
        note,
        field="note",
        limit=FLAG_NOTE_MAX,
        required=reason == Flag.Reason.OTHER,
        label="A note saying what is wrong" if reason == Flag.Reason.OTHER else "The note",
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                flag = Flag.objects.create(post=post, reporter=user, reason=reason, note=note)
        except IntegrityError:
            raise ValidationError("You have already flagged this post; moderators will look at it.") from None
        Post.objects.filter(pk=post.pk).update(flag_count=F("flag_count") + 1)
        Topic.objects.filter(pk=post.topic_id).update(flag_count=F("flag_count") + 1)
        open_flags = (
            Flag.objects.filter(post=post, state=Flag.State.OPEN).values("reporter").distinct().count()
        )
        _flags_changed(post.pk, post.topic_id)
        if open_flags >= settings.FORUM_FLAGS_TO_HIDE:
            _hide_post(post=post, actor=None, reason=AUTO_HIDE_REASON)
    post.refresh_from_db(fields=["flag_count", "is_hidden", "hidden_by", "hidden_at", "hidden_reason"])
    return flag


def post_resolve_flags(*, user, post: Post, uphold: bool) -> int:
    """Close every open flag on ``post``; return how many were closed.

    Uphold: the post stays hidden (or is hidden now, recorded as hidden by ``user``).
    Dismiss: the post is shown again if the flags hid it (a moderator's own hiding stands).
    """
    permissions.check_moderate(user)
    now = timezone.now()
    with transaction.atomic():
        closed = Flag.objects.filter(post=post, state=Flag.State.OPEN).update(
            state=Flag.State.UPHELD if uphold else Flag.State.DISMISSED, resolved_by=user, resolved_at=now
        )
        if closed:
            Post.objects.filter(pk=post.pk, flag_count__gte=closed).update(
                flag_count=F("flag_count") - closed
            )
            Topic.objects.filter(pk=post.topic_id, flag_count__gte=closed).update(
                flag_count=F("flag_count") - closed
            )
            _flags_changed(post.pk, post.topic_id)
        post.refresh_from_db()
        if uphold:
            if not post.is_hidden:
                _hide_post(post=post, actor=user, reason="Flags upheld by a moderator.")
        elif post.is_hidden and is_auto_hidden(post):
            _unhide_post(post=post, actor=user)
    post.refresh_from_db()
    return closed


def flag_resolve(*, user, flag: Flag, uphold: bool) -> None:
    """Close one open flag (the others on the post stay open)."""
    permissions.check_moderate(user)
    with transaction.atomic():
        closed = Flag.objects.filter(pk=flag.pk, state=Flag.State.OPEN).update(
            state=Flag.State.UPHELD if uphold else Flag.State.DISMISSED,
            resolved_by=user,
            resolved_at=timezone.now(),
        )
        if closed:
            Post.objects.filter(pk=flag.post_id, flag_count__gt=0).update(flag_count=F("flag_count") - 1)
            Topic.objects.filter(pk=flag.post.topic_id, flag_count__gt=0).update(
                flag_count=F("flag_count") - 1
            )
            _flags_changed(flag.post_id, flag.post.topic_id)
    flag.refresh_from_db()


def is_auto_hidden(post: Post) -> bool:
    """True when flags, not a moderator, hid ``post``."""
    return post.is_hidden and post.hidden_by_id is None and post.hidden_reason == AUTO_HIDE_REASON


# --- hiding -----------------------------------------------------------------------------


def _hide_post(*, post: Post, actor, reason: str) -> bool:
    changed = Post.objects.filter(pk=post.pk, is_hidden=False).update(
        is_hidden=True, hidden_by=actor, hidden_at=timezone.now(), hidden_reason=reason[:HIDE_REASON_MAX]
    )
    topic = Topic.objects.only("id", "first_post_id", "category_id", "is_hidden", "duplicate_of_id").get(
        pk=post.topic_id
    )
    if topic.first_post_id == post.pk:
        _hide_topic(topic=topic, actor=actor, reason=reason)
    elif changed:
        # The guard keeps a counter that was already off (imported data) from going negative.
        Topic.objects.filter(pk=topic.pk, reply_count__gt=0).update(reply_count=F("reply_count") - 1)
        _post_visibility_changed(post=post, topic=topic, actor=actor, hidden=True)
    return bool(changed)


def _unhide_post(*, post: Post, actor) -> bool:
    changed = Post.objects.filter(pk=post.pk, is_hidden=True).update(
        is_hidden=False, hidden_by=None, hidden_at=None, hidden_reason=""
    )
    topic = Topic.objects.only("id", "first_post_id", "category_id", "is_hidden", "duplicate_of_id").get(
        pk=post.topic_id
    )
    if topic.first_post_id == post.pk:
        _unhide_topic(topic=topic, actor=actor)
    elif changed:
        Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") + 1)
        _post_visibility_changed(post=post, topic=topic, actor=actor, hidden=False)
    return bool(changed)


def _hide_topic(*, topic: Topic, actor, reason: str) -> bool:
    changed = Topic.objects.filter(pk=topic.pk, is_hidden=False).update(is_hidden=True)
    if changed:
        Category.objects.filter(pk=topic.category_id, topic_count__gt=0).update(
            topic_count=F("topic_count") - 1
        )
        TopicEvent.objects.create(topic=topic, actor=actor, kind=TopicEvent.Kind.HIDDEN, to_value=reason[:64])
        _topic_visibility_changed(topic=topic, actor=actor, hidden=True)
    return bool(changed)


def _unhide_topic(*, topic: Topic, actor) -> bool:
    changed = Topic.objects.filter(pk=topic.pk, is_hidden=True).update(is_hidden=False)
    if changed:
        Category.objects.filter(pk=topic.category_id).update(topic_count=F("topic_count") + 1)
        TopicEvent.objects.create(topic=topic, actor=actor, kind=TopicEvent.Kind.UNHIDDEN)
        # The question hidden on its own would leave an empty topic: show it with the topic.
        Post.objects.filter(pk=topic.first_post_id, is_hidden=True).update(
            is_hidden=False, hidden_by=None, hidden_at=None, hidden_reason=""
        )
        _topic_visibility_changed(topic=topic, actor=actor, hidden=False)
    return bool(changed)


def post_hide(*, user, post: Post, reason: str = "") -> bool:
    """Hide ``post`` from everyone but its author, moderators and staff; hiding the question
    hides the topic. Return False when it was hidden already."""
    permissions.check_hide(user, post)
    reason = _clean_text(reason, field="reason", limit=HIDE_REASON_MAX, required=False, label="The reason")
    with transaction.atomic():
        changed = _hide_post(post=post, actor=user, reason=reason or "Hidden by a moderator.")
    post.refresh_from_db()
    return changed


def post_unhide(*, user, post: Post) -> bool:
    """Show ``post`` again (and its topic, if it is the question). Open flags stay open."""
    permissions.check_hide(user, post)
    with transaction.atomic():
        changed = _unhide_post(post=post, actor=user)
    post.refresh_from_db()
    return changed


def topic_hide(*, user, topic: Topic, reason: str = "") -> bool:
    """Hide a whole topic (a ``TopicEvent`` records who, when and why)."""
    permissions.check_hide(user, topic)
    reason = _clean_text(reason, field="reason", limit=HIDE_REASON_MAX, required=False, label="The reason")
    with transaction.atomic():
        changed = _hide_topic(topic=topic, actor=user, reason=reason or "Hidden by a moderator.")
    topic.refresh_from_db()
    return changed


def topic_unhide(*, user, topic: Topic) -> bool:
    """Show a hidden topic again, with its question."""
    permissions.check_hide(user, topic)
    with transaction.atomic():
        changed = _unhide_topic(topic=topic, actor=user)
    topic.refresh_from_db()
    return changed


# --- bans -------------------------------------------------------------------------------


def user_ban(*, user, target, reason: str) -> None:
    """Ban ``target``: they keep reading but can no longer post, reply, vote, "me too" or flag
    (``forum.permissions._require_participant``). A reason is required; it is shown to them."""
    permissions.check_ban(user, target)
    reason = _clean_text(
        reason, field="reason", limit=BAN_REASON_MAX, required=True, label="A reason for the ban"
    )
    type(target).objects.filter(pk=target.pk).update(is_banned=True, banned_reason=reason)
    target.is_banned, target.banned_reason = True, reason


def user_unban(*, user, target) -> None:
    """Lift a ban."""
    permissions.check_ban(user, target)
    type(target).objects.filter(pk=target.pk).update(is_banned=False, banned_reason="")
    target.is_banned, target.banned_reason = False, ""
