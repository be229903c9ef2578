"""Counting page views: once per visitor per item per window (an hour), without a database
write on every request. Topics count here; other apps register their own kind of item (the FAQ
counts its articles as ``"faq"``) with ``register_counter`` and count with ``record_view``, so
there is one rule for who a visitor is and one buffer, flushed by one command.

How it works:

* A visitor is the signed-in user, else the client's address (an IPv6 /64 counts as one);
  the cache only ever holds a keyed hash of that (``salted_hmac``), for ``FORUM_VIEW_WINDOW``
  seconds, and nothing about the visitor is written to the database.
* The first view in the window does ``cache.add`` of the visitor's key; later ones find it and
  count nothing. Obvious robots (user agents naming a bot, crawler or spider) are not counted.
* Counted views are buffered in the cache: one atomic ``incr`` of a per-topic counter. The first
  increment after a flush registers the topic in a small "pending" set (under a short cache
  lock, so about once per topic per flush, not per view).
* ``flush_view_counts()`` moves the buffered numbers into the database (``Topic.view_count``,
  or the registered writer of the item's kind) with one atomic ``F()`` update per item, subtracting exactly what it wrote from the cache counter, so views
  that arrive during a flush are kept for the next one. It runs from ``manage.py
  flush_view_counts`` (cron), from the task ``flush_view_counts_task``, which is enqueued
  whenever ``FORUM_VIEW_FLUSH_THRESHOLD`` views are waiting; with the in-process task backend
  (no worker) that means the request that crosses the threshold flushes inline.
* Without a usable cache (``DummyCache``), or when the pending set stays locked, a view is
  written straight to the database, so a view is never lost for want of a cache.

Use a cache shared by all processes (Redis, ``REDIS_URL``) in production: a per-process local
memory cache buffers per process and may evict entries under pressure.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db.models import F
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from django_tasks import task

from accounts.clientip import client_ip
from forum.models import Topic

logger = logging.getLogger(__name__)

PREFIX = "forum:views"
PENDING_KEY = f"{PREFIX}:pending"
LOCK_KEY = f"{PREFIX}:lock"
TOTAL_KEY = f"{PREFIX}:total"
FLUSH_QUEUED_KEY = f"{PREFIX}:flush-queued"
ROBOT_RE = re.compile(r"bot|crawl|spider|slurp|headless|preview|monitor", re.IGNORECASE)


class _Busy(Exception):
    pass


class _CacheProxy:
    """The default cache, looked up on each use (tests swap settings)."""

    def __getattr__(self, name):
        return getattr(caches["default"], name)


cache = _CacheProxy()


def _window() -> int:
    return int(getattr(settings, "FORUM_VIEW_WINDOW", 3600))


def _threshold() -> int:
    return int(getattr(settings, "FORUM_VIEW_FLUSH_THRESHOLD", 100))


TOPIC = "topic"
# kind -> writer(item id, views): adds views to the item's stored count
_WRITERS: dict[str, Callable[[int, int], None]] = {}


def register_counter(kind: str, writer: Callable[[int, int], None]) -> None:
    """Count views of another kind of item here: ``writer(item_id, count)`` adds ``count`` to
    the item's stored count (an ``F()`` update). Call it from the app's ``ready()``."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
        raise ValueError(f"Bad view-counter kind: {kind!r}")
    _WRITERS[kind] = writer


def _counter_key(kind: str, item_id: int) -> str:
    return f"{PREFIX}:{kind}:{item_id}"


def address_group(address: str) -> str:
    """The unit an anonymous visitor is counted by: an IPv4 address, or an IPv6 /64 (one
    home or phone gets a whole /64, so single IPv6 addresses are free to rotate)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def visitor_key(request: HttpRequest) -> str:
    """A keyed hash naming the visitor: the signed-in user, else the client address (group).

    Nothing an anonymous client chooses freely is part of it: rotating the User-Agent or
    sending made-up session cookies used to count as new visitors every time, without limit.
    Several anonymous people behind one address count as one per window, which popularity can
    live with."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        raw = f"u:{user.pk}"
    else:
        raw = f"a:{address_group(client_ip(request))}"
    return salted_hmac("forum.views.visitor", raw).hexdigest()[:32]


def _locked(fn):
    for _ in range(40):
        if cache.add(LOCK_KEY, 1, timeout=5):
            try:
                return fn()
            finally:
                cache.delete(LOCK_KEY)
        time.sleep(0.005)
    raise _Busy


