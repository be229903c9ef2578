"""The site's one rate-limit helper (core/ratelimit.py)."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

import pytest

from core import ratelimit


def test_parse_rate_reads_allauth_style_rates():
    assert ratelimit.parse_rate("10/m") == ratelimit.Rate(10, 60)
    assert ratelimit.parse_rate("5/30s") == ratelimit.Rate(5, 30)
    assert ratelimit.parse_rate("100/h") == ratelimit.Rate(100, 3600)
    assert ratelimit.parse_rate("0") is None and ratelimit.parse_rate("") is None


def test_parse_rate_refuses_a_malformed_rate_by_name():
    with pytest.raises(ValueError, match="ten a minute"):
        ratelimit.parse_rate("ten a minute")


def test_configured_rates_all_parse(settings):
    for name in ("SEARCH_RATE_LIMIT", "SIMILAR_RATE_LIMIT", "PREVIEW_RATE_LIMIT", "FORUM_POST_RATE_LIMIT"):
        assert ratelimit.parse_rate(getattr(settings, name)) is not None, name


def test_hit_refuses_over_the_limit_with_a_message_and_keeps_others_apart():
    for _ in range(3):
        ratelimit.hit(scope="t", who="ip:192.0.2.1", rate="3/m", message="Slow down.")
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.hit(scope="t", who="ip:192.0.2.1", rate="3/m", message="Slow down.")
    assert str(refused.value).startswith("Slow down. Please wait ") and refused.value.retry_after >= 1
    ratelimit.hit(scope="t", who="ip:192.0.2.2", rate="3/m")  # another client
    ratelimit.hit(scope="other", who="ip:192.0.2.1", rate="3/m")  # another limit


def test_hit_keys_stay_short_whatever_the_key():
    from django.core.cache import caches

    ratelimit.hit(scope="t", who="x" * 10_000, rate="1/m")
    keys = [k for k in caches["limits"]._cache if ":rl:t:" in k]  # LocMem in tests
    assert keys and all(len(k) < 120 for k in keys)


@pytest.mark.django_db
def test_throttle_answers_429_with_the_message_and_retry_after(settings):
    settings.SOME_RATE = "1/m"

    @ratelimit.throttle("t", rate_setting="SOME_RATE", message="Easy there.")
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
    request.user = AnonymousUser()
    assert view(request).status_code == 200
    refused = view(request)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert b"Easy there." in refused.content
    other = RequestFactory().get("/", REMOTE_ADDR="192.0.2.2")
    other.user = AnonymousUser()
    assert view(other).status_code == 200
