"""Writes for webhooks: endpoints (register, edit, rotate the secret, disable, enable, send a
test), the fan-out of an event to one ``Delivery`` per endpoint that wants it, and each attempt.

Rules:

* An endpoint's address is ``http(s)`` (``https`` unless ``WEBHOOKS_ALLOW_HTTP``), has no user
  name or password, and every address its name resolves to is public unless
  ``WEBHOOKS_ALLOW_PRIVATE`` (``core.outbound``; the connection is checked again at send time).
* Events are fanned out after commit, to active endpoints that asked for them; a message that
  is not public (a hidden topic) is never built, so nothing is sent.
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
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core import outbound
from webhooks import payloads, permissions, sending, signing
from webhooks.models import PING, Delivery, Endpoint, Event

logger = logging.getLogger(__name__)
Status = Delivery.Status

# "Send test event" is refused again within this many seconds (a double click sends one).
PING_COOLDOWN_SECONDS = 10
DESCRIPTION_MAX = 200


# --- checks ---------------------------------------------------------------------------


def validate_url(url: str) -> str:
    """The address, stripped, or ``ValidationError`` with a message that says what is wrong."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError("Use an https:// address.")
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise ValidationError("Use https:// (plain http is not allowed for webhooks here).")
    if parts.username or parts.password:
        raise ValidationError("Leave the user name and password out of the address.")
    host = parts.hostname
    if not host:
        raise ValidationError("The address has no host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError("The port in the address is not a number between 1 and 65535.") from exc
    try:
        outbound.resolve_and_check(host, port, allow_private=bool(settings.WEBHOOKS_ALLOW_PRIVATE))
    except outbound.BlockedAddress as exc:
        raise ValidationError(f"{exc} Webhooks go to public addresses only.") from exc
    return url


def validate_events(events: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(events or []))
    unknown = [name for name in chosen if name not in Event.values]
    if unknown:
        raise ValidationError(f"Unknown event: {', '.join(map(str, unknown))}.")
    if not chosen:
        raise ValidationError("Choose at least one event.")
    return [name for name in Event.values if name in chosen]


def _clean(*, url: str, events: Iterable[str] | None, description: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned["url"] = validate_url(url)
    except ValidationError as exc:
        errors["url"] = exc.messages
    try:
        cleaned["events"] = validate_events(events)
    except ValidationError as exc:
        errors["events"] = exc.messages
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"Keep the description under {DESCRIPTION_MAX} characters."]
    cleaned["description"] = description
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- endpoints --------------------------------------------------------------------------


def endpoint_create(*, actor, url: str, events: Iterable[str], description: str = "") -> Endpoint:
    """Register an endpoint with a new secret (the caller shows it to ``actor`` once)."""
    permissions.check_manage(actor)
    cleaned = _clean(url=url, events=events, description=description)
    return Endpoint.objects.create(secret=signing.new_secret(), created_by=actor, **cleaned)


def endpoint_update(
    *, actor, endpoint: Endpoint, url: str, events: Iterable[str], description: str = ""
) -> Endpoint:
    permissions.check_manage(actor)
    cleaned = _clean(url=url, events=events, description=description)
    for name, value in cleaned.items():
        setattr(endpoint, name, value)
    endpoint.save(update_fields=list(cleaned))
    return endpoint


def endpoint_rotate_secret(*, actor, endpoint: Endpoint) -> Endpoint:
    """A new secret; the old one still signs (beside it) for ``WEBHOOKS_SECRET_OVERLAP_HOURS``."""
    permissions.check_manage(actor)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(
        hours=settings.WEBHOOKS_SECRET_OVERLAP_HOURS
    )
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def endpoint_disable(*, actor, endpoint: Endpoint, reason: str = "") -> bool:
    permissions.check_manage(actor)
    who = getattr(actor, "name", "") or "staff"
    return _disable(endpoint, reason=(reason or f"Disabled by {who}.")[:300])


def endpoint_enable(*, actor, endpoint: Endpoint) -> bool:
    """Turn a disabled endpoint back on: the failure count starts again, and the messages that
    were waiting are due at once."""
    permissions.check_manage(actor)
    now = timezone.now()
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=False).update(
            is_active=True, disabled_reason="", disabled_at=None, consecutive_failures=0, failing_since=None
        )
        if changed:
            Delivery.objects.filter(endpoint=endpoint, status__in=[Status.PENDING, Status.FAILED]).update(
                next_attempt_at=now
            )
    endpoint.refresh_from_db()
    if changed:
        from webhooks.tasks import send_due_deliveries

        transaction.on_commit(lambda: send_due_deliveries.enqueue(endpoint.pk))
    return bool(changed)


