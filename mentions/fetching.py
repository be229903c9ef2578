"""Fetching a feed from someone else's server, safely.

* Private, loopback, link-local, multicast and reserved addresses are refused (server-side
  request forgery), unless ``MENTIONS_ALLOW_PRIVATE_ADDRESSES`` is on (tests, an intranet feed).
  The check is made on the address the socket actually connected to, after name resolution,
  so a name that resolves to a public address once and a private one later gains nothing
  (``core.outbound``, shared with webhooks).
* Conditional GET: ``If-None-Match`` / ``If-Modified-Since`` from the last answer; a 304 is
  "nothing new".
* A connect and read timeout, a deadline for the whole fetch, a size limit
  (``MENTIONS_MAX_FEED_BYTES``), and at most ``MENTIONS_MAX_REDIRECTS`` redirects, each one
  checked like the first address.
* Only http and https.

``fetch(url, etag=..., last_modified=...)`` returns a ``Fetched`` or raises ``FetchError`` with
a message fit to show staff.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

import urllib3

from core import outbound

USER_AGENT = "CommunityMentions/1.0 (+feed poller)"
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


class FetchError(Exception):
    """A fetch that failed, with a message for staff."""


class BlockedAddress(FetchError, outbound.BlockedAddress):
    """An address refused as not public (see ``core.outbound``)."""


@dataclass
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when nothing changed
    body: bytes
    etag: str
    last_modified: str
    content_type: str


def _allow_private() -> bool:
    return bool(getattr(settings, "MENTIONS_ALLOW_PRIVATE_ADDRESSES", False))


def check_address(ip: str) -> None:
    """Refuse an address that is not on the public internet (unless the setting allows it)."""
    try:
        outbound.check_address(ip, allow_private=_allow_private())
    except outbound.BlockedAddress as exc:
        raise BlockedAddress(str(exc)) from None


def _pool_manager() -> urllib3.PoolManager:
    return outbound.pool_manager(allow_private=_allow_private())


def validate_feed_url(url: str) -> str:
    """The address as given, or ``FetchError`` when it cannot be a feed we would fetch."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise FetchError("Use an http:// or https:// address.")
    if not parts.hostname:
        raise FetchError("The address has no host name.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not fetched.")
    try:
        outbound.check_host(parts.hostname, allow_private=_allow_private())
    except outbound.BlockedAddress as exc:
        raise BlockedAddress(str(exc)) from None
    return url


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    timeout = float(getattr(settings, "MENTIONS_FETCH_TIMEOUT", 10))
    max_bytes = int(getattr(settings, "MENTIONS_MAX_FEED_BYTES", 2 * 1024 * 1024))
    max_redirects = int(getattr(settings, "MENTIONS_MAX_REDIRECTS", 3))
    deadline = time.monotonic() + timeout * 2
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    manager = _pool_manager()
    current = url
    try:
        for _hop in range(max_redirects + 1):
            validate_feed_url(current)
            try:
                response = manager.request(
                    "GET",
                    current,
                    headers=headers,
                    redirect=False,
                    preload_content=False,
                    timeout=urllib3.Timeout(connect=timeout, read=timeout),
                )
            except outbound.BlockedAddress as exc:
                raise BlockedAddress(str(exc)) from None
            except urllib3.exceptions.NewConnectionError as exc:
                blocked = outbound.blocked_cause(exc)
                if blocked is not None:
                    raise BlockedAddress(str(blocked)) from None
                raise FetchError(f"Could not connect to {urlsplit(current).hostname}.") from exc
            except urllib3.exceptions.MaxRetryError as exc:
                blocked = outbound.blocked_cause(exc)
                if blocked is not None:
                    raise BlockedAddress(str(blocked)) from None
                raise FetchError(f"Could not connect to {urlsplit(current).hostname}: {exc.reason}.") from exc
            except urllib3.exceptions.TimeoutError as exc:
                raise FetchError(f"Timed out after {timeout:g} s.") from exc
            except urllib3.exceptions.HTTPError as exc:
                raise FetchError(f"The request failed: {exc}.") from exc
            try:
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"A {response.status} redirect without a Location.")
                    current = urljoin(current, location)
                    continue
                if response.status == 304:
                    return Fetched(current, 304, b"", etag, last_modified, "")
                if response.status != 200:
                    raise FetchError(f"The server answered {response.status}.")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"The feed is larger than {max_bytes // 1024} KB.")
                chunks, size = [], 0
                for chunk in response.stream(64 * 1024, decode_content=True):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"The feed is larger than {max_bytes // 1024} KB.")
                    if time.monotonic() > deadline:
                        raise FetchError(f"Took longer than {timeout * 2:g} s.")
                    chunks.append(chunk)
                return Fetched(
                    url=current,
                    status=200,
                    body=b"".join(chunks),
                    etag=(response.headers.get("ETag") or "")[:500],
                    last_modified=(response.headers.get("Last-Modified") or "")[:100],
                    content_type=response.headers.get("Content-Type") or "",
                )
            except urllib3.exceptions.HTTPError as exc:
                raise FetchError(f"Reading the feed failed: {exc}.") from exc
            finally:
                response.release_conn()
        raise FetchError(f"More than {max_redirects} redirects.")
    finally:
        manager.clear()
