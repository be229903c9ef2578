"""The demo seed for reactions and moderation: something in every part of the queue, counters
true, and idempotent."""

import pytest

from forum import demo, demo_moderation
from forum.models import Flag, MeToo, Post, Topic, Vote

pytestmark = pytest.mark.django_db


def _seed_all():
    from accounts import demo as accounts_demo

    accounts_demo.seed(log=lambda *a: None)
    demo.seed(log=lambda *a: None)
    demo_moderation.seed(log=lambda *a: None)


def test_demo_moderation_seed_without_topics_is_a_no_op():
    lines = []
    demo_moderation.seed(log=lines.append)
    assert lines == ["  no demo topics yet: skipping demo reactions and moderation"]
    assert not Flag.objects.exists()


def test_demo_moderation_seed_fills_queue_and_is_idempotent():
    _seed_all()
    snapshot = (Flag.objects.count(), Vote.objects.count(), MeToo.objects.count(), Post.objects.count())
    assert Vote.objects.exists() and MeToo.objects.exists()
    open_counts = sorted(Post.objects.filter(flag_count__gt=0).values_list("flag_count", flat=True))
    assert 2 in open_counts  # one post waits at two flags, below the threshold
    assert Post.objects.filter(is_hidden=True, hidden_by__isnull=False).exists()  # hidden by a moderator
    assert Post.objects.filter(is_hidden=True, hidden_by__isnull=True).exists()  # hidden by flags
    from accounts.models import User

    assert User.objects.get(username="dealbot").is_banned

    demo_moderation.seed(log=lambda *a: None)
    assert snapshot == (
        Flag.objects.count(),
        Vote.objects.count(),
        MeToo.objects.count(),
        Post.objects.count(),
    )
    for topic in Topic.objects.all():
        assert topic.vote_count == Vote.objects.filter(post__topic=topic).count()
        assert topic.metoo_count == topic.metoos.count()
        visible = topic.posts.filter(is_hidden=False).exclude(pk=topic.first_post_id).count()
        assert topic.reply_count == visible
