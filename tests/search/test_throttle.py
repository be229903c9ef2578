"""Finding 17 of the 2026-12 security review: search and similar questions are throttled
per client (core/ratelimit.py, keyed by core/clientip.py)."""

from django.urls import reverse

import pytest

from search.models import SearchLogEntry

PROXY = "10.0.0.1"


@pytest.fixture
def throttled(settings):
    settings.SEARCH_RATE_LIMIT = "3/m"
    settings.SIMILAR_RATE_LIMIT = "3/m"
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SEARCH_LOG_BUFFER_SIZE = 1  # each logged search is written at once


def _get(client, url, client_address, **params):
    return client.get(url, params, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


@pytest.mark.django_db
def test_search_is_throttled_per_client_with_a_clear_429(client, throttled):
    for n in range(3):
        assert _get(client, reverse("search:index"), "203.0.113.9", q=f"invoice {n}").status_code == 200
    logged = SearchLogEntry.objects.count()
    refused = _get(client, reverse("search:index"), "203.0.113.9", q="invoice again")
    assert refused.status_code == 429
    assert "You have searched a lot in a short time. Please wait" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    assert SearchLogEntry.objects.count() == logged  # the refused search ran nothing, logged nothing
    # Another client behind the same proxy searches on.
    assert _get(client, reverse("search:index"), "198.51.100.7", q="invoice").status_code == 200


@pytest.mark.django_db
def test_empty_search_page_is_not_counted(client, throttled):
    for _ in range(5):
        assert _get(client, reverse("search:index"), "203.0.113.9").status_code == 200


@pytest.mark.django_db
def test_similar_questions_are_throttled_per_client_as_json(client, throttled):
    for n in range(3):
        assert _get(client, reverse("search:similar"), "203.0.113.9", q=f"printer {n}").status_code == 200
    refused = _get(client, reverse("search:similar"), "203.0.113.9", q="printer again")
    assert refused.status_code == 429
    assert "Too many look-ups for similar questions" in refused.json()["error"]
    assert _get(client, reverse("search:similar"), "198.51.100.7", q="printer").status_code == 200


@pytest.mark.django_db
def test_the_apis_search_shares_the_pages_limit_and_answers_a_problem(client, throttled):
    """The API is no road around the limit: two searches on the page and one through the API
    use up a budget of three, for that client only."""
    for n in range(2):
        assert _get(client, reverse("search:index"), "203.0.113.9", q=f"invoice {n}").status_code == 200
    assert _get(client, "/api/v1/search", "203.0.113.9", q="invoice").status_code == 200
    logged = SearchLogEntry.objects.count()
    refused = _get(client, "/api/v1/search", "203.0.113.9", q="invoice again")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "You have searched a lot in a short time" in refused.json()["detail"]
    assert int(refused["Retry-After"]) >= 1
    assert SearchLogEntry.objects.count() == logged
    assert _get(client, reverse("search:index"), "203.0.113.9", q="invoice").status_code == 429
    assert _get(client, "/api/v1/search", "198.51.100.7", q="invoice").status_code == 200


@pytest.mark.django_db
def test_the_apis_similar_questions_share_the_pages_limit(client, throttled):
    assert _get(client, reverse("search:similar"), "203.0.113.9", q="printer").status_code == 200
    for n in range(2):
        assert _get(client, "/api/v1/similar", "203.0.113.9", q=f"printer {n}").status_code == 200
    refused = _get(client, "/api/v1/similar", "203.0.113.9", q="printer again")
    assert refused.status_code == 429
    assert "Too many look-ups for similar questions" in refused.json()["detail"]
    assert int(refused["Retry-After"]) >= 1
    assert _get(client, "/api/v1/similar", "198.51.100.7", q="printer").status_code == 200


@pytest.mark.django_db
def test_the_apis_reads_are_unlimited_when_the_limit_is_off(client, settings):
    settings.SEARCH_RATE_LIMIT = "0"
    settings.SIMILAR_RATE_LIMIT = "0"
    for n in range(8):
        assert _get(client, "/api/v1/search", "203.0.113.9", q=f"invoice {n}").status_code == 200
        assert _get(client, "/api/v1/similar", "203.0.113.9", q=f"printer {n}").status_code == 200
