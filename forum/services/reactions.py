"""Reactions: "me too" on topics and votes on replies.

Rules (checked by ``forum.permissions``): a signed-in, verified, not banned member says "me too"
on someone else's topic and votes on someone else's reply (never on the question, which takes
"me too" instead). One row per person and target, enforced by unique constraints.

Counters (``Topic.metoo_count``, ``Post.vote_count`` and ``Topic.vote_count``, the sum of votes
on the topic's replies) move only by atomic ``F()`` updates, and only when this request's own
insert or delete took effect, so they equal the number of rows however many people click at
once. A double submit by the same person cannot create two rows: the loser of the race hits
the unique constraint inside a savepoint and reports the state the winner left.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from forum import events, permissions
from forum.models import MeToo, Post, Topic, Vote


def _toggle(*, model, lookup: dict, set_to: bool | None) -> tuple[bool, int]:
    """Add or remove the row ``lookup`` of ``model``; return (new state, counter delta).

    ``set_to=None`` toggles; ``True``/``False`` asks for a state (idempotent, which is what a
    form without JavaScript sends so that a double click does not undo itself).
    """
    if set_to is None or set_to is False:
        deleted, _ = model.objects.filter(**lookup).delete()
        if deleted:
            return False, -1
        if set_to is False:
            return False, 0
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives a lost race
            model.objects.create(**lookup)
    except IntegrityError:
        # Someone (the same person, in another request) inserted it first: it is on.
        return True, 0
    return True, 1


def topic_toggle_metoo(*, user, topic: Topic, set_to: bool | None = None) -> bool:
    """Say (or take back) "me too" on ``topic``; return whether ``user`` now has one."""
    permissions.check_metoo(user, topic)
    with transaction.atomic():
        state, delta = _toggle(model=MeToo, lookup={"user": user, "topic": topic}, set_to=set_to)
        if delta:
            Topic.objects.filter(pk=topic.pk).update(metoo_count=F("metoo_count") + delta)
            events.send_after_commit(events.metoo_changed, sender=Topic, topic=topic, actor=user, on=state)
    topic.metoo_count = Topic.objects.values_list("metoo_count", flat=True).get(pk=topic.pk)
    return state


def post_toggle_vote(*, user, post: Post, set_to: bool | None = None) -> bool:
    """Vote (or take the vote back) on the reply ``post``; return whether ``user`` now votes."""
    permissions.check_vote(user, post)
    with transaction.atomic():
        state, delta = _toggle(model=Vote, lookup={"user": user, "post": post}, set_to=set_to)
        if delta:
            Post.objects.filter(pk=post.pk).update(vote_count=F("vote_count") + delta)
            Topic.objects.filter(pk=post.topic_id).update(vote_count=F("vote_count") + delta)
            events.send_after_commit(
                events.vote_changed,
                sender=Post,
                post=post,
                topic=Topic(pk=post.topic_id),
                actor=user,
                on=state,
            )
    post.vote_count = Post.objects.values_list("vote_count", flat=True).get(pk=post.pk)
    return state
