"""Django's Redis cache, made to degrade instead of failing the request while Redis is away.

Everything the site keeps in the cache can be recomputed or is best-effort: cached pages and
fragments (rebuilt from the database), rate-limit counters, buffered view counts, search
vocabulary. Django's ``RedisCache`` raises ``redis.ConnectionError`` from every call when the
server is restarting or unreachable, which turned every page into a 500 for as long as Redis was
down. This backend answers as if the cache were empty instead: reads miss, writes are dropped,
counters start again from one. So while Redis is down pages are rendered from the database,
rate limits are not enforced, and a few view counts are lost; the site itself keeps answering.

Only connection and timeout errors are absorbed (``BusyLoadingError``, Redis loading its
snapshot after a restart, is one of them); any other Redis error is a bug and still raises.
Each process logs one warning per ``LOG_EVERY`` seconds of outage, not one per call. The
health check still fails while Redis is away (its write-then-read finds nothing), so monitors
see the outage.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY = 10.0  # seconds between two warnings of one process during an outage


def _degrade(fallback: Callable[..., Any]):
    """Run the cache call; when Redis cannot be reached, log (rarely) and return
    ``fallback(*args, **kwargs)``, what an empty cache would have answered."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                self._unavailable(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that answers like an empty cache while
    Redis cannot be reached (see the module docstring)."""

    _last_warning = 0.0

    def _unavailable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= LOG_EVERY:
            ResilientRedisCache._last_warning = now
            logger.warning("Redis unavailable (%s: %s): answering as an empty cache", operation, exc)

    @_degrade(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_degrade(lambda keys, version=None: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_degrade(lambda key, version=None: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_degrade(lambda key, value, timeout=DEFAULT_TIMEOUT, version=None: False)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_degrade(lambda key, value, timeout=DEFAULT_TIMEOUT, version=None: None)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_degrade(lambda data, timeout=DEFAULT_TIMEOUT, version=None: list(data))
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_degrade(lambda key, timeout=DEFAULT_TIMEOUT, version=None: False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_degrade(lambda key, version=None: False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_degrade(lambda keys, version=None: None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    # A counter that cannot be read starts again: the caller sees its first increment.
    @_degrade(lambda key, delta=1, version=None: delta)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_degrade(lambda: False)
    def clear(self):
        return super().clear()
