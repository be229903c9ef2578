"""Counting topic views: once per visitor per topic per window (an hour), without a database
write on every request.

How it works:

* A visitor is the signed-in user, else the session, else the address and browser together;
  the cache only ever holds a keyed hash of that (``salted_hmac``), for ``FORUM_VIEW_WINDOW``
  seconds, and nothing about the visitor is written to the database.
* The first view in the window does ``cache.add`` of the visitor's key; later ones find it and
  count nothing. Obvious robots (user agents naming a bot, crawler or spider) are not counted.
* Counted views are buffered in the cache: one atomic ``incr`` of a per-topic counter. The first
  increment after a flush registers the topic in a small "pending" set (under a short cache
  lock, so about once per topic per flush, not per view).
* ``flush_view_counts()`` moves the buffered numbers into ``Topic.view_count`` with one atomic
  ``F()`` update per topic, subtracting exactly what it wrote from the cache counter, so views
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

import logging
import re
import time

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


def _counter_key(topic_id: int) -> str:
    return f"{PREFIX}:topic:{topic_id}"


def visitor_key(request: HttpRequest) -> str:
    """A keyed hash naming the visitor: user id, else session key, else address + browser."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        raw = f"u:{user.pk}"
    else:
        session = getattr(request, "session", None)
        session_key = getattr(session, "session_key", None)
        if session_key:
            raw = f"s:{session_key}"
        else:
            raw = f"a:{client_ip(request)}|{request.META.get('HTTP_USER_AGENT', '')[:300]}"
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


def _register(topic_id: int) -> None:
    def add():
        pending = cache.get(PENDING_KEY) or set()
        pending.add(topic_id)
        cache.set(PENDING_KEY, pending, timeout=None)

    _locked(add)


def _take_pending() -> set[int]:
    def take():
        pending = cache.get(PENDING_KEY) or set()
        cache.delete(PENDING_KEY)
        return pending

    return _locked(take)


def _write(topic_id: int, count: int) -> None:
    Topic.objects.filter(pk=topic_id).update(view_count=F("view_count") + count)


def _drain(topic_id: int) -> int:
    """Move the buffered views of one topic to the database; return how many."""
    key = _counter_key(topic_id)
    count = cache.get(key) or 0
    if count <= 0:
        return 0
    try:
        left = cache.decr(key, count)
    except ValueError:  # evicted between get and decr: nothing we can move safely
        return 0
    _write(topic_id, count)
    if left > 0:
        # Views arrived during the drain; none of them saw the counter at 1, so re-register.
        try:
            _register(topic_id)
        except _Busy:
            return count + _drain(topic_id)
    return count


def topic_record_view(*, request: HttpRequest, topic) -> bool:
    """Count a view of ``topic`` by the visitor behind ``request`` (at most once per window).

    Return True when the view was counted. Never raises for cache trouble: counting views must
    not break the page.
    """
    if request.method not in ("GET",) or ROBOT_RE.search(request.META.get("HTTP_USER_AGENT", "")):
        return False
    cache = caches["default"]
    if isinstance(cache, DummyCache):
        _write(topic.pk, 1)
        return True
    try:
        if not cache.add(f"{PREFIX}:seen:{topic.pk}:{visitor_key(request)}", 1, timeout=_window()):
            return False
        key = _counter_key(topic.pk)
        cache.add(key, 0, timeout=None)
        if cache.incr(key) == 1:
            try:
                _register(topic.pk)
            except _Busy:
                _drain(topic.pk)
                return True
        cache.add(TOTAL_KEY, 0, timeout=None)
        if cache.incr(TOTAL_KEY) >= _threshold() and cache.add(FLUSH_QUEUED_KEY, 1, timeout=300):
            flush_view_counts_task.enqueue()
    except Exception:  # a cache outage costs a view, never the page
        logger.exception("Could not record a view of topic %s", topic.pk)
        return False
    return True


def flush_view_counts() -> int:
    """Write every buffered view to ``Topic.view_count``; return the number of views written."""
    try:
        pending = _take_pending()
    except _Busy:
        logger.warning("View counts not flushed: the pending set stayed locked")
        return 0
    written = 0
    for topic_id in sorted(pending):
        written += _drain(topic_id)
    if written:
        cache.add(TOTAL_KEY, 0, timeout=None)
        cache.decr(TOTAL_KEY, written)
    cache.delete(FLUSH_QUEUED_KEY)
    return written


def pending_view_count(topic_id: int) -> int:
    """Views of ``topic_id`` waiting in the cache (not yet in ``Topic.view_count``)."""
    return max(cache.get(_counter_key(topic_id)) or 0, 0)


@task()
def flush_view_counts_task() -> int:
    """The background form of ``flush_view_counts`` (no arguments; JSON result)."""
    return flush_view_counts()
