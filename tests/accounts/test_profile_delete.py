"""Deleting an account: password confirmation, posts kept as from "a deleted user"."""

from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.urls import reverse

import pytest

from forum.models import Follow, MeToo, Post, Topic, Vote
from notifications.models import Notification
from tests.factories import PASSWORD, PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def delete_url(user):
    return reverse("accounts:account_delete", kwargs={"username": user.username})


def test_delete_account_keeps_posts_as_from_a_deleted_user(client):
    member = UserFactory()
    topic = TopicFactory(author=member)
    reply = PostFactory(topic=TopicFactory(), author=member)
    client.force_login(member)
    response = client.post(delete_url(member), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=member.pk).exists()
    topic.refresh_from_db()
    reply.refresh_from_db()
    assert topic.author is None and reply.author is None
    assert Post.objects.filter(pk=topic.first_post_id).exists()
    rendered = Template(
        "{% load accounts_tags %}{{ post.author|author_name }} {% author_link post.author %}"
    ).render(Context({"post": reply}))
    assert rendered.count("a deleted user") == 2
    # Signed out, and the session no longer works.
    assert "_auth_user_id" not in client.session


def test_delete_account_moves_counters_back():
    member = UserFactory()
    topic = TopicFactory()
    post = PostFactory(topic=topic, author=UserFactory())
    Vote.objects.create(user=member, post=post)
    MeToo.objects.create(user=member, topic=topic)
    Follow.objects.create(user=member, topic=topic)
    Post.objects.filter(pk=post.pk).update(vote_count=3)
    Topic.objects.filter(pk=topic.pk).update(vote_count=3, metoo_count=2, follower_count=2)
    Notification.objects.create(recipient=member, kind=Notification.Kind.REPLY, topic=topic)

    from accounts.services import account_delete

    account_delete(user=member, actor=member)
    post.refresh_from_db()
    topic.refresh_from_db()
    assert post.vote_count == 2
    assert (topic.vote_count, topic.metoo_count, topic.follower_count) == (2, 1, 1)
    assert not Notification.objects.filter(recipient_id=member.pk).exists()


def test_delete_account_with_wrong_password_keeps_it(client):
    member = UserFactory()
    client.force_login(member)
    response = client.post(delete_url(member), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400 and "That is not your password." in response.content.decode()
    assert get_user_model().objects.filter(pk=member.pk).exists()


def test_delete_account_needs_the_confirmation_box(client):
    member = UserFactory()
    client.force_login(member)
    response = client.post(delete_url(member), {"password": PASSWORD})
    assert response.status_code == 400 and "Tick the box to confirm." in response.content.decode()
    assert get_user_model().objects.filter(pk=member.pk).exists()


def test_deleting_someone_elses_account_is_forbidden(client):
    member, intruder = UserFactory(), UserFactory()
    client.force_login(intruder)
    assert client.post(delete_url(member), {"password": PASSWORD, "confirm": "on"}).status_code == 403
    assert get_user_model().objects.filter(pk=member.pk).exists()


def test_superuser_cannot_delete_themselves_here(client):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    assert client.post(delete_url(admin), {"password": PASSWORD, "confirm": "on"}).status_code == 403
    assert get_user_model().objects.filter(pk=admin.pk).exists()


def test_delete_page_needs_login(client):
    assert client.get(delete_url(UserFactory())).status_code == 302
