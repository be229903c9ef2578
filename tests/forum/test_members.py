"""The forum answers accounts' ``user_deleting`` signal (forum/services/members.py)."""

from django.db import transaction

import pytest

from accounts.signals import user_deleting
from forum.models import Flag, Follow, MeToo, Post, Topic, Vote
from tests.factories import PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_deleting_signal_moves_the_forum_counters_back_and_deletes_the_rows():
    member = UserFactory()
    topic = TopicFactory()
    post = PostFactory(topic=topic)
    Vote.objects.create(user=member, post=post)
    MeToo.objects.create(user=member, topic=topic)
    Follow.objects.create(user=member, topic=topic)
    Flag.objects.create(reporter=member, post=post, reason=Flag.Reason.choices[0][0])
    Post.objects.filter(pk=post.pk).update(vote_count=1, flag_count=1)
    Topic.objects.filter(pk=topic.pk).update(vote_count=1, metoo_count=1, follower_count=1)

    with transaction.atomic():
        user_deleting.send(sender=type(member), user=member)

    post.refresh_from_db()
    topic.refresh_from_db()
    assert (post.vote_count, post.flag_count) == (0, 0)
    assert (topic.vote_count, topic.metoo_count, topic.follower_count) == (0, 0, 0)
    assert not Vote.objects.filter(user=member).exists()
    assert not MeToo.objects.filter(user=member).exists()
    assert not Follow.objects.filter(user=member).exists()


def test_user_deleting_signal_leaves_other_members_rows_alone():
    member, other = UserFactory(), UserFactory()
    topic = TopicFactory()
    post = PostFactory(topic=topic)
    Vote.objects.create(user=other, post=post)
    MeToo.objects.create(user=other, topic=topic)
    Post.objects.filter(pk=post.pk).update(vote_count=1)
    Topic.objects.filter(pk=topic.pk).update(vote_count=1, metoo_count=1)

    user_deleting.send(sender=type(member), user=member)

    post.refresh_from_db()
    topic.refresh_from_db()
    assert post.vote_count == 1 and (topic.vote_count, topic.metoo_count) == (1, 1)
    assert Vote.objects.filter(user=other).count() == 1
