"""The site's own rate limits: one counter helper, keyed by client, user or any key.

allauth counts sign-in, sign-up and password resets itself (``ACCOUNT_RATE_LIMITS``); every
other limit of the site (posting, search, similar questions, the Markdown preview, "was this
helpful?") goes through ``hit`` here. Clients are told apart by ``accounts.clientip`` (the same
address allauth uses), so behind a proxy one client's requests never use up another's budget.

A rate is written like allauth's: ``"10/m"``, ``"5/30s"``, ``"100/h"``, ``"500/d"``. An empty
or ``"0"`` rate turns that limit off. Counting is a fixed window of one cache counter per key
(``cache.add`` then ``cache.incr``: atomic on Redis and in local memory), which is cheap enough
to sit in front of every search. The counters, allauth's included (``accounts.apps``), live in
the ``limits`` cache, apart from pages.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from accounts.clientip import client_network
from core.http import wants_json

_RATE_RE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KEY_PREFIX = "rl"
# The counters live in their own cache (settings: CACHES["limits"]), which nothing a visitor
# does can fill with pages until it evicts a lockout.
CACHE_ALIAS = "limits"


class _LimitsCache:
    """The "limits" cache, looked up on each use (tests swap settings); the default cache when a
    deployment's own CACHES setting names no "limits" alias."""

    def __getattr__(self, name):
        alias = CACHE_ALIAS if CACHE_ALIAS in settings.CACHES else "default"
        return getattr(caches[alias], name)


cache = _LimitsCache()


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


class RateLimited(Exception):
    """Over a limit. ``str()`` is a message for the person; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def parse_rate(rate: str | None) -> Rate | None:
    """``"10/m"`` -> ``Rate(10, 60)``; ``None`` for an empty or zero rate (no limit).

    A malformed rate is a configuration error and raises ``ValueError`` (settings are checked
    when the limit is first used, and the tests use every configured rate)."""
    if rate is None or not str(rate).strip() or str(rate).strip() == "0":
        return None
    match = _RATE_RE.fullmatch(str(rate))
    if not match:
        raise ValueError(f"Not a rate: {rate!r} (write it like '10/m', '5/30s' or '100/h')")
    count, multiplier, unit = match.groups()
    if int(count) == 0:
        return None
    return Rate(limit=int(count), period=int(multiplier or 1) * _UNITS[unit])


def client_key(request: HttpRequest) -> str:
    """Who is asking, for a per-client limit: the client's address (IPv6 by /64)."""
    return f"ip:{client_network(request)}"


def user_or_client_key(request: HttpRequest) -> str:
    """The signed-in member, else the client's address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return client_key(request)


def _wait_message(wait: int) -> str:
    return f"Please wait {wait} second{'s' if wait != 1 else ''} and try again."


def hit(
    *,
    scope: str,
    who: str,
    rate: str | Rate | None,
    message: str = "You are going very quickly.",
    add_wait: bool = True,
) -> None:
    """Count one action by ``who`` in ``scope``; raise ``RateLimited`` once over ``rate``.

    ``message`` is what the person reads; unless ``add_wait`` is false, how long to wait is
    added to it."""
    parsed = rate if isinstance(rate, Rate) else parse_rate(rate)
    if parsed is None:
        return
    window = int(time.time() // parsed.period)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # bounded key length, whatever `who` is
    key = f"{KEY_PREFIX}:{scope}:{parsed.limit}/{parsed.period}:{digest}:{window}"
    cache.add(key, 0, timeout=parsed.period + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=parsed.period + 5)
        used = 1
    if used > parsed.limit:
        wait = max(1, parsed.period - int(time.time() % parsed.period))
        raise RateLimited(f"{message} {_wait_message(wait)}" if add_wait else message, retry_after=wait)


def response_429(request: HttpRequest, exc: RateLimited, *, as_json: bool = False) -> HttpResponse:
    """A 429 with the message: JSON (``{"error": ...}``) for JSON endpoints and for scripts
    that accept it, else a page."""
    if as_json or wants_json(request):
        response: HttpResponse = JsonResponse({"error": str(exc)}, status=429)
    else:
        response = HttpResponse(
            render_to_string("429.html", {"message": str(exc)}, request=request), status=429
        )
    response["Retry-After"] = str(exc.retry_after)
    return response


def throttle(
    scope: str,
    *,
    rate_setting: str,
    key: Callable[[HttpRequest], str] = client_key,
    message: str = "You are going very quickly.",
    when: Callable[[HttpRequest], bool] | None = None,
    as_json: bool = False,
):
    """View decorator: at most ``settings.<rate_setting>`` requests per ``key(request)``;
    over it, a 429 with ``message`` (JSON when ``as_json``). ``when(request)`` false: the
    request is not counted."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if when is None or when(request):
                try:
                    hit(
                        scope=scope,
                        who=key(request),
                        rate=getattr(settings, rate_setting, None),
                        message=message,
                    )
                except RateLimited as exc:
                    return response_429(request, exc, as_json=as_json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
