"""Workers racing for the same delivery, and staff double-clicking, on PostgreSQL: each message
is sent once. Real threads, each with its own connection (SQLite serialises writers, so the
``postgres`` marker skips these there, with the reason; see ``tests/conftest.py``)."""

from __future__ import annotations

from django.utils import timezone

import pytest

from tests.forum.test_concurrency import run_at_once
from webhooks import attempts, services
from webhooks.models import Delivery, Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
WORKERS = 6


def test_workers_racing_for_one_delivery_send_it_once(receiver, make_endpoint):
    receiver.delays["/hook"] = 0.3
    endpoint = make_endpoint()
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=Event.TOPIC_CREATED,
        payload={"type": "topic.created", "version": 1, "timestamp": timezone.now().isoformat(), "data": {}},
        msg_id="msg_race",
        next_attempt_at=timezone.now(),
    )
    results = run_at_once([lambda: attempts.delivery_attempt(delivery.pk) for _ in range(WORKERS)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r is not None for r in results) == 1
    assert len(receiver.to("/hook")) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == Delivery.Status.SUCCEEDED


def test_send_test_clicked_at_once_sends_one_ping(receiver, make_endpoint, staff):
    endpoint = make_endpoint()

    def click():
        try:
            return services.endpoint_send_test(actor=staff, endpoint=endpoint)
        except Exception as exc:
            return exc

    results = run_at_once([click for _ in range(WORKERS)])
    assert sum(isinstance(r, Delivery) for r in results) == 1
    assert Delivery.objects.filter(event="ping").count() == 1
    attempts.send_due()
    assert len(receiver.to("/hook")) == 1
