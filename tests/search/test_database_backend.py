"""``SEARCH_BACKEND=database``: the database's own full-text search serves the whole site.

The feature suites (test_search_page, test_similar, tests/api) already run on this backend
through the ``search_backend`` fixture; this module proves which engine that is (PostgreSQL's
full-text search on PostgreSQL, as CI runs it; SQLite's FTS5 on SQLite), runs the features once
end to end on it, and shows that a backend without facets degrades with no error.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from wagtail.search.backends import get_search_backend

import pytest

from forum.models import Topic
from search.selectors import similar_questions
from tests.factories import CategoryFactory
from tests.search.helpers import faq_article, make_topic

DATABASE = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}}
API = "/api/v1"


@pytest.fixture
def database_backend(settings, db):
    settings.WAGTAILSEARCH_BACKENDS = DATABASE
    settings.SEARCH_LOG_ENABLED = False


def test_database_backend_is_the_databases_own_full_text_search(database_backend):
    backend = type(get_search_backend())
    if connection.vendor == "postgresql":
        assert backend.__name__ == "PostgresSearchBackend"
        assert apps.is_installed("django.contrib.postgres")
    else:
        assert backend.__name__ == "SQLiteSearchBackend"
        assert not apps.is_installed("django.contrib.postgres")


@pytest.fixture
def library(database_backend):
    billing = CategoryFactory(name="Billing", slug="billing")
    shipping = CategoryFactory(name="Shipping", slug="shipping")
    faq_article("How a refund works", summary="A refund reaches your card within five days.")
    make_topic("Refund for a late parcel", "The parcel came two weeks late.", category=shipping)
    make_topic("Refund for a double charge", "I was charged twice.", category=billing)
    make_topic("Refund idea: instant credit", category=billing, kind=Topic.Kind.IDEA, status="in_progress")
    make_topic("Refund for a hidden thing", is_hidden=True, category=billing)
    return {"billing": billing, "shipping": shipping}


def test_search_page_filters_facets_and_spelling_on_the_database_backend(client, library):
    response = client.get("/search/", {"q": "refund"})
    assert response.status_code == 200
    assert {hit.title for hit in response.context["hits"]} == {
        "How a refund works",
        "Refund for a late parcel",
        "Refund for a double charge",
        "Refund idea: instant credit",
    }
    outcome = response.context["outcome"]
    assert outcome.type_counts == {"faq": 1, "question": 2, "idea": 1}
    assert {c.slug: n for c, n in outcome.category_counts} == {"billing": 2, "shipping": 1}
    narrowed = client.get("/search/", {"q": "refund", "category": "billing", "type": "idea"})
    assert [hit.title for hit in narrowed.context["hits"]] == ["Refund idea: instant credit"]
    by_status = client.get("/search/", {"q": "refund", "status": "open"})
    assert {hit.title for hit in by_status.context["hits"]} == {
        "Refund for a late parcel",
        "Refund for a double charge",
    }
    misspelt = client.get("/search/", {"q": "refnud parcel"})
    assert misspelt.context["outcome"].suggestion == "refund parcel"


def test_similar_questions_and_api_search_on_the_database_backend(client, library):
    titles = [item["title"] for item in similar_questions("refund late parcel")]
    # The engine's own relevance decides the order (an FAQ article is boosted), but the topic
    # sharing every word outranks the one sharing a single word, and hidden topics never show.
    assert titles.index("Refund for a late parcel") < titles.index("Refund for a double charge")
    assert "Refund for a hidden thing" not in titles
    data = client.get(f"{API}/search", {"q": "refund", "category": "shipping"}).json()
    assert [item["title"] for item in data["results"]] == ["Refund for a late parcel"]


def test_search_page_without_backend_facets_shows_results_without_counts(client, search_backend, monkeypatch):
    """A backend that cannot count facets (``NotImplementedError``) still serves the page."""
    make_topic("Refund for a late parcel")
    results_class = get_search_backend().results_class

    def no_facets(self, field_name):
        raise NotImplementedError("facets are not supported")

    monkeypatch.setattr(results_class, "facet", no_facets)
    response = client.get("/search/", {"q": "refund"})
    assert response.status_code == 200
    assert [hit.title for hit in response.context["hits"]] == ["Refund for a late parcel"]
    outcome = response.context["outcome"]
    assert not outcome.type_counts and not outcome.category_counts and not outcome.status_counts
