"""The client's address, the one way every part of the site derives it.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (nginx, a load balancer), ``REMOTE_ADDR`` is the
nearest proxy's address, so every visitor would share one rate-limit bucket. Each trusted proxy
appends the address it received the request from to ``X-Forwarded-For``; the client's address is
therefore the ``n``-th entry from the right. Entries further left were written by the client and
are never trusted.

* ``TRUSTED_PROXY_COUNT = 0`` (the default): ``REMOTE_ADDR``, whatever the headers say.
* ``TRUSTED_PROXY_COUNT = n``: the ``n``-th address from the right of ``X-Forwarded-For``. A
  request with fewer entries than ``n`` did not come through every proxy, so (like one with an
  unparsable entry) it is keyed by ``REMOTE_ADDR`` instead.

allauth asks for the address through ``accounts.adapter.AccountAdapter.get_client_ip`` and the
site's own limits through ``core.ratelimit``; both end here. It lives in core, under every
app (it imports none of them), so any app may import it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _clean(value: str | None) -> str | None:
    """The address in canonical form, or ``None`` when ``value`` is not an IP address."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (see the module's docstring)."""
    remote = _clean(request.META.get("REMOTE_ADDR")) or UNKNOWN
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return _clean(forwarded[-count]) or remote


def client_network(request: HttpRequest) -> str:
    """The client's address for counting: IPv4 as it is, IPv6 by its /64 (one subscriber's
    allocation), so that one client cannot dodge a limit by walking through its own block."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address
