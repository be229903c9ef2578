"""HTTP plumbing every app's views share: where to go back to, and what the client asked for."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where an action returns to: the ``next`` field (POST, else the query string) when it is
    an address on this site (same host; HTTPS kept on secure requests), else ``fallback``.

    The one open-redirect guard: Django's ``url_has_allowed_host_and_scheme`` refuses other
    hosts, ``//host`` and ``javascript:`` addresses."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def wants_json(request: HttpRequest) -> bool:
    """True when the client asked for JSON (the progressive-enhancement scripts do)."""
    return "application/json" in request.headers.get("Accept", "")