def endpoint_send_test(*, actor, endpoint: Endpoint) -> Delivery:
    """Queue a ``ping`` to ``endpoint`` (even a disabled one, to check it before enabling)."""
    permissions.check_manage(actor)
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Endpoint.objects.filter(pk=endpoint.pk)
            .filter(
                Q(last_ping_at__isnull=True)
                | Q(last_ping_at__lt=now - timedelta(seconds=PING_COOLDOWN_SECONDS))
            )
            .update(last_ping_at=now)
        )
        if not claimed:
            raise ValidationError(
                "A test event was sent moments ago: see the log below before sending another."
            )
        delivery = _create_deliveries([endpoint], PING, payloads.envelope(PING, payloads.ping(endpoint.pk)))[
            0
        ]
    return delivery


def delivery_redeliver(*, actor, delivery: Delivery, seen_attempts: int | None = None) -> bool:
    """Send a failed or given-up message again, once more, with the same ``webhook-id``.

    ``seen_attempts`` is the attempt count the staff member saw: a second click of the same
    button finds it changed (or the message already queued) and sends nothing."""
    permissions.check_manage(actor)
    rows = Delivery.objects.filter(pk=delivery.pk, status__in=[Status.FAILED, Status.GIVEN_UP])
    if seen_attempts is not None:
        rows = rows.filter(attempts=seen_attempts)
    with transaction.atomic():
        changed = rows.update(status=Status.PENDING, next_attempt_at=timezone.now(), claimed_until=None)
        if changed:
            _enqueue_after_commit([delivery.pk])
    return bool(changed)


# --- events -----------------------------------------------------------------------------


def _wanting(event: str) -> list[Endpoint]:
    # Few endpoints: filter the JSON list here, the same on every database.
    return [endpoint for endpoint in Endpoint.objects.filter(is_active=True) if endpoint.wants(event)]


def _create_deliveries(endpoints: list[Endpoint], event: str, payload: dict[str, Any]) -> list[Delivery]:
    now = timezone.now()
    made = Delivery.objects.bulk_create(
        [
            Delivery(
                endpoint=endpoint,
                event=event,
                payload=payload,
                msg_id=signing.new_msg_id(),
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    )
    ids = (
        [d.pk for d in made]
        if all(d.pk for d in made)
        else list(Delivery.objects.filter(msg_id__in=[d.msg_id for d in made]).values_list("pk", flat=True))
    )
    _enqueue_after_commit(ids)
    return list(Delivery.objects.filter(pk__in=ids))


def _enqueue_after_commit(ids: list[int]) -> None:
    from webhooks.tasks import deliver

    def enqueue() -> None:
        for delivery_id in ids:
            try:
                deliver.enqueue(delivery_id)
            except Exception:  # the retry job picks it up
                logger.exception("webhooks: could not queue delivery %s", delivery_id)

    transaction.on_commit(enqueue)


def emit(event: str, build: Callable[[], dict[str, Any] | None]) -> list[Delivery]:
    """Fan ``event`` out to every active endpoint that wants it. ``build`` makes the ``data``
    (only when someone wants it) and returns ``None`` when the thing is not public: then
    nothing is sent."""
    endpoints = _wanting(event)
    if not endpoints:
        return []
    data = build()
    if data is None:
        return []
    with transaction.atomic():
        return _create_deliveries(endpoints, event, payloads.envelope(event, data))


# --- attempts ---------------------------------------------------------------------------


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
    lease = now + timedelta(seconds=float(settings.WEBHOOKS_TIMEOUT) * 3 + 10)
    return bool(
        Delivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.FAILED])
        .filter(Q(endpoint__is_active=True) | Q(event=PING))
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
        if _disable(endpoint, reason=reason):
            _tell_staff(endpoint)


def _disable(endpoint: Endpoint, *, reason: str) -> bool:
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
