"""Me too on topics and votes on replies: the services and their counters."""

from django.core.exceptions import PermissionDenied

import pytest

from forum.models import MeToo, Post, Topic, Vote
from forum.services.reactions import post_toggle_vote, topic_toggle_metoo
from tests.factories import PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    return TopicFactory(author=UserFactory(username="asker"))


@pytest.fixture
def reply(topic):
    return PostFactory(topic=topic, author=UserFactory(username="helper"))


def test_topic_toggle_metoo_adds_then_removes(customer, topic):
    assert topic_toggle_metoo(user=customer, topic=topic) is True
    topic.refresh_from_db()
    assert topic.metoo_count == 1
    assert MeToo.objects.filter(user=customer, topic=topic).count() == 1

    assert topic_toggle_metoo(user=customer, topic=topic) is False
    topic.refresh_from_db()
    assert topic.metoo_count == 0
    assert not MeToo.objects.exists()


def test_topic_toggle_metoo_set_to_is_idempotent(customer, topic):
    assert topic_toggle_metoo(user=customer, topic=topic, set_to=True) is True
    assert topic_toggle_metoo(user=customer, topic=topic, set_to=True) is True
    assert Topic.objects.get(pk=topic.pk).metoo_count == 1
    assert MeToo.objects.count() == 1
    assert topic_toggle_metoo(user=customer, topic=topic, set_to=False) is False
    assert topic_toggle_metoo(user=customer, topic=topic, set_to=False) is False
    assert Topic.objects.get(pk=topic.pk).metoo_count == 0


def test_topic_toggle_metoo_counts_each_person(topic):
    for n in range(4):
        topic_toggle_metoo(user=UserFactory(username=f"fan{n}"), topic=topic)
    assert Topic.objects.get(pk=topic.pk).metoo_count == 4 == MeToo.objects.count()


def test_topic_toggle_metoo_refuses_own_topic(topic):
    with pytest.raises(PermissionDenied, match="your own topic"):
        topic_toggle_metoo(user=topic.author, topic=topic)
    assert not MeToo.objects.exists()


def test_topic_toggle_metoo_refuses_banned_and_unverified(topic):
    banned = UserFactory(username="banned", is_banned=True)
    unverified = UserFactory(username="unverified", verified=False)
    with pytest.raises(PermissionDenied, match="suspended"):
        topic_toggle_metoo(user=banned, topic=topic)
    with pytest.raises(PermissionDenied, match="Confirm your email"):
        topic_toggle_metoo(user=unverified, topic=topic)
    assert Topic.objects.get(pk=topic.pk).metoo_count == 0


def test_topic_toggle_metoo_refuses_hidden_topic_for_customers(customer, topic):
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    topic.refresh_from_db()
    with pytest.raises(PermissionDenied):
        topic_toggle_metoo(user=customer, topic=topic)


def test_post_toggle_vote_moves_post_and_topic_counters(customer, reply):
    assert post_toggle_vote(user=customer, post=reply) is True
    assert Post.objects.get(pk=reply.pk).vote_count == 1
    assert Topic.objects.get(pk=reply.topic_id).vote_count == 1
    assert reply.vote_count == 1

    assert post_toggle_vote(user=customer, post=reply) is False
    assert Post.objects.get(pk=reply.pk).vote_count == 0
    assert Topic.objects.get(pk=reply.topic_id).vote_count == 0
    assert not Vote.objects.exists()


def test_post_toggle_vote_topic_counter_sums_replies(topic):
    replies = [PostFactory(topic=topic) for _ in range(3)]
    voters = [UserFactory(username=f"voter{n}") for n in range(2)]
    for post in replies:
        for voter in voters:
            post_toggle_vote(user=voter, post=post)
    assert Topic.objects.get(pk=topic.pk).vote_count == 6 == Vote.objects.filter(post__topic=topic).count()


def test_post_toggle_vote_refuses_own_post(reply):
    with pytest.raises(PermissionDenied, match="your own post"):
        post_toggle_vote(user=reply.author, post=reply)
    assert not Vote.objects.exists()


def test_post_toggle_vote_refuses_the_question(customer, topic):
    with pytest.raises(PermissionDenied, match="me too"):
        post_toggle_vote(user=customer, post=topic.first_post)
    assert not Vote.objects.exists()


def test_post_toggle_vote_refuses_anonymous(reply):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="Sign in"):
        post_toggle_vote(user=AnonymousUser(), post=reply)


def test_post_toggle_vote_set_to_true_twice_keeps_one_row(customer, reply):
    post_toggle_vote(user=customer, post=reply, set_to=True)
    post_toggle_vote(user=customer, post=reply, set_to=True)
    assert Vote.objects.count() == 1
    assert Post.objects.get(pk=reply.pk).vote_count == 1
