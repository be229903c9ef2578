"""Notification services not covered through the forum's events."""

import pytest

from demo import notifications as demo
from notifications.models import Delivery, EventType, Notification
from notifications.services import (
    notifications_mark_topic_read,
    preferences_for,
    preferences_set,
)
from tests.factories import TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_mark_topic_read_touches_only_that_users_notifications_on_that_topic(customer):
    topic, other_topic = TopicFactory(), TopicFactory()
    someone = UserFactory()
    for recipient, t in [(customer, topic), (customer, topic), (customer, other_topic), (someone, topic)]:
        Notification.objects.create(recipient=recipient, kind=Notification.Kind.REPLY, topic=t)
    assert notifications_mark_topic_read(user=customer, topic=topic) == 2
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_mark_topic_read_for_anonymous_does_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert notifications_mark_topic_read(user=AnonymousUser(), topic=TopicFactory()) == 0


def test_preferences_set_refuses_unknown_values(customer):
    with pytest.raises(ValueError):
        preferences_set(user=customer, deliveries={"everything": Delivery.NEVER})
    with pytest.raises(ValueError):
        preferences_set(user=customer, deliveries={EventType.MENTIONS: "hourly"})
    assert preferences_for([customer.pk])[customer.pk][EventType.MENTIONS] == Delivery.DIGEST


def test_demo_seed_without_forum_content_sets_bios_and_preferences(django_capture_on_commit_callbacks):
    from demo.accounts import seed as seed_accounts

    users = seed_accounts(log=lambda *a: None)
    logged = []
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(log=logged.append)
    assert "no forum topics yet" in logged[0]
    customer = users["customer"]
    customer.refresh_from_db()
    assert (
        customer.bio
        and preferences_for([customer.pk])[customer.pk][EventType.MENTIONS] == Delivery.IMMEDIATELY
    )


def test_demo_seed_creates_sample_notifications_once(django_capture_on_commit_callbacks):
    from demo.accounts import seed as seed_accounts

    users = seed_accounts(log=lambda *a: None)
    for _ in range(3):
        TopicFactory(author=users["staff"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            demo.seed(log=lambda *a: None)
    created = Notification.objects.all()
    assert created.count() == 6
    assert {n.recipient for n in created} == {users["customer"]}
    assert sum(n.is_unread for n in created) == 3


def test_demo_seed_leaves_real_notifications_alone(django_capture_on_commit_callbacks):
    from demo.accounts import seed as seed_accounts

    users = seed_accounts(log=lambda *a: None)
    topic = TopicFactory(author=users["staff"])
    Notification.objects.create(recipient=users["customer"], kind=Notification.Kind.REPLY, topic=topic)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(log=lambda *a: None)
    assert Notification.objects.count() == 1
