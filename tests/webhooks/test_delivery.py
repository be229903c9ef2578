"""Attempts, retries with back-off, giving up, disabling a failing endpoint, and the claims
that keep one message from being sent twice."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest

from ops.jobs import get_job
from tests.factories import UserFactory
from tests.webhooks.conftest import payload_of, verified
from webhooks import attempts, services
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db
Status = Delivery.Status


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    def emit(data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.emit(Event.TOPIC_CREATED, lambda: data or {"topic": {"id": 1, "title": "Hello"}})

    return emit


def make_due(delivery: Delivery) -> None:
    """Let the wait before the next retry pass (as the clock would)."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_failure_is_retried_with_growing_waits_then_given_up(receiver, make_endpoint, emit, settings):
    settings.WEBHOOKS_RETRY_SCHEDULE = [60, 300, 1800]
    settings.WEBHOOKS_MAX_ATTEMPTS = 5
    receiver.answer("/down", 500, b"database is down")
    make_endpoint("/down")
    (delivery,) = emit()
    waits = []
    for attempt in range(1, 5):
        delivery.refresh_from_db()
        assert delivery.status == Status.FAILED and delivery.attempts == attempt
        assert delivery.response_code == 500 and delivery.response_body == "database is down"
        assert delivery.error == "The endpoint answered 500."
        waits.append((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
        make_due(delivery)
        attempts.send_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.GIVEN_UP and delivery.attempts == 5 and delivery.next_attempt_at is None
    # 60 s, 5 min, 30 min, then the last wait repeats; each with up to 10% jitter.
    for wait, base in zip(waits, [60, 300, 1800, 1800], strict=True):
        assert base <= wait <= base * 1.1 + 1
    assert waits[0] < waits[1] < waits[2]
    assert len(receiver.to("/down")) == 5
    # Every retry carries the same webhook-id, newly signed.
    ids = {r["headers"]["webhook-id"] for r in receiver.to("/down")}
    assert ids == {delivery.msg_id}


def test_a_retry_that_is_not_due_is_not_sent(receiver, make_endpoint, emit):
    receiver.answer("/down", 503)
    make_endpoint("/down")
    (delivery,) = emit()
    attempts.send_due()
    assert len(receiver.to("/down")) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()


def test_the_retry_job_sends_what_is_due(receiver, make_endpoint, emit):
    assert get_job("retry_webhooks").schedule == "* * * * *"
    receiver.answer("/flaky", 502)
    endpoint = make_endpoint("/flaky")
    (delivery,) = emit()
    receiver.answer("/flaky", 204)
    make_due(delivery)
    out = StringIO()
    call_command("retry_webhooks", stdout=out)
    assert out.getvalue().strip() == "1 attempted, 1 succeeded, 0 failed"
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED and delivery.attempts == 2 and delivery.response_code == 204
    assert endpoint.consecutive_failures == 0 and endpoint.last_success_at is not None


def test_redirects_are_not_followed(receiver, make_endpoint, emit):
    receiver.answer("/moved", 302, headers={"Location": receiver.url("/elsewhere")})
    make_endpoint("/moved")
    (delivery,) = emit()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.response_code == 302
    assert "redirects are not followed" in delivery.error
    assert receiver.to("/elsewhere") == []


def test_a_receiver_that_is_gone_is_a_failure_with_a_message(receiver, make_endpoint, emit, settings):
    endpoint = make_endpoint()
    receiver.close()
    (delivery,) = emit()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.response_code is None
    assert delivery.error.startswith("Could not connect to 127.0.0.1")
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.failing_since is not None


def test_a_slow_receiver_times_out(receiver, make_endpoint, emit, settings):
    settings.WEBHOOKS_TIMEOUT = 0.5
    receiver.delays["/slow"] = 1.5
    make_endpoint("/slow")
    (delivery,) = emit()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.error == "Timed out after 0.5 s."
    assert 400 <= delivery.duration_ms < 1400


def test_an_endpoint_failing_too_often_is_disabled_once_and_staff_are_told(
    receiver, make_endpoint, emit, settings, staff, customer, client
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOKS_DISABLE_AFTER_HOURS = 0
    admin = UserFactory(username="root", is_superuser=True, email="root@example.com")
    receiver.answer("/down", 500)
    endpoint = make_endpoint("/down", description="CRM sync")
    emit()
    emit()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 2
    emit()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "after 3 failed attempts in a row" in endpoint.disabled_reason
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([staff.email, admin.email]) and customer.email not in message.to
    assert endpoint.url in message.subject and "/admin/webhooks/" in message.body
    # Disabled: new events and waiting retries are not sent, and staff are not told again.
    emit()
    for delivery in Delivery.objects.all():
        make_due(delivery)
    attempts.send_due()
    assert len(receiver.to("/down")) == 3 and len(mail.outbox) == 1
    # The staff dashboard names it.
    client.force_login(staff)
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Webhook endpoints disabled for failing" in body and "CRM sync" in body
    client.force_login(customer)
    assert "Webhook endpoints disabled" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_a_short_outage_does_not_disable_an_endpoint(receiver, make_endpoint, emit, settings):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    settings.WEBHOOKS_DISABLE_AFTER_HOURS = 24
    receiver.answer("/down", 500)
    endpoint = make_endpoint("/down")
    for _ in range(3):
        emit()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 3 and not mail.outbox
    # A day later the failures still go on: now it is disabled.
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(hours=25))
    emit()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and len(mail.outbox) == 1


def test_a_success_resets_the_failure_count(receiver, make_endpoint, emit):
    receiver.answer("/flaky", 500)
    endpoint = make_endpoint("/flaky")
    emit()
    receiver.answer("/flaky", 200)
    emit()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_a_claimed_delivery_is_not_sent_again(receiver, make_endpoint, emit):
    make_endpoint()
    (delivery,) = emit()
    assert attempts.delivery_attempt(delivery.pk) is None  # already succeeded
    receiver.answer("/hook", 500)
    (second,) = emit()
    make_due(second)
    # Another worker holds the claim: nothing is sent until its lease runs out.
    Delivery.objects.filter(pk=second.pk).update(claimed_until=timezone.now() + timedelta(seconds=30))
    assert attempts.delivery_attempt(second.pk) is None
    assert attempts.send_due() == {"attempted": 0, "succeeded": 0, "failed": 0}
    assert len(receiver.to("/hook")) == 2


def test_after_a_rotation_both_secrets_verify_for_a_while(receiver, make_endpoint, emit, staff, settings):
    endpoint = make_endpoint()
    old = endpoint.secret
    services.endpoint_rotate_secret(actor=staff, endpoint=endpoint)
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    emit()
    request = receiver.to("/hook")[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(endpoint, request) == verified(endpoint, request, secret=old) == payload_of(request)
    # Once the overlap is over, only the new secret signs.
    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    emit()
    assert len(receiver.to("/hook")[1]["headers"]["webhook-signature"].split(" ")) == 1


def test_a_test_event_reaches_even_a_disabled_endpoint_and_counts_no_failure(receiver, make_endpoint, staff):
    receiver.answer("/down", 500)
    endpoint = make_endpoint("/down")
    services.endpoint_disable(actor=staff, endpoint=endpoint)
    services.endpoint_send_test(actor=staff, endpoint=endpoint)
    attempts.send_due()
    (request,) = receiver.to("/down")
    assert verified(endpoint, request)["type"] == "ping"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert Delivery.objects.get().status == Status.GIVEN_UP  # a ping is tried once
