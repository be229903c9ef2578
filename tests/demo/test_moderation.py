"""The demo seed for reactions and moderation: something in every part of the queue, counters
true, and idempotent."""

import pytest

from demo import forum as demo
from demo import moderation as demo_moderation
from forum.models import Flag, MeToo, Post, Topic, Vote

pytestmark = pytest.mark.django_db


def _seed_all():
    from demo import accounts as accounts_demo

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


def test_demo_seed_again_never_votes_on_posts_that_are_not_demo_posts():
    """A real member's reply on a demo topic, and a real topic that shares a demo title, get no
    demo votes or "me too"s however often the demo is seeded again."""
    from forum.services import posts as post_services
    from forum.services import topics as topic_services
    from tests.factories import CategoryFactory, UserFactory

    _seed_all()
    real_member = UserFactory(username="realperson")
    demo_topic = demo.demo_topics().filter(is_locked=False, duplicate_of__isnull=True).first()
    real_reply = post_services.post_create(
        author=real_member, topic=demo_topic, source="A real member's own answer, not demo content."
    )
    look_alike = topic_services.topic_create(
        author=real_member,
        title=demo.TOPICS[0]["title"],
        source="A real question that happens to have a demo title.",
        kind="question",
        category=CategoryFactory(),
        tags="",
    )
    look_alike_reply = post_services.post_create(
        author=UserFactory(username="otherperson"), topic=look_alike, source="A real reply."
    )

    demo_moderation.seed(log=lambda *a: None)
    demo_moderation.seed(log=lambda *a: None)

    for post in (real_reply, look_alike_reply, look_alike.first_post):
        post.refresh_from_db()
        assert post.vote_count == 0 and not Vote.objects.filter(post=post).exists(), post.source
    look_alike.refresh_from_db()
    assert look_alike.metoo_count == 0 and not MeToo.objects.filter(topic=look_alike).exists()
    assert look_alike not in set(demo.demo_topics())


def test_demo_replies_are_only_the_demo_authors_texts():
    _seed_all()
    topics = list(demo.demo_topics())
    assert len(topics) == len(demo.TOPICS)
    replies = demo.demo_replies(topics)
    written = sum(len(spec["replies"]) for spec in demo.TOPICS)
    assert replies.count() == written
