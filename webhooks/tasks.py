"""Background work for webhooks (django-tasks). Arguments are ids, never objects.

``deliver`` makes one attempt. When it fails and the task backend can defer work (the
database queue can), it queues itself again for the delivery's ``next_attempt_at``; with a
backend that cannot (the immediate one), the every-minute ``retry_webhooks`` job sends what is
due. Either way the delivery's claim (``attempts.delivery_attempt``) keeps a message from being
sent twice at once.
"""

from __future__ import annotations

from django_tasks import task

from webhooks import attempts
from webhooks.models import Delivery


@task()
def deliver(delivery_id: int) -> str:
    delivery = attempts.delivery_attempt(delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.status == Delivery.Status.FAILED and delivery.next_attempt_at:
        backend = deliver.get_backend()
        if backend.supports_defer:
            deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery_id)
    return delivery.status


@task()
def send_due_deliveries(endpoint_id: int | None = None) -> dict:
    return attempts.send_due(endpoint_id=endpoint_id)
