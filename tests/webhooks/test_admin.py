"""The webhooks admin: staff and superusers only, forms that refuse bad input whole, the secret
shown once, and buttons that a double click cannot make send twice."""

from __future__ import annotations

from django.urls import reverse

import pytest

from tests.factories import UserFactory
from webhooks import services
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db
Status = Delivery.Status


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def endpoint(make_endpoint):
    return make_endpoint(description="CRM")


def get_pages(endpoint):
    return [
        reverse("webhooks:list"),
        reverse("webhooks:add"),
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        reverse("webhooks:edit", args=[endpoint.pk]),
    ]


def post_actions(endpoint, delivery):
    return [
        reverse("webhooks:add"),
        reverse("webhooks:edit", args=[endpoint.pk]),
        reverse("webhooks:test", args=[endpoint.pk]),
        reverse("webhooks:rotate", args=[endpoint.pk]),
        reverse("webhooks:disable", args=[endpoint.pk]),
        reverse("webhooks:enable", args=[endpoint.pk]),
        reverse("webhooks:redeliver", args=[endpoint.pk, delivery.pk]),
        reverse("webhooks:delete", args=[endpoint.pk]),
    ]


def failed_delivery(endpoint, attempts=1) -> Delivery:
    return Delivery.objects.create(
        endpoint=endpoint,
        event=Event.TOPIC_CREATED,
        payload={"type": "topic.created", "version": 1, "timestamp": "2026-12-01T00:00:00+00:00", "data": {}},
        msg_id=f"msg_test{Delivery.objects.count()}",
        status=Status.GIVEN_UP,
        attempts=attempts,
        response_code=500,
        error="The endpoint answered 500.",
    )


