"""Writes for webhooks: endpoints (register, edit, rotate the secret, disable, enable, send a
test, redeliver) and the fan-out of an event to one ``Delivery`` per endpoint that wants it.
Each attempt, its retries and the disabling of failing endpoints are ``webhooks.attempts``.

Rules:

* An endpoint's address is ``http(s)`` (``https`` unless ``WEBHOOKS_ALLOW_HTTP``), has no user
  name or password, and every address its name resolves to is public unless
  ``WEBHOOKS_ALLOW_PRIVATE`` (``core.outbound``; the connection is checked again at send time).
* Events are fanned out after commit, to active endpoints that asked for them; a message that
  is not public (a hidden topic) is never built, so nothing is sent.
* Buttons are safe to double-click: "Send test event" is refused again for a few seconds, and
  "Redeliver" acts only on the attempt count the staff member saw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import outbound
from webhooks import attempts, payloads, permissions, signing, tasks
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
    return attempts.disable_once(endpoint, reason=(reason or f"Disabled by {who}.")[:300])


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
        transaction.on_commit(lambda: tasks.send_due_deliveries.enqueue(endpoint.pk))
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
    if (
        delivery.event != PING
        and not Endpoint.objects.filter(pk=delivery.endpoint_id, is_active=True).exists()
    ):
        raise ValidationError("The endpoint is disabled: enable it again first.")
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
    ids = [delivery.pk for delivery in made]  # bulk_create returns ids on PostgreSQL and SQLite
    _enqueue_after_commit(ids)
    return list(Delivery.objects.filter(pk__in=ids))


def _enqueue_after_commit(ids: list[int]) -> None:
    def enqueue() -> None:
        for delivery_id in ids:
            try:
                tasks.deliver.enqueue(delivery_id)
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
