"""Replies, edits, and the official and accepted answers.

Rules:

* ``post_create``: only people ``check_reply`` allows (not on duplicates; on locked topics only
  staff). ``post.is_official`` records whether the author was staff *when posting*. The topic's
  ``reply_count`` (which counts visible replies), ``last_activity_at``, ``last_reply_at`` and,
  for staff, ``has_staff_reply`` / ``first_staff_reply_at`` move with atomic updates. The
  replier follows the topic. ``reply_created`` and ``post_mentions`` are sent after commit.
* ``post_edit``: the author (or staff) edits; the text before the edit is kept as a
  ``PostRevision`` with who and when; editing the question may change the topic's title.
* Official answer (staff) and accepted answer (the asker, or staff on their behalf): marking
  either moves the status to "answered" unless staff chose a status by hand
  (``topic.status_set_by_staff``); unmarking moves it back to "open" when neither answer is
  left. ``answered_at`` is set the first time. Each change is a ``TopicEvent``.
* Posting is rate-limited per user by ``post_rate_check`` (``settings.FORUM_POST_RATE_LIMIT``,
  counted in the cache); views call it before ``topic_create`` / ``post_create`` so that
  imports and the demo seeder are not throttled. Staff and moderators are exempt.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import ratelimit
from forum import events, markup, permissions
from forum.models import Post, PostRevision, Topic, TopicEvent
from forum.services import follows
from forum.services import status as status_rules
from forum.services.titles import validate_title

MENTION_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_.+-]{1,150})")
MAX_MENTIONS = 20


#: Raised by ``post_rate_check``; ``str()`` is a message for the person.
RateLimitExceeded = ratelimit.RateLimited


# --- helpers shared with forum.services.topics -----------------------------------------


def validate_source(source: str, *, field: str = "source") -> str:
    """Stripped Markdown source; refuses empty text and text over ``markup.MAX_SOURCE_LENGTH``."""
    source = (source or "").strip()
    if not source:
        raise ValidationError({field: "Write something first: the text is empty."})
    if len(source) > markup.MAX_SOURCE_LENGTH:
        raise ValidationError(
            {field: f"Keep it under {markup.MAX_SOURCE_LENGTH:,} characters (this is {len(source):,})."}
        )
    if not markup.render_markdown(source).text and "![" not in source:
        raise ValidationError({field: "Write something first: the text is empty."})
    return source


def parse_mentions(text: str, *, exclude: set[str] | None = None) -> set[str]:
    """Usernames mentioned as ``@username`` in ``text`` that belong to real members."""
    names = {m.rstrip(".") for m in MENTION_RE.findall(text or "")}
    names -= exclude or set()
    if not names:
        return set()
    User = get_user_model()
    found = User.objects.filter(username__in=list(names)[:MAX_MENTIONS], is_active=True)
    return set(found.values_list("username", flat=True))


def record_event(topic: Topic, actor, kind: str, **fields) -> TopicEvent:
    return TopicEvent.objects.create(topic=topic, actor=actor, kind=kind, **fields)


def _send_after_commit(signal, **kwargs) -> None:
    """Expire the cached pages the change shows on, and send ``signal`` after commit
    (``forum.events.send_after_commit``: the one road from a write to its listeners)."""
    events.send_after_commit(signal, **kwargs)


def post_rate_check(*, user) -> None:
    """Count one post by ``user``; raise ``RateLimitExceeded`` over the limit (fixed window)."""
    if permissions.is_staff(user) or permissions.is_moderator(user):
        return
    ratelimit.hit(
        scope="post",
        who=f"user:{user.pk}",
        rate=settings.FORUM_POST_RATE_LIMIT,
        message="You're posting very quickly.",
    )


def _lock_topic(topic: Topic) -> Topic:
    """Reload ``topic`` with a row lock (PostgreSQL) for a consistent status decision."""
    return Topic.objects.select_for_update().get(pk=topic.pk)


def _sync_instance(topic: Topic, fresh: Topic) -> None:
    for name in (
        "status",
        "status_set_by_staff",
        "official_answer_id",
        "accepted_answer_id",
        "answered_at",
        "reply_count",
        "last_activity_at",
        "last_reply_at",
        "has_staff_reply",
        "first_staff_reply_at",
        "follower_count",
    ):
        setattr(topic, name, getattr(fresh, name))
    # Drop cached related objects that may be stale.
    for name in ("official_answer", "accepted_answer"):
        topic._state.fields_cache.pop(name, None)


def _status_after_answer_change(topic: Topic, *, actor) -> tuple[str, str] | None:
    """Apply the automatic status rule (``forum.services.status``); record and return the change."""
    new = status_rules.status_after_answer_change(topic)
    if new is None:
        return None
    old = topic.status
    topic.status = new
    record_event(topic, actor, TopicEvent.Kind.STATUS, from_value=old, to_value=new)
    return old, new


# --- replies ------------------------------------------------------------------------------


def post_create(*, author, topic: Topic, source: str, via: str = Post.Via.WEB) -> Post:
    """Reply to ``topic`` as ``author`` (see the module rules). ``via`` records the road the
    reply came in by (the web, email, the API); the rules are the same on every road."""
    permissions.check_reply(author, topic)
    source = validate_source(source)
    rendered = markup.render_markdown(source)
    now = timezone.now()
    official = permissions.is_staff(author)
    with transaction.atomic():
        post = Post.objects.create(
            topic=topic,
            author=author,
            source=source,
            html=rendered.html,
            text=rendered.text,
            is_official=official,
            created_at=now,
            via=via,
        )
        Topic.objects.filter(pk=topic.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=now, last_reply_at=now
        )
        if official:
            Topic.objects.filter(pk=topic.pk).update(has_staff_reply=True)
            Topic.objects.filter(pk=topic.pk, first_staff_reply_at__isnull=True).update(
                first_staff_reply_at=now
            )
        follows.topic_follow(user=author, topic=topic, check=False)
        fresh = Topic.objects.get(pk=topic.pk)
        _sync_instance(topic, fresh)
        mentioned = parse_mentions(rendered.text, exclude={author.username})
        _send_after_commit(events.reply_created, sender=Post, post=post, topic=topic, actor=author)
        if mentioned:
            _send_after_commit(
                events.post_mentions, sender=Post, post=post, topic=topic, actor=author, mentioned=mentioned
            )
    return post


def post_edit(*, actor, post: Post, source: str, title: str | None = None) -> Post:
    """Edit ``post`` (and, for the question, the topic's ``title``), keeping the text before
    as a revision. Nothing changes (and no revision is kept) when the text is the same."""
    permissions.check_edit_post(actor, post)
    source = validate_source(source)
    topic = post.topic
    is_question = topic.first_post_id == post.pk
    new_title = None
    if is_question and title is not None:
        new_title = validate_title(title)
        if new_title == topic.title:
            new_title = None
    if source == post.source and new_title is None:
        return post
    rendered = markup.render_markdown(source)
    now = timezone.now()
    with transaction.atomic():
        PostRevision.objects.create(
            post=post,
            editor=actor,
            source_before=post.source,
            title_before=topic.title if is_question else "",
            created_at=now,
        )
        Post.objects.filter(pk=post.pk).update(
            source=source,
            html=rendered.html,
            text=rendered.text,
            edited_at=now,
            edit_count=F("edit_count") + 1,
        )
        post.refresh_from_db(fields=["source", "html", "text", "edited_at", "edit_count"])
        if new_title is not None:
            topic.title = new_title
            topic.slug = ""
            topic.save(update_fields=["title", "slug"])
        _send_after_commit(
            events.post_edited,
            sender=Post,
            post=post,
            topic=topic,
            actor=actor,
            is_question=is_question,
            title_changed=new_title is not None,
        )
    return post


# --- official and accepted answers -----------------------------------------------------


def _set_answer(*, actor, post: Post, field: str, marked: bool, event_kind: str, signal) -> Topic:
    topic = post.topic
    with transaction.atomic():
        fresh = _lock_topic(topic)
        current = getattr(fresh, f"{field}_id")
        if marked and current == post.pk:
            return topic
        if not marked and current != post.pk:
            return topic
        setattr(fresh, f"{field}_id", post.pk if marked else None)
        fresh._state.fields_cache.pop(field, None)
        update_fields = [field]
        if marked and fresh.answered_at is None:
            fresh.answered_at = timezone.now()
            update_fields.append("answered_at")
        record_event(fresh, actor, event_kind, post=post)
        status_change = _status_after_answer_change(fresh, actor=actor)
        if status_change:
            update_fields.append("status")
        fresh.save(update_fields=update_fields)
        _sync_instance(topic, fresh)
        _send_after_commit(signal, sender=Topic, topic=topic, post=post, actor=actor, marked=marked)
        if status_change:
            _send_after_commit(
                events.status_changed,
                sender=Topic,
                topic=topic,
                actor=actor,
                old_status=status_change[0],
                new_status=status_change[1],
            )
    return topic


def post_mark_official(*, actor, post: Post) -> Topic:
    """Staff mark ``post`` as the topic's official answer (replacing any other)."""
    permissions.check_mark_official(actor, post)
    return _set_answer(
        actor=actor,
        post=post,
        field="official_answer",
        marked=True,
        event_kind=TopicEvent.Kind.OFFICIAL,
        signal=events.official_answer_changed,
    )


def post_unmark_official(*, actor, post: Post) -> Topic:
    """Staff take the official-answer mark off ``post``."""
    if not permissions.is_staff(actor):
        permissions.check_mark_official(actor, post)
    return _set_answer(
        actor=actor,
        post=post,
        field="official_answer",
        marked=False,
        event_kind=TopicEvent.Kind.UNOFFICIAL,
        signal=events.official_answer_changed,
    )


def post_accept(*, actor, post: Post) -> Topic:
    """The asker (or staff on their behalf) accepts ``post`` as the answer (replacing any other)."""
    permissions.check_accept(actor, post)
    return _set_answer(
        actor=actor,
        post=post,
        field="accepted_answer",
        marked=True,
        event_kind=TopicEvent.Kind.ACCEPTED,
        signal=events.accepted_answer_changed,
    )


def post_unaccept(*, actor, post: Post) -> Topic:
    """The asker (or staff) takes the accepted mark off ``post``. Allowed even when the post
    has since been hidden, so a hidden reply never stays stuck as the accepted answer."""
    if not permissions.is_staff(actor):
        permissions._require_participant(actor)
        if post.topic.author_id != actor.pk:
            permissions.check_accept(actor, post)
    return _set_answer(
        actor=actor,
        post=post,
        field="accepted_answer",
        marked=False,
        event_kind=TopicEvent.Kind.UNACCEPTED,
        signal=events.accepted_answer_changed,
    )


# --- redacting the edit history --------------------------------------------------------

REDACTION_NOTE_MAX = 200
REDACTED_TEXT = "[Redacted by staff: {note}]"


def post_revision_redact(*, actor, revision: PostRevision, note: str = "") -> PostRevision:
    """Staff replace an earlier version's text (and title) with a note saying why. The original
    is kept on the revision for staff only; who, when and why are recorded on it and in the
    admin's log (``forum.redact_revision``). Redacting again only changes the note."""
    from wagtail.log_actions import log as log_action

    permissions.check_redact_revision(actor, revision.post)
    note = " ".join((note or "").split()) or "removed"
    if len(note) > REDACTION_NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {REDACTION_NOTE_MAX} characters."})
    with transaction.atomic():
        fresh = PostRevision.objects.select_for_update().get(pk=revision.pk)
        if fresh.redacted_at is None:
            fresh.original_source, fresh.original_title = fresh.source_before, fresh.title_before
        fresh.source_before = REDACTED_TEXT.format(note=note)
        fresh.title_before = "[Redacted title]" if fresh.original_title else ""
        fresh.redacted_at, fresh.redacted_by = timezone.now(), actor
        fresh.save()
        log_action(
            instance=fresh,
            action="forum.redact_revision",
            user=actor,
            data={"post": fresh.post_id, "note": note},
        )
    return fresh
