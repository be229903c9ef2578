"""Writes of the search features: the search log.

Logging must never slow a search down noticeably nor break it: entries are buffered in the
process and written with one ``bulk_create`` when ``SEARCH_LOG_BUFFER_SIZE`` entries have
gathered or ``SEARCH_LOG_FLUSH_SECONDS`` have passed since the last write (and at process
exit). A crash may lose the few entries in the buffer; that is the price of not writing on
every request. ``SEARCH_LOG_ENABLED = False`` turns logging off.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from search.models import SearchLogEntry
from search.text import normalise_query

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_buffer: list[SearchLogEntry] = []
_last_flush = time.monotonic()


def _normalised_for_log(query: str) -> str:
    return normalise_query(query).lower()[:200]


def search_log_record(*, query: str, result_count: int, source: str) -> None:
    """Note one search (normalised, lower-cased) for the content-gaps report."""
    global _last_flush
    if not getattr(settings, "SEARCH_LOG_ENABLED", True):
        return
    text = _normalised_for_log(query)
    if not text:
        return
    entry = SearchLogEntry(query=text, result_count=max(0, int(result_count)), source=source)
    with _lock:
        _buffer.append(entry)
        due = len(_buffer) >= getattr(settings, "SEARCH_LOG_BUFFER_SIZE", 20) or (
            time.monotonic() - _last_flush >= getattr(settings, "SEARCH_LOG_FLUSH_SECONDS", 30)
        )
    if due:
        search_log_flush()


def search_log_flush() -> int:
    """Write the buffered entries now; returns how many were written."""
    global _last_flush
    with _lock:
        entries = list(_buffer)
        _buffer.clear()
        _last_flush = time.monotonic()
    if not entries:
        return 0
    try:
        SearchLogEntry.objects.bulk_create(entries, batch_size=500)
    except DatabaseError:  # the log is best effort: a search never fails because of it
        logger.warning("Could not write %d search log entries", len(entries), exc_info=True)
        return 0
    return len(entries)


def search_log_discard() -> None:
    """Drop buffered entries without writing them (tests start from an empty buffer)."""
    with _lock:
        _buffer.clear()


def search_log_pending() -> int:
    with _lock:
        return len(_buffer)


def search_log_prune(*, days: int | None = None) -> int:
    """Delete log entries older than ``days`` (default ``SEARCH_LOG_RETENTION_DAYS``, 90)."""
    if days is None:
        days = getattr(settings, "SEARCH_LOG_RETENTION_DAYS", 90)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = SearchLogEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _flush_at_exit() -> None:
    try:
        search_log_flush()
    except Exception:  # noqa: BLE001 - the interpreter is going away; never raise here
        logger.debug("search log not flushed at exit", exc_info=True)


atexit.register(_flush_at_exit)
