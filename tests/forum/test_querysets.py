"""Visibility written once (forum/querysets.py): each audience, both ways."""

from django.contrib.auth.models import AnonymousUser

import pytest

from forum.models import Post, Topic
from forum.querysets import post_visible_q, topic_visible_q
from notifications.models import Notification
from tests.factories import PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(customer):
    shown = TopicFactory(author=customer)
    hidden = TopicFactory(author=customer, is_hidden=True)
    other_hidden = TopicFactory(is_hidden=True)
    reply = PostFactory(topic=shown)
    own_hidden_reply = PostFactory(topic=shown, author=customer, is_hidden=True)
    foreign_hidden_reply = PostFactory(topic=shown, is_hidden=True)
    reply_in_hidden_topic = PostFactory(topic=hidden)
    return locals()


def test_topic_visible_public_leaves_out_every_hidden_topic(rows):
    assert set(Topic.objects.visible()) == {rows["shown"]}
    assert set(Topic.objects.visible(AnonymousUser())) == {rows["shown"]}


def test_topic_visible_lists_hidden_topics_for_moderators_only(rows, customer, moderator, staff):
    everything = {rows["shown"], rows["hidden"], rows["other_hidden"]}
    assert set(Topic.objects.visible(moderator)) == everything
    assert set(Topic.objects.visible(staff)) == everything
    # Its author does not see a hidden topic *listed*...
    assert set(Topic.objects.visible(customer)) == {rows["shown"]}
    # ...but may still open it (include_own), and never someone else's.
    assert set(Topic.objects.visible(customer, include_own=True)) == {rows["shown"], rows["hidden"]}


def test_post_visible_shows_own_hidden_posts_to_their_author_only(rows, customer):
    replies = Post.objects.filter(topic=rows["shown"]).exclude(pk=rows["shown"].first_post_id)
    assert set(replies.visible()) == {rows["reply"]}
    assert set(replies.visible(customer)) == {rows["reply"], rows["own_hidden_reply"]}
    stranger = UserFactory()
    assert set(replies.visible(stranger)) == {rows["reply"]}


def test_post_visible_with_topic_leaves_out_posts_in_hidden_topics(rows, moderator):
    assert rows["reply_in_hidden_topic"] not in set(Post.objects.visible(with_topic=True))
    assert rows["reply_in_hidden_topic"] in set(Post.objects.visible())
    assert rows["reply_in_hidden_topic"] in set(Post.objects.visible(moderator, with_topic=True))


def test_visible_q_through_a_relation(rows, customer):
    kind = Notification.Kind.choices[0][0]
    on_shown = Notification.objects.create(recipient=customer, kind=kind, topic=rows["shown"])
    on_own_hidden = Notification.objects.create(recipient=customer, kind=kind, topic=rows["hidden"])
    Notification.objects.create(recipient=customer, kind=kind, topic=rows["other_hidden"])
    qs = Notification.objects.filter(recipient=customer)
    assert set(qs.filter(topic_visible_q(prefix="topic__"))) == {on_shown}
    assert set(qs.filter(topic_visible_q(customer, prefix="topic__", include_own=True))) == {
        on_shown,
        on_own_hidden,
    }
    hidden_reply = Notification.objects.create(
        recipient=customer, kind=kind, topic=rows["shown"], post=rows["foreign_hidden_reply"]
    )
    own_reply = Notification.objects.create(
        recipient=customer, kind=kind, topic=rows["shown"], post=rows["own_hidden_reply"]
    )
    with_post = qs.filter(post__isnull=False)
    assert set(with_post.filter(post_visible_q(customer, prefix="post__"))) == {own_reply}
    assert hidden_reply not in set(with_post.filter(post_visible_q(customer, prefix="post__")))