def test_everyone_but_staff_is_refused_every_page_and_action(
    client, endpoint, customer, moderator, editor, receiver
):
    delivery = failed_delivery(endpoint)
    before = (Endpoint.objects.get().secret, Endpoint.objects.get().is_active)
    for user in (customer, moderator, editor, None):
        client.logout()
        if user:
            client.force_login(user)
        for url in get_pages(endpoint):
            assert client.get(url).status_code in (302, 403), (user, url)
        for url in post_actions(endpoint, delivery):
            data = {"url": "https://example.org/x", "events": [Event.TOPIC_CREATED], "attempts": "1"}
            assert client.post(url, data).status_code in (302, 403), (user, url)
    assert Endpoint.objects.count() == 1
    assert (Endpoint.objects.get().secret, Endpoint.objects.get().is_active) == before
    assert Delivery.objects.get().status == Status.GIVEN_UP and receiver.requests == []


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_staff_and_superusers_see_every_page(client, endpoint, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in get_pages(endpoint):
        assert client.get(url).status_code == 200, url
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("webhooks:list") in body  # in the Settings menu


def test_adding_an_endpoint_shows_its_secret_once(client, staff, receiver):
    client.force_login(staff)
    response = client.post(
        reverse("webhooks:add"),
        {
            "url": receiver.url("/in"),
            "description": "CRM",
            "events": [Event.TOPIC_CREATED, Event.POST_CREATED],
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "webhooks:endpoint", args=[endpoint.pk]
    )
    assert endpoint.events == [Event.TOPIC_CREATED, Event.POST_CREATED] and endpoint.created_by == staff
    first = client.get(response["Location"]).content.decode()
    assert endpoint.secret in first and "shown this once" in first
    again = client.get(response["Location"]).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret not in client.get(reverse("webhooks:edit", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in client.get(reverse("webhooks:list")).content.decode()


def test_rotating_shows_the_new_secret_once(client, staff, endpoint):
    client.force_login(staff)
    old = endpoint.secret
    response = client.post(reverse("webhooks:rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in client.get(response["Location"]).content.decode()
    assert endpoint.secret not in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"url": "https://127.0.0.1/x", "events": [Event.TOPIC_CREATED]}, "Refused: 127.0.0.1"),
        (
            {"url": "https://localhost/x", "events": [Event.TOPIC_CREATED]},
            "Refused: localhost is a local name.",
        ),
        ({"url": "http://203.0.113.9/x", "events": [Event.TOPIC_CREATED]}, "plain http is not allowed"),
        ({"url": "https://93.184.216.34/x", "events": []}, "Choose at least one event."),
        ({"url": "https://93.184.216.34/x", "events": ["topic.deleted"]}, "Select a valid choice."),
        ({"url": "", "events": [Event.TOPIC_CREATED]}, "This field is required."),
        (
            {"url": "https://93.184.216.34/x", "events": [Event.TOPIC_CREATED], "description": "x" * 201},
            "at most 200",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, staff, settings, data, field_error):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_ALLOW_HTTP = False
    client.force_login(staff)
    response = client.post(reverse("webhooks:add"), data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not Endpoint.objects.exists()


def test_a_bad_edit_changes_nothing(client, staff, endpoint, settings):
    client.force_login(staff)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = client.post(
        reverse("webhooks:edit", args=[endpoint.pk]),
        {"url": "https://10.0.0.1/x", "description": "Changed", "events": [Event.FAQ_PUBLISHED]},
    )
    assert response.status_code == 400 and "Refused: 10.0.0.1" in response.content.decode()
    fresh = Endpoint.objects.get(pk=endpoint.pk)
    assert (fresh.url, fresh.description, fresh.events) == (endpoint.url, "CRM", endpoint.events)


def test_a_good_edit_saves(client, staff, endpoint, receiver):
    client.force_login(staff)
    response = client.post(
        reverse("webhooks:edit", args=[endpoint.pk]),
        {"url": receiver.url("/new"), "description": "New", "events": [Event.FAQ_PUBLISHED]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description, endpoint.events) == (
        receiver.url("/new"),
        "New",
        ["faq.published"],
    )


def test_send_test_double_click_sends_one_ping(
    client, staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("webhooks:test", args=[endpoint.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, follow=True)
        second = client.post(url, follow=True)
    assert len(receiver.to("/hook")) == 1
    assert Delivery.objects.filter(event="ping").count() == 1
    assert "Test event sent" in first.content.decode()
    assert "A test event was sent moments ago" in second.content.decode()
    assert Delivery.objects.get().status == Status.SUCCEEDED


def test_redeliver_double_click_sends_once(
    client, staff, endpoint, receiver, django_capture_on_commit_callbacks
):
    delivery = failed_delivery(endpoint, attempts=8)
    client.force_login(staff)
    url = reverse("webhooks:redeliver", args=[endpoint.pk, delivery.pk])
    receiver.answer("/hook", 500)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"attempts": "8"}, follow=True)
        second = client.post(url, {"attempts": "8"}, follow=True)
    assert len(receiver.to("/hook")) == 1
    assert receiver.to("/hook")[0]["headers"]["webhook-id"] == delivery.msg_id
    assert "Sent again" in first.content.decode()
    assert "already been sent again" in second.content.decode()
    delivery.refresh_from_db()
    assert delivery.attempts == 9 and delivery.status == Status.GIVEN_UP
    assert client.post(url, {"attempts": "x"}, follow=True).status_code == 200
    assert len(receiver.to("/hook")) == 1


def test_a_disabled_endpoints_message_is_not_redelivered(client, staff, endpoint, receiver):
    delivery = failed_delivery(endpoint)
    services.endpoint_disable(actor=staff, endpoint=endpoint)
    client.force_login(staff)
    response = client.post(
        reverse("webhooks:redeliver", args=[endpoint.pk, delivery.pk]), {"attempts": "1"}, follow=True
    )
    assert "The endpoint is disabled: enable it again first." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Status.GIVEN_UP and receiver.requests == []


def test_a_delivered_message_cannot_be_redelivered(client, staff, endpoint, receiver):
    delivery = failed_delivery(endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.SUCCEEDED)
    client.force_login(staff)
    client.post(reverse("webhooks:redeliver", args=[endpoint.pk, delivery.pk]), {"attempts": "1"})
    assert receiver.requests == []


def test_disable_and_enable_again(client, staff, endpoint, receiver, django_capture_on_commit_callbacks):
    client.force_login(staff)
    client.post(reverse("webhooks:disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == f"Disabled by {staff.name}."
    waiting = failed_delivery(endpoint)
    Delivery.objects.filter(pk=waiting.pk).update(status=Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:enable", args=[endpoint.pk]), follow=True)
    assert "Endpoint enabled" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == "" and endpoint.consecutive_failures == 0
    waiting.refresh_from_db()
    assert waiting.status == Status.SUCCEEDED and len(receiver.to("/hook")) == 1


def test_the_delivery_log_is_paginated_and_filtered_by_status(client, staff, endpoint):
    for _ in range(30):
        failed_delivery(endpoint)
    Delivery.objects.filter(pk__in=Delivery.objects.order_by("pk").values("pk")[:3]).update(
        status=Status.SUCCEEDED
    )
    client.force_login(staff)
    url = reverse("webhooks:endpoint", args=[endpoint.pk])
    first = client.get(url).content.decode()
    assert first.count('<tr id="delivery-') == 25 and "Page 1 of 2" in first
    assert client.get(url + "?page=2").content.decode().count('<tr id="delivery-') == 5
    succeeded = client.get(url + "?status=succeeded").content.decode()
    assert succeeded.count('<tr id="delivery-') == 3 and "Redeliver" not in succeeded
    assert client.get(url + "?status=nonsense&page=zz").status_code == 200


def test_delete_removes_the_endpoint_and_its_log(client, staff, endpoint):
    failed_delivery(endpoint)
    client.force_login(staff)
    response = client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert response.status_code == 302 and not Endpoint.objects.exists() and not Delivery.objects.exists()


def test_services_refuse_non_staff(customer, endpoint):
    from django.core.exceptions import PermissionDenied

    for call in (
        lambda: services.endpoint_create(
            actor=customer, url="https://93.184.216.34/", events=["topic.created"]
        ),
        lambda: services.endpoint_rotate_secret(actor=customer, endpoint=endpoint),
        lambda: services.endpoint_send_test(actor=customer, endpoint=endpoint),
        lambda: services.endpoint_disable(actor=customer, endpoint=endpoint),
        lambda: services.endpoint_enable(actor=customer, endpoint=endpoint),
    ):
        with pytest.raises(PermissionDenied):
            call()
