"""One HTTP POST of a signed message to an endpoint, and what came back.

Only the transport: ``webhooks.attempts.delivery_attempt`` decides what the outcome means.
The connection goes through ``core.outbound`` (the address actually connected to is checked
again, so DNS rebinding gains nothing), with short connect and read timeouts
(``WEBHOOKS_TIMEOUT``), no retries inside one attempt, and no redirects followed: a 3xx is an
answer like any other non-2xx, a failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

import urllib3

from core import outbound

USER_AGENT = "CommunityWebhooks/1.0"
BODY_EXCERPT = 500


@dataclass
class Outcome:
    status: int | None  # the HTTP status, None when no answer came
    body: str  # the start of the answer, for the log
    error: str  # why it failed, for staff; empty on success
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error


def _allow_private() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE)


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    timeout = float(settings.WEBHOOKS_TIMEOUT)
    started = time.monotonic()

    def done(status: int | None, text: str = "", error: str = "") -> Outcome:
        return Outcome(status, text[:BODY_EXCERPT], error[:500], int((time.monotonic() - started) * 1000))

    host = urlsplit(url).hostname or ""
    try:
        outbound.check_host(host, allow_private=_allow_private())
    except outbound.BlockedAddress as exc:
        return done(None, error=str(exc))
    manager = outbound.pool_manager(allow_private=_allow_private(), num_pools=1)
    all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    try:
        response = manager.request(
            "POST",
            url,
            body=body,
            headers=all_headers,
            redirect=False,
            preload_content=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
    except urllib3.exceptions.HTTPError as exc:
        blocked = outbound.blocked_cause(exc)
        if blocked is not None:
            return done(None, error=str(blocked))
        reason = getattr(exc, "reason", None) or exc
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: ask for it first.
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return done(None, error=f"Could not connect to {host}.")
        if isinstance(reason, urllib3.exceptions.TimeoutError):
            return done(None, error=f"Timed out after {timeout:g} s.")
        return done(None, error=f"Could not connect to {host}: {getattr(exc, 'reason', exc)}.")
    except outbound.BlockedAddress as exc:
        return done(None, error=str(exc))
    try:
        try:
            raw = response.read(BODY_EXCERPT * 4, decode_content=True) or b""
        except urllib3.exceptions.HTTPError:
            raw = b""
        text = raw.decode("utf-8", "replace")
        status = response.status
        if 200 <= status < 300:
            return done(status, text)
        if 300 <= status < 400:
            return done(status, text, f"The endpoint answered {status} (redirects are not followed).")
        return done(status, text, f"The endpoint answered {status}.")
    finally:
        response.release_conn()
        manager.clear()
