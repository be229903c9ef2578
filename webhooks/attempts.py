"""Attempts: sending one delivery, recording what came back, retrying with back-off, and
disabling an endpoint that keeps failing (see the rules in ``webhooks.services``).

Kept apart from ``webhooks.services`` so that the tasks call this module and the services
queue the tasks, without an import loop.

* An attempt first *claims* its delivery with one conditional UPDATE (a lease), so the task,
  the every-minute retry job and a double click never send the same message twice at once.
* Only a 2xx answer is a success. A failure is retried after ``WEBHOOKS_RETRY_SCHEDULE`` (with
  jitter) up to ``WEBHOOKS_MAX_ATTEMPTS`` attempts, then given up. After
  ``WEBHOOKS_DISABLE_AFTER_FAILURES`` failed attempts in a row (failing for at least
  ``WEBHOOKS_DISABLE_AFTER_HOURS``) the endpoint is disabled, once, and staff are told.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from webhooks import payloads, sending, signing
from webhooks.models import PING, Delivery, Endpoint

logger = logging.getLogger(__name__)
Status = Delivery.Status


def body_of(delivery: Delivery) -> str:
    """The exact text sent (and signed): compact JSON, keys in the order they were built."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: the schedule's entry (the last one
    repeats) plus up to 10% random jitter, so many failed messages do not all come back at once."""
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE or [60]
    base = schedule[min(max(attempts, 1), len(schedule)) - 1]
    return timedelta(seconds=base * (1 + random.uniform(0, 0.1)))


def _claim(delivery_id: int, now) -> bool:
    """Take the delivery for one attempt. The UPDATE filters on the delivery's own columns only
    (no join: PostgreSQL re-checks a plain WHERE on the row it waited for, not a subquery's),
    so of two workers racing, exactly one wins."""
    row = Delivery.objects.filter(pk=delivery_id).values("event", "endpoint__is_active").first()
    if row is None or not (row["endpoint__is_active"] or row["event"] == PING):
        return False
    lease = now + timedelta(seconds=float(settings.WEBHOOKS_TIMEOUT) * 3 + 10)
    return bool(
        Delivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.FAILED])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=lease)
    )


def delivery_attempt(delivery_id: int) -> Delivery | None:
    """Send one delivery now if it is due and nobody else is sending it; record the outcome.
    Returns the delivery, or ``None`` when there was nothing to do."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = body_of(delivery)
    headers = signing.headers(msg_id=delivery.msg_id, body=body, secrets_=endpoint.signing_secrets(now))
    outcome = sending.post(endpoint.url, body=body.encode("utf-8"), headers=headers)
    finished = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = finished
    delivery.response_code = outcome.status
    delivery.response_body = outcome.body
    delivery.error = outcome.error
    delivery.duration_ms = outcome.duration_ms
    delivery.claimed_until = None
    if outcome.ok:
        delivery.status = Status.SUCCEEDED
        delivery.delivered_at = finished
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS or delivery.event == PING:
        delivery.status = Status.GIVEN_UP
        delivery.next_attempt_at = None
    else:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = finished + retry_delay(delivery.attempts)
    delivery.save()
    if delivery.event != PING:
        if outcome.ok:
            Endpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, failing_since=None, last_success_at=finished
            )
        else:
            _count_failure(endpoint, finished)
    return delivery


def _count_failure(endpoint: Endpoint, now) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["consecutive_failures", "failing_since", "is_active"])
    limit = settings.WEBHOOKS_DISABLE_AFTER_FAILURES
    long_enough = endpoint.failing_since is not None and (
        endpoint.failing_since <= now - timedelta(hours=settings.WEBHOOKS_DISABLE_AFTER_HOURS)
    )
    if endpoint.is_active and limit and endpoint.consecutive_failures >= limit and long_enough:
        reason = (
            f"Disabled automatically after {endpoint.consecutive_failures} failed attempts in a row "
            f"(failing since {timezone.localtime(endpoint.failing_since):%Y-%m-%d %H:%M})."
        )
        if disable_once(endpoint, reason=reason):
            _tell_staff(endpoint)


def disable_once(endpoint: Endpoint, *, reason: str) -> bool:
    """Disable once: the conditional update lets only the first caller through."""
    changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=reason, disabled_at=timezone.now()
    )
    endpoint.refresh_from_db()
    return bool(changed)


def staff_emails() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=roles.STAFF))
        .exclude(email="")
        .distinct()
    )
    return sorted({user.email for user in users})


def _tell_staff(endpoint: Endpoint) -> None:
    """Staff hear of an endpoint disabled by failures: by mail (every staff member with an
    address) and on the admin dashboard (``webhooks.wagtail_hooks``), as with failed jobs."""
    logger.warning(
        "webhooks: endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, endpoint.disabled_reason
    )
    recipients = staff_emails()
    if not recipients:
        return
    link = payloads.absolute(reverse("webhooks:endpoint", args=[endpoint.pk]))
    body = (
        f"The webhook endpoint {endpoint.url} ({endpoint.description or 'no description'}) has been disabled.\n\n"
        f"{endpoint.disabled_reason}\n\n"
        f"The last error: {endpoint.deliveries.exclude(error='').values_list('error', flat=True).first() or 'none'}\n\n"
        f"Messages for it are kept. Check the receiver, send a test event, then enable it again:\n{link}\n"
    )
    try:
        send_mail(
            f"[{settings.SITE_NAME}] Webhook endpoint disabled: {endpoint.url}"[:200],
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:
        logger.exception("webhooks: could not mail staff about endpoint %s", endpoint.pk)


def due(now=None, *, endpoint_id: int | None = None):
    now = now or timezone.now()
    rows = (
        Delivery.objects.filter(status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now)
        .filter(Q(endpoint__is_active=True) | Q(event=PING))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )
    if endpoint_id is not None:
        rows = rows.filter(endpoint_id=endpoint_id)
    return rows.order_by("next_attempt_at", "pk")


def send_due(*, limit: int = 200, endpoint_id: int | None = None) -> dict[str, int]:
    """Attempt every due delivery (oldest first, at most ``limit``): the retry job."""
    counts = {"attempted": 0, "succeeded": 0, "failed": 0}
    for delivery_id in list(due(endpoint_id=endpoint_id).values_list("pk", flat=True)[:limit]):
        delivery = delivery_attempt(delivery_id)
        if delivery is None:
            continue
        counts["attempted"] += 1
        counts["succeeded" if delivery.status == Status.SUCCEEDED else "failed"] += 1
    return counts
