"""The Redis cache answers like an empty cache while Redis is away (core/cache.py)."""

import asyncio
import logging
import socket
from unittest import mock

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings

import pytest
from health_check.checks import Cache as CacheCheck
from health_check.exceptions import HealthCheckException
from redis.exceptions import ResponseError

from core import cache as resilient
from core import ratelimit

BACKEND = "core.cache.ResilientRedisCache"


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down():
    """The site's two Redis caches (pages, rate limits), pointed at a Redis that is not running."""
    location = f"redis://127.0.0.1:{_closed_port()}/0"
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    config = {
        "default": {"BACKEND": BACKEND, "LOCATION": location, "OPTIONS": options},
        "limits": {"BACKEND": BACKEND, "LOCATION": location, "KEY_PREFIX": "limits", "OPTIONS": options},
    }
    with override_settings(CACHES=config):  # Django rebuilds its cache handlers on the change
        resilient.ResilientRedisCache._last_warning = 0.0
        yield caches["default"]


def test_reads_miss_and_writes_are_dropped_while_redis_is_down(redis_down):
    assert redis_down.get("k") is None
    assert redis_down.get("k", "fallback") == "fallback"
    assert redis_down.get_many(["a", "b"]) == {}
    assert redis_down.has_key("k") is False
    assert redis_down.set("k", 1) is None
    assert redis_down.add("k", 1) is False
    assert redis_down.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored
    assert redis_down.touch("k") is False
    assert redis_down.delete("k") is False
    assert redis_down.delete_many(["a"]) is None
    assert redis_down.get_or_set("k", 7) == 7


def test_a_counter_starts_again_from_its_first_increment(redis_down):
    assert redis_down.incr("counter") == 1
    assert redis_down.incr("counter", 5) == 5
    assert redis_down.decr("counter", 2) == -2


def test_one_warning_per_outage_interval_not_per_call(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(5):
            redis_down.get("k")
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert len(warnings) == 1
    assert "Redis unavailable" in warnings[0].getMessage()


def test_rate_limits_let_requests_through_while_redis_is_down(redis_down):
    # Failing open is the choice: while Redis is away nobody is locked out or shown a 500.
    assert ratelimit.cache.incr("probe") == 1  # the limits cache degrades too
    for _ in range(5):
        ratelimit.hit(scope="t", who="ip:192.0.2.1", rate="2/m")  # no RateLimited, no error


@pytest.mark.django_db
def test_pages_answer_while_redis_is_down(redis_down):
    response = Client().get("/community/")
    assert response.status_code == 200


def test_the_health_check_still_reports_the_outage(redis_down):
    with pytest.raises(HealthCheckException):
        asyncio.run(CacheCheck().run())


def test_other_redis_errors_still_raise(redis_down):
    with (
        mock.patch.object(RedisCache, "get", side_effect=ResponseError("WRONGTYPE")),
        pytest.raises(ResponseError),
    ):
        redis_down.get("k")
