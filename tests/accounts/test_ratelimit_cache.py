"""Finding 7 of the 2026-12 security review: flooding the page cache evicted the login lockout.

Pages, fragments and search results go to the "default" cache, which any visitor can fill (every
distinct address is a new entry) until it evicts. Rate-limit counters, the site's and allauth's,
now live in the "limits" cache, so nothing a visitor does to the default cache resets a lockout.
"""

from django.core.cache import caches
from django.urls import reverse

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit

from core import ratelimit
from tests.factories import PASSWORD, UserFactory


def test_allauth_counts_in_the_limits_cache():
    # If allauth renames the module-level cache it counts in, this fails (accounts/apps.py).
    assert allauth_ratelimit.cache is ratelimit.cache
    ratelimit.cache.set("probe", 1)
    assert caches["limits"].get("probe") == 1 and caches["default"].get("probe") is None


def test_without_a_limits_alias_the_default_cache_counts(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "only"}
    }
    ratelimit.cache.set("probe", 2)
    assert caches["default"].get("probe") == 2


@pytest.mark.django_db
def test_emptying_the_page_cache_does_not_lift_a_login_lockout(client):
    UserFactory(username="priya")
    for attempt in range(12):
        client.post(reverse("account_login"), {"login": "priya", "password": f"wrong-{attempt}"})
    caches["default"].clear()  # what a flood of distinct page addresses does to a full cache
    response = client.post(reverse("account_login"), {"login": "priya", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_emptying_the_page_cache_does_not_reset_the_sites_own_limits():
    for _ in range(3):
        ratelimit.hit(scope="flood-test", who="a:203.0.113.5", rate="3/m")
    caches["default"].clear()
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.hit(scope="flood-test", who="a:203.0.113.5", rate="3/m")
    caches["limits"].clear()  # and the counters are there, not in the default cache
    ratelimit.hit(scope="flood-test", who="a:203.0.113.5", rate="3/m")
