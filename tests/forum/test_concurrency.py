"""Counters under concurrency: many people clicking at once, and one person double-clicking.

These run real threads, each with its own database connection and transaction, against
PostgreSQL (row locks, unique-index waits). SQLite serialises every writer, so there is no race
to test there: the ``postgres`` marker skips them with that reason (``tests/conftest.py``).
"""

from django.contrib.auth.models import Group

import pytest

from accounts import roles
from forum.models import Flag, MeToo, Post, Topic, Vote
from forum.services import moderation, reactions
from tests.factories import PostFactory, TopicFactory, UserFactory, moderator_user
from tests.threads import run_at_once

# serialized_rollback: put back what migrations created (groups), for the tests that follow
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 12


def fresh(model, pk):
    return model.objects.get(pk=pk)


def test_concurrency_metoo_many_people_at_once():
    topic = TopicFactory()
    users = [UserFactory(username=f"fan{n}") for n in range(THREADS)]
    results = run_at_once([lambda u=u: reactions.topic_toggle_metoo(user=u, topic=topic) for u in users])
    assert results == [True] * THREADS
    assert fresh(Topic, topic.pk).metoo_count == THREADS == MeToo.objects.filter(topic=topic).count()

    results = run_at_once([lambda u=u: reactions.topic_toggle_metoo(user=u, topic=topic) for u in users])
    assert results == [False] * THREADS
    assert fresh(Topic, topic.pk).metoo_count == 0 == MeToo.objects.count()


def test_concurrency_metoo_double_click_makes_one_row():
    topic = TopicFactory()
    user = UserFactory(username="clicker")
    results = run_at_once([lambda: reactions.topic_toggle_metoo(user=user, topic=topic, set_to=True)] * 4)
    assert results == [True] * 4
    assert MeToo.objects.filter(user=user).count() == 1
    assert fresh(Topic, topic.pk).metoo_count == 1


def test_concurrency_metoo_toggle_double_click_keeps_counter_true():
    topic = TopicFactory()
    user = UserFactory(username="toggler")
    for _ in range(5):
        results = run_at_once([lambda: reactions.topic_toggle_metoo(user=user, topic=topic)] * 2)
        assert not [r for r in results if isinstance(r, Exception)]
        assert fresh(Topic, topic.pk).metoo_count == MeToo.objects.filter(topic=topic).count() <= 1


def test_concurrency_votes_many_people_at_once():
    reply = PostFactory()
    users = [UserFactory(username=f"voter{n}") for n in range(THREADS)]
    results = run_at_once([lambda u=u: reactions.post_toggle_vote(user=u, post=reply) for u in users])
    assert results == [True] * THREADS
    assert fresh(Post, reply.pk).vote_count == THREADS == Vote.objects.count()
    assert fresh(Topic, reply.topic_id).vote_count == THREADS


def test_concurrency_votes_across_replies_sum_on_topic():
    topic = TopicFactory()
    replies = [PostFactory(topic=topic) for _ in range(3)]
    users = [UserFactory(username=f"v{n}") for n in range(4)]
    calls = [lambda u=u, p=p: reactions.post_toggle_vote(user=u, post=p) for u in users for p in replies]
    results = run_at_once(calls)
    assert not [r for r in results if isinstance(r, Exception)]
    assert fresh(Topic, topic.pk).vote_count == 12 == Vote.objects.filter(post__topic=topic).count()
    for reply in replies:
        assert fresh(Post, reply.pk).vote_count == 4


def test_concurrency_vote_double_click_makes_one_row():
    reply = PostFactory()
    user = UserFactory(username="eager")
    results = run_at_once([lambda: reactions.post_toggle_vote(user=user, post=reply, set_to=True)] * 4)
    assert results == [True] * 4
    assert Vote.objects.filter(user=user).count() == 1
    assert fresh(Post, reply.pk).vote_count == 1
    assert fresh(Topic, reply.topic_id).vote_count == 1


def test_concurrency_flags_hide_once_at_threshold(settings):
    settings.FORUM_FLAGS_TO_HIDE = 3
    reply = PostFactory()
    Topic.objects.filter(pk=reply.topic_id).update(reply_count=1)
    users = [UserFactory(username=f"reporter{n}") for n in range(6)]
    results = run_at_once(
        [lambda u=u: moderation.post_flag(user=u, post=reply, reason="spam") for u in users]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    post = fresh(Post, reply.pk)
    assert post.is_hidden
    assert post.flag_count == 6 == Flag.objects.filter(post=reply, state=Flag.State.OPEN).count()
    assert fresh(Topic, reply.topic_id).reply_count == 0


def test_concurrency_flag_double_submit_makes_one_flag():
    reply = PostFactory()
    user = UserFactory(username="double")
    results = run_at_once([lambda: moderation.post_flag(user=user, post=reply, reason="abuse")] * 3)
    assert len([r for r in results if isinstance(r, Flag)]) == 1
    assert Flag.objects.count() == 1
    assert fresh(Post, reply.pk).flag_count == 1


def test_concurrency_two_moderators_hide_once():
    reply = PostFactory()
    Topic.objects.filter(pk=reply.topic_id).update(reply_count=5)
    Group.objects.get_or_create(name=roles.MODERATORS)  # transactional tests flush migration data
    mods = [moderator_user(username=f"mod{n}") for n in range(4)]
    results = run_at_once(
        [lambda m=m: moderation.post_hide(user=m, post=fresh(Post, reply.pk)) for m in mods]
    )
    assert sorted(results) == [False, False, False, True]
    assert fresh(Topic, reply.topic_id).reply_count == 4
