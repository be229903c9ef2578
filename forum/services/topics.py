"""Topics: asking, statuses, duplicates, locks and moving between categories.

Rules:

* ``topic_create``: people ``check_ask`` allows; title 10–200 characters, details up to
  ``markup.MAX_SOURCE_LENGTH``, a kind, a category, at most ``MAX_TAGS`` tags of at most
  ``MAX_TAG_LENGTH`` characters. The topic and its question (the first post) are written in one
  transaction; ``Category.topic_count`` moves with ``F()``; the asker follows the topic;
  ``topic_created`` is sent after commit.
* ``topic_set_status`` (staff): any status but "duplicate" (use ``topic_mark_duplicate``);
  from then on ``status_set_by_staff`` is True and marking answers no longer moves the status.
* ``topic_mark_duplicate`` (staff): not of itself, not of a topic that is itself a duplicate
  (no chains or cycles), not of a hidden topic, and not when other topics are already marked
  as duplicates of this one (mark those against the original first). Sets the status to
  "duplicate"; the topic takes no new replies. ``topic_unmark_duplicate`` puts the status back
  ("answered" when an answer is held, else "open") and hands it back to automatic control.
* ``topic_lock`` / ``topic_unlock`` (staff): a locked topic takes no new replies (staff excepted)
  and its posts can no longer be edited by their authors.
* ``topic_move`` (staff): updates both categories' ``topic_count`` with ``F()``.

Every change is recorded as a ``TopicEvent`` (who, when, from, to) for the topic's timeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from forum import events, markup, permissions
from forum.models import Category, Post, Topic, TopicEvent
from forum.services import follows
from forum.services import status as status_rules
from forum.services.posts import _send_after_commit, parse_mentions, record_event, validate_source
from forum.services.titles import validate_title

MAX_TAGS = 5
MAX_TAG_LENGTH = 30
TAG_RE = re.compile(r"^[\w][\w .+#-]*$", re.UNICODE)
IDENTICAL_TOPIC_WINDOW = timedelta(minutes=10)


def parse_tags(value: str | list[str] | None) -> list[str]:
    """Tags from a comma-separated string (or a list): trimmed, lower-cased, de-duplicated.

    Refuses more than ``MAX_TAGS`` tags, tags longer than ``MAX_TAG_LENGTH`` characters, and
    tags with characters other than letters, digits, spaces and ``. + # -``.
    """
    items = value.split(",") if isinstance(value, str) else list(value or [])
    tags: list[str] = []
    for raw in items:
        tag = re.sub(r"\s+", " ", str(raw)).strip().lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": f"Keep each tag under {MAX_TAG_LENGTH} characters (“{tag[:40]}…”)."}
            )
        if not TAG_RE.match(tag) or not slugify(tag):
            raise ValidationError(
                {"tags": f"“{tag[:40]}” is not a valid tag: use letters, digits, spaces and - . + #."}
            )
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": f"Use at most {MAX_TAGS} tags (you gave {len(tags)})."})
    return tags


def recent_identical_topic(*, author, title: str, source: str) -> Topic | None:
    """The topic ``author`` created with the same title and text in the last few minutes, if
    any: a second submit of the same form leads there instead of creating a copy."""
    since = timezone.now() - IDENTICAL_TOPIC_WINDOW
    title = re.sub(r"\s+", " ", title or "").strip()
    return (
        Topic.objects.filter(
            author=author,
            title=title,
            created_at__gte=since,
            first_post__source=(source or "").strip(),
        )
        .order_by("-created_at")
        .first()
    )


def topic_create(
    *,
    author,
    title: str,
    source: str,
    kind: str = Topic.Kind.QUESTION,
    category: Category | None,
    tags: str | list[str] | None = None,
    actor=None,
    via: str = Post.Via.WEB,
) -> Topic:
    """Ask a question (or report a problem, share an idea, give praise); see the module rules.

    ``actor``: staff posting on behalf of a placeholder author (a question brought in from
    elsewhere); the staff member's rights are checked, not the placeholder's. ``via``: the road
    the question came in by; a question mailed by someone without an account is asked by the
    placeholder tied to their address (``check_ask_by_email_placeholder``)."""
    if actor is not None and actor != author:
        permissions.check_post_for_placeholder(actor, author)
    elif via == Post.Via.EMAIL and getattr(author, "is_placeholder", False):
        permissions.check_ask_by_email_placeholder(author)
    else:
        permissions.check_ask(author)
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    validations: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
        ("title", validate_title, title),
        ("source", validate_source, source),
        ("tags", parse_tags, tags),
    )
    for name, validate, value in validations:
        try:
            cleaned[name] = validate(value)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if kind not in Topic.Kind.values:
        errors.setdefault("kind", []).append("Choose what kind of topic this is.")
    if category is None:
        errors.setdefault("category", []).append("Choose a category.")
    if errors or category is None:
        raise ValidationError(errors)

    rendered = markup.render_markdown(cleaned["source"])
    now = timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            kind=kind,
            title=cleaned["title"],
            author=author,
            category=category,
            created_at=now,
            last_activity_at=now,
        )
        post = Post.objects.create(
            topic=topic,
            author=author,
            source=cleaned["source"],
            html=rendered.html,
            text=rendered.text,
            is_official=permissions.is_staff(author),
            created_at=now,
            via=via,
        )
        topic.first_post = post
        topic.save(update_fields=["first_post"])
        if cleaned["tags"]:
            topic.tags.set(cleaned["tags"])
        Category.objects.filter(pk=category.pk).update(topic_count=F("topic_count") + 1)
        follows.topic_follow(user=author, topic=topic, check=False)
        topic.refresh_from_db(fields=["follower_count"])
        mentioned = parse_mentions(rendered.text, exclude={author.username})
        _send_after_commit(events.topic_created, sender=Topic, topic=topic, actor=author)
        if mentioned:
            _send_after_commit(
                events.post_mentions, sender=Post, post=post, topic=topic, actor=author, mentioned=mentioned
            )
    return topic


def topic_set_status(*, actor, topic: Topic, status: str) -> Topic:
    """Staff set the status by hand (see the module rules)."""
    permissions.check_set_status(actor, topic)
    status_rules.validate_staff_status(topic, status)
    with transaction.atomic():
        fresh = Topic.objects.select_for_update().get(pk=topic.pk)
        old = fresh.status
        if old == status and fresh.status_set_by_staff:
            return topic
        Topic.objects.filter(pk=topic.pk).update(status=status, status_set_by_staff=True)
        if old != status:
            record_event(topic, actor, TopicEvent.Kind.STATUS, from_value=old, to_value=status)
            _send_after_commit(
                events.status_changed,
                sender=Topic,
                topic=topic,
                actor=actor,
                old_status=old,
                new_status=status,
            )
    topic.status, topic.status_set_by_staff = status, True
    return topic


def topic_mark_duplicate(*, actor, topic: Topic, original: Topic) -> Topic:
    """Staff mark ``topic`` as a duplicate of ``original`` (see the module rules)."""
    permissions.check_mark_duplicate(actor, topic)
    if original.pk == topic.pk:
        raise ValidationError({"original": "A topic cannot be a duplicate of itself."})
    if original.duplicate_of_id:
        raise ValidationError(
            {"original": "That topic is itself a duplicate: choose the topic it duplicates instead."}
        )
    if original.is_hidden:
        raise ValidationError({"original": "That topic is hidden: choose a visible topic."})
    if Topic.objects.filter(duplicate_of=topic).exists():
        raise ValidationError(
            {
                "original": "Other topics are marked as duplicates of this one: mark those against the original first."
            }
        )
    with transaction.atomic():
        fresh = Topic.objects.select_for_update().get(pk=topic.pk)
        if fresh.duplicate_of_id == original.pk:
            return topic
        old_status = fresh.status
        Topic.objects.filter(pk=topic.pk).update(
            duplicate_of=original, status=Topic.Status.DUPLICATE, status_set_by_staff=True
        )
        record_event(
            topic,
            actor,
            TopicEvent.Kind.DUPLICATE,
            from_value=old_status,
            to_value=Topic.Status.DUPLICATE,
            other_topic=original,
        )
        _send_after_commit(
            events.duplicate_changed, sender=Topic, topic=topic, actor=actor, original=original, marked=True
        )
        if old_status != Topic.Status.DUPLICATE:
            _send_after_commit(
                events.status_changed,
                sender=Topic,
                topic=topic,
                actor=actor,
                old_status=old_status,
                new_status=Topic.Status.DUPLICATE,
            )
    topic.duplicate_of, topic.status, topic.status_set_by_staff = original, Topic.Status.DUPLICATE, True
    return topic


def topic_unmark_duplicate(*, actor, topic: Topic) -> Topic:
    """Staff take the duplicate mark off ``topic``; its status becomes automatic again."""
    permissions.check_mark_duplicate(actor, topic)
    with transaction.atomic():
        fresh = Topic.objects.select_for_update().get(pk=topic.pk)
        if not fresh.duplicate_of_id:
            return topic
        new_status = status_rules.automatic_status(fresh)
        Topic.objects.filter(pk=topic.pk).update(
            duplicate_of=None, status=new_status, status_set_by_staff=False
        )
        record_event(
            topic,
            actor,
            TopicEvent.Kind.UNDUPLICATE,
            from_value=fresh.status,
            to_value=new_status,
            other_topic_id=fresh.duplicate_of_id,
        )
        _send_after_commit(
            events.duplicate_changed,
            sender=Topic,
            topic=topic,
            actor=actor,
            original=fresh.duplicate_of_id,
            marked=False,
        )
        _send_after_commit(
            events.status_changed,
            sender=Topic,
            topic=topic,
            actor=actor,
            old_status=fresh.status,
            new_status=new_status,
        )
    topic.duplicate_of, topic.status, topic.status_set_by_staff = None, new_status, False
    return topic


def _set_locked(*, actor, topic: Topic, locked: bool) -> Topic:
    permissions.check_lock(actor, topic)
    with transaction.atomic():
        changed = Topic.objects.filter(pk=topic.pk, is_locked=not locked).update(is_locked=locked)
        if changed:
            record_event(topic, actor, TopicEvent.Kind.LOCKED if locked else TopicEvent.Kind.UNLOCKED)
            _send_after_commit(events.topic_locked, sender=Topic, topic=topic, actor=actor, locked=locked)
    topic.is_locked = locked
    return topic


def topic_lock(*, actor, topic: Topic) -> Topic:
    """Staff lock ``topic``: no new replies (staff excepted), no more edits by authors."""
    return _set_locked(actor=actor, topic=topic, locked=True)


def topic_unlock(*, actor, topic: Topic) -> Topic:
    return _set_locked(actor=actor, topic=topic, locked=False)


def topic_move(*, actor, topic: Topic, category: Category) -> Topic:
    """Staff move ``topic`` to ``category``."""
    permissions.check_move(actor, topic)
    if category is None:
        raise ValidationError({"category": "Choose a category."})
    with transaction.atomic():
        fresh = Topic.objects.select_for_update().select_related("category").get(pk=topic.pk)
        if fresh.category_id == category.pk:
            return topic
        old = fresh.category
        Topic.objects.filter(pk=topic.pk).update(category=category)
        if not fresh.is_hidden:  # Category.topic_count counts visible topics only
            Category.objects.filter(pk=old.pk, topic_count__gt=0).update(topic_count=F("topic_count") - 1)
            Category.objects.filter(pk=category.pk).update(topic_count=F("topic_count") + 1)
        record_event(
            topic, actor, TopicEvent.Kind.MOVED, from_value=old.name[:64], to_value=category.name[:64]
        )
        _send_after_commit(
            events.topic_moved,
            sender=Topic,
            topic=topic,
            actor=actor,
            old_category=old,
            new_category=category,
        )
    topic.category = category
    return topic