def _register(kind: str, item_id: int) -> None:
    def add():
        pending = cache.get(PENDING_KEY) or set()
        pending.add((kind, item_id))
        cache.set(PENDING_KEY, pending, timeout=None)

    _locked(add)


def _take_pending() -> set[tuple[str, int]]:
    def take():
        pending = cache.get(PENDING_KEY) or set()
        cache.delete(PENDING_KEY)
        return pending

    return _locked(take)


def _write_topic(topic_id: int, count: int) -> None:
    Topic.objects.filter(pk=topic_id).update(view_count=F("view_count") + count)


register_counter(TOPIC, _write_topic)


def _write(kind: str, item_id: int, count: int) -> None:
    writer = _WRITERS.get(kind)
    if writer is None:  # its app is not installed any more: nothing to write the views to
        logger.warning("Dropped %s buffered views of unknown kind %r", count, kind)
        return
    writer(item_id, count)


def _drain(kind: str, item_id: int) -> int:
    """Move the buffered views of one item to the database; return how many."""
    key = _counter_key(kind, item_id)
    count = cache.get(key) or 0
    if count <= 0:
        return 0
    try:
        left = cache.decr(key, count)
    except ValueError:  # evicted between get and decr: nothing we can move safely
        return 0
    _write(kind, item_id, count)
    if left > 0:
        # Views arrived during the drain; none of them saw the counter at 1, so re-register.
        try:
            _register(kind, item_id)
        except _Busy:
            return count + _drain(kind, item_id)
    return count


def topic_record_view(*, request: HttpRequest, topic) -> bool:
    """Count a view of ``topic`` by the visitor behind ``request`` (at most once per window).

    Return True when the view was counted. Never raises for cache trouble: counting views must
    not break the page.
    """
    return record_view(request=request, kind=TOPIC, item_id=topic.pk)


def record_view(*, request: HttpRequest, kind: str, item_id: int) -> bool:
    """Count a view of item ``item_id`` of ``kind`` (see ``register_counter``) by the visitor
    behind ``request``, at most once per window; True when it was counted."""
    if kind not in _WRITERS:
        raise ValueError(f"No view counter registered for {kind!r}")
    if request.method not in ("GET",) or ROBOT_RE.search(request.META.get("HTTP_USER_AGENT", "")):
        return False
    cache = caches["default"]
    if isinstance(cache, DummyCache):
        _write(kind, item_id, 1)
        return True
    try:
        if not cache.add(f"{PREFIX}:seen:{kind}:{item_id}:{visitor_key(request)}", 1, timeout=_window()):
            return False
        key = _counter_key(kind, item_id)
        cache.add(key, 0, timeout=None)
        if cache.incr(key) == 1:
            try:
                _register(kind, item_id)
            except _Busy:
                _drain(kind, item_id)
                return True
        cache.add(TOTAL_KEY, 0, timeout=None)
        if cache.incr(TOTAL_KEY) >= _threshold() and cache.add(FLUSH_QUEUED_KEY, 1, timeout=300):
            flush_view_counts_task.enqueue()
    except Exception:  # a cache outage costs a view, never the page
        logger.exception("Could not record a view of %s %s", kind, item_id)
        return False
    return True


def flush_view_counts() -> int:
    """Write every buffered view to the database; return the number of views written."""
    try:
        pending = _take_pending()
    except _Busy:
        logger.warning("View counts not flushed: the pending set stayed locked")
        return 0
    written = 0
    # A bare id is a topic registered before other kinds were counted here.
    items = {entry if isinstance(entry, tuple) else (TOPIC, entry) for entry in pending}
    for kind, item_id in sorted(items):
        written += _drain(kind, item_id)
    if written:
        cache.add(TOTAL_KEY, 0, timeout=None)
        cache.decr(TOTAL_KEY, written)
    cache.delete(FLUSH_QUEUED_KEY)
    return written


def pending_view_count(item_id: int, kind: str = TOPIC) -> int:
    """Views of an item waiting in the cache (not yet in the database)."""
    return max(cache.get(_counter_key(kind, item_id)) or 0, 0)


@task()
def flush_view_counts_task() -> int:
    """The background form of ``flush_view_counts`` (no arguments; JSON result)."""
    return flush_view_counts()
