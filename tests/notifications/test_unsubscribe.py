"""Signed one-click unsubscribe links: valid, tampered, expired; per event type or all."""

import time

from django.core import signing
from django.test import Client
from django.urls import reverse

import pytest

from notifications.models import Delivery, EventType, Notification, NotificationPreference
from notifications.services import preferences_for
from notifications.tokens import (
    SALT,
    ExpiredToken,
    InvalidToken,
    make_unsubscribe_token,
    read_unsubscribe_token,
)
from tests.factories import UserFactory
from tests.notifications.helpers import follow, reply

pytestmark = pytest.mark.django_db


def url_for(token):
    return reverse("notifications:unsubscribe", kwargs={"token": token})


def test_token_round_trip_names_user_and_event_type(customer):
    target = read_unsubscribe_token(make_unsubscribe_token(user=customer, event_type=EventType.MENTIONS))
    assert target.user == customer and target.event_type == EventType.MENTIONS
    assert read_unsubscribe_token(make_unsubscribe_token(user=customer, event_type=None)).event_type is None


def test_tampered_token_is_refused(customer):
    token = make_unsubscribe_token(user=customer, event_type=EventType.MENTIONS)
    payload, timestamp, signature = token.rsplit(":", 2)
    other = UserFactory()
    # Someone else's id in the payload, keeping the original signature.
    forged_payload = signing.dumps({"u": other.pk, "e": "all"}, salt=SALT, compress=True).rsplit(":", 2)[0]
    for bad in (
        f"{forged_payload}:{timestamp}:{signature}",
        f"{payload}:{timestamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        signing.dumps({"u": customer.pk, "e": "all"}, salt="another-purpose"),
        signing.dumps({"u": customer.pk, "e": "everything"}, salt=SALT),  # signed, but no such type
        "not-a-token",
    ):
        with pytest.raises(InvalidToken):
            read_unsubscribe_token(bad)


def test_expired_token_is_refused(settings, customer, monkeypatch):
    settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS = 30
    token = make_unsubscribe_token(user=customer, event_type=None)
    later = time.time() + 31 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(ExpiredToken):
        read_unsubscribe_token(token)


def test_get_shows_a_confirmation_and_changes_nothing(client, customer):
    response = client.get(url_for(make_unsubscribe_token(user=customer, event_type=EventType.FOLLOWING)))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Unsubscribe" in content
    # Whoever holds the link (a forwarded mail) does not learn the address (review, section 18).
    local, domain = customer.email.split("@")
    assert customer.email not in content and f"{local[0]}•••@{domain}" in content
    assert not NotificationPreference.objects.exists()


def test_post_unsubscribes_one_event_type_without_login(customer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url_for(make_unsubscribe_token(user=customer, event_type=EventType.FOLLOWING)))
    assert response.status_code == 200 and b"unsubscribed" in response.content
    prefs = preferences_for([customer.pk])[customer.pk]
    assert prefs[EventType.FOLLOWING] == Delivery.NEVER
    assert prefs[EventType.ANSWERS] == Delivery.IMMEDIATELY  # the others are untouched


def test_one_click_post_from_a_mail_client_unsubscribes_from_everything(customer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        url_for(make_unsubscribe_token(user=customer, event_type=None)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert set(preferences_for([customer.pk])[customer.pk].values()) == {Delivery.NEVER}


def test_unsubscribing_drops_mail_waiting_for_the_digest(topic):
    reader = UserFactory()
    follow(reader, topic=topic)
    reply(topic, UserFactory())
    Client().post(url_for(make_unsubscribe_token(user=reader, event_type=EventType.FOLLOWING)))
    n = Notification.objects.get(recipient=reader)
    assert n.email_state == Notification.EmailState.SKIPPED and n.is_unread


def test_tampered_link_page_says_so_and_changes_nothing(client, customer):
    token = make_unsubscribe_token(user=customer, event_type=None)
    response = client.post(url_for(token[:-3] + "xyz"))
    assert response.status_code == 400 and b"not valid" in response.content
    assert not NotificationPreference.objects.exists()


def test_expired_link_page_says_so(client, settings, customer, monkeypatch):
    token = make_unsubscribe_token(user=customer, event_type=None)
    later = time.time() + (settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS + 1) * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(url_for(token))
    assert response.status_code == 400 and b"expired" in response.content
    assert not NotificationPreference.objects.exists()


def test_link_of_a_deleted_account_is_refused(client):
    gone = UserFactory()
    token = make_unsubscribe_token(user=gone, event_type=None)
    gone.delete()
    assert client.get(url_for(token)).status_code == 400
