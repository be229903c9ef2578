"""The search features the project relies on, run against every backend it supports.

Each test runs twice: on the project's whoosh backend and on Wagtail's database backend, so
switching ``SEARCH_BACKEND`` is proven not to break search.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from wagtail.models import Page
from wagtail.search import index
from wagtail.search.backends import get_search_backend
from wagtail.search.query import MATCH_ALL, And, Not, Or, Phrase, PlainText

import pytest

from forum.models import Category, Topic
from tests.factories import CategoryFactory, PostFactory, TopicFactory

BACKENDS = {
    "whoosh": {"BACKEND": "search.backends.whoosh"},
    "database": {"BACKEND": "wagtail.search.backends.database"},
}


@pytest.fixture(params=sorted(BACKENDS))
def backend_name(request, settings, tmp_path, db):
    conf = dict(BACKENDS[request.param])
    if request.param == "whoosh":
        conf["PATH"] = tmp_path / "index"
    settings.WAGTAILSEARCH_BACKENDS = {"default": conf}
    return request.param


def topic(title: str, body: str = "", **fields) -> Topic:
    created = TopicFactory(title=title, body=body or f"Details: {title.lower()}", **fields)
    return Topic.objects.get(pk=created.pk)


def titles(results) -> list[str]:
    return [obj.title for obj in results]


@pytest.fixture
def library(backend_name):
    """A handful of topics in two categories with different kinds, statuses and dates."""
    billing = CategoryFactory(name="Billing", slug="billing")
    sync = CategoryFactory(name="Sync", slug="sync")
    now = timezone.now()
    return {
        "billing": billing,
        "sync": sync,
        "invoice": topic(
            "Download all invoices as PDF",
            "Where is the export button for invoices?",
            category=billing,
            status=Topic.Status.SOLVED,
            created_at=now - datetime.timedelta(days=30),
        ),
        "refund": topic(
            "Refund for a double charge",
            "I was charged twice this month.",
            category=billing,
            status=Topic.Status.OPEN,
            created_at=now - datetime.timedelta(days=10),
        ),
        "conflict": topic(
            "Sync conflict on shared folders",
            "Two laptops edit the same file and one copy is renamed.",
            category=sync,
            status=Topic.Status.ANSWERED,
            kind=Topic.Kind.PROBLEM,
            created_at=now - datetime.timedelta(days=2),
        ),
        "offline": topic(
            "Offline files on Android",
            "Offline sync uses too much space on the phone.",
            category=sync,
            status=Topic.Status.OPEN,
            created_at=now - datetime.timedelta(days=1),
        ),
    }


def test_search_finds_topic_by_title_and_question(library):
    assert titles(Topic.objects.search("invoices")) == ["Download all invoices as PDF"]
    assert titles(Topic.objects.search("charged twice")) == ["Refund for a double charge"]


def test_search_finds_nothing_for_unknown_words(library):
    results = Topic.objects.search("zebra")
    assert list(results) == []
    assert results.count() == 0


def test_search_update_is_indexed(library):
    invoice = library["invoice"]
    invoice.title = "Export receipts in bulk"
    invoice.save()
    index.insert_or_update_object(invoice)  # what the one index task does after a change
    assert titles(Topic.objects.search("receipts")) == ["Export receipts in bulk"]
    assert "Export receipts in bulk" not in titles(Topic.objects.search("download"))


def test_search_deleted_topic_is_not_found(library):
    library["refund"].delete()
    assert list(Topic.objects.search("refund")) == []


def test_search_hidden_topic_is_filtered_out(library):
    Topic.objects.filter(pk=library["offline"].pk).update(is_hidden=True)
    library["offline"].refresh_from_db()
    index.insert_or_update_object(library["offline"])  # reindexed as hidden
    visible = Topic.objects.filter(is_hidden=False).search("offline")
    assert list(visible) == []
    assert visible.count() == 0
    assert titles(Topic.objects.filter(is_hidden=True).search("offline")) == ["Offline files on Android"]


def test_search_filter_exact_and_in(library):
    billing = library["billing"]
    assert set(
        titles(Topic.objects.filter(category_id=billing.pk).search("charge invoices", operator="or"))
    ) == {
        "Download all invoices as PDF",
        "Refund for a double charge",
    }
    solved_or_answered = Topic.objects.filter(status__in=["solved", "answered"]).search(MATCH_ALL)
    assert set(titles(solved_or_answered)) == {
        "Download all invoices as PDF",
        "Sync conflict on shared folders",
    }


def test_search_filter_ranges_on_dates(library):
    now = timezone.now()
    recent = Topic.objects.filter(created_at__gte=now - datetime.timedelta(days=5)).search(MATCH_ALL)
    assert set(titles(recent)) == {"Sync conflict on shared folders", "Offline files on Android"}
    older = Topic.objects.filter(created_at__lt=now - datetime.timedelta(days=5)).search(MATCH_ALL)
    assert set(titles(older)) == {"Download all invoices as PDF", "Refund for a double charge"}
    between = Topic.objects.filter(
        created_at__range=(now - datetime.timedelta(days=15), now - datetime.timedelta(days=5))
    ).search(MATCH_ALL)
    assert titles(between) == ["Refund for a double charge"]
    last_three_days = Topic.objects.filter(
        created_at__gt=now - datetime.timedelta(days=3), created_at__lte=now
    ).search("sync")
    assert set(titles(last_three_days)) == {"Sync conflict on shared folders", "Offline files on Android"}


def test_search_filter_q_combinations_and_negation(library):
    either = Topic.objects.filter(Q(status="solved") | Q(kind="problem")).search(MATCH_ALL)
    assert set(titles(either)) == {"Download all invoices as PDF", "Sync conflict on shared folders"}
    not_open = Topic.objects.exclude(status="open").search(MATCH_ALL)
    assert set(titles(not_open)) == {"Download all invoices as PDF", "Sync conflict on shared folders"}


def test_search_filter_isnull(library):
    assert Topic.objects.filter(category_id__isnull=False).search(MATCH_ALL).count() == 4


def test_search_filter_on_unindexed_field_is_refused(library):
    from wagtail.search.backends.base import FilterFieldError

    with pytest.raises(FilterFieldError):
        Topic.objects.filter(view_count=3).search("sync")


def test_search_and_or_operators(library):
    assert titles(Topic.objects.search("offline android", operator="and")) == ["Offline files on Android"]
    assert set(titles(Topic.objects.search("offline invoices", operator="or"))) == {
        "Offline files on Android",
        "Download all invoices as PDF",
    }
    assert list(Topic.objects.search("offline invoices", operator="and")) == []


def test_search_query_objects_and_or_not(library):
    assert titles(Topic.objects.search(And([PlainText("sync"), PlainText("conflict")]))) == [
        "Sync conflict on shared folders"
    ]
    assert set(titles(Topic.objects.search(Or([PlainText("refund"), PlainText("android")])))) == {
        "Refund for a double charge",
        "Offline files on Android",
    }
    assert titles(Topic.objects.search(And([PlainText("sync"), Not(PlainText("conflict"))]))) == [
        "Offline files on Android"
    ]


def test_search_phrase(library):
    assert titles(Topic.objects.search(Phrase("double charge"))) == ["Refund for a double charge"]
    assert list(Topic.objects.search(Phrase("charge double"))) == []


def test_search_facets(library):
    facets = Topic.objects.search(MATCH_ALL).facet("status")
    assert dict(facets) == {"open": 2, "solved": 1, "answered": 1}
    assert next(iter(facets)) == "open"  # most frequent first
    by_category = Topic.objects.search("sync").facet("category_id")
    assert dict(by_category) == {library["sync"].pk: 2}


def test_search_order_by_field(library):
    newest_first = Topic.objects.order_by("-created_at").search(MATCH_ALL, order_by_relevance=False)
    assert titles(newest_first) == [
        "Offline files on Android",
        "Sync conflict on shared folders",
        "Refund for a double charge",
        "Download all invoices as PDF",
    ]
    oldest_first = Topic.objects.search(MATCH_ALL, order_by="created_at")
    assert titles(oldest_first)[0] == "Download all invoices as PDF"


def test_search_count_and_slicing(library):
    for n in range(12):
        topic(f"Printer driver question {n}", "How do I install the printer driver?")
    results = Topic.objects.search("printer")
    assert results.count() == 12
    page = results[5:10]
    assert len(list(page)) == 5
    assert page.count() == 5
    all_titles = titles(results)
    assert titles(results[5:10]) == all_titles[5:10]
    assert titles(results[10:20]) == all_titles[10:]
    assert results[0].title == all_titles[0]


def test_search_pagination_with_django_paginator(library):
    from django.core.paginator import Paginator

    for n in range(7):
        topic(f"Webhook retries {n}")
    paginator = Paginator(Topic.objects.search("webhook"), 3)
    assert paginator.count == 7
    assert paginator.num_pages == 3
    assert len(paginator.page(3).object_list) == 1


def test_search_annotate_score(library):
    results = list(Topic.objects.search("sync").annotate_score("score"))
    assert results
    # Each backend has its own scale (SQLite's bm25() is negative); all give numbers.
    assert all(isinstance(obj.score, (int, float)) for obj in results)


def test_search_answer_text_is_indexed(backend_name):
    question = topic("App crashes on start", "It closes right away.")
    reply = PostFactory(
        topic=question, source="Clear the cache folder then restart.", text="Clear the cache folder"
    )
    question.official_answer = reply
    question.save()
    index.insert_or_update_object(question)
    assert list(Topic.objects.search("cache")) == [question]


def test_autocomplete_matches_title_prefixes(library):
    assert titles(Topic.objects.autocomplete("andr")) == ["Offline files on Android"]
    assert set(titles(Topic.objects.autocomplete("sy"))) == {"Sync conflict on shared folders"}
    assert titles(Topic.objects.filter(status="open").autocomplete("refu")) == ["Refund for a double charge"]


def test_categories_are_searchable(library):
    assert list(Category.objects.search("billing")) == [library["billing"]]
    assert list(Category.objects.autocomplete("bil")) == [library["billing"]]


def test_page_search_finds_live_child_pages(backend_name):
    root = Page.objects.get(depth=1)
    from home.models import HomePage

    home = root.add_child(instance=HomePage(title="Welcome to the help centre", slug="welcome"))
    draft = home.add_child(instance=Page(title="Unpublished help draft", slug="draft", live=False))
    assert Page.objects.live().search("help").count() == 1
    assert list(Page.objects.live().search("help")) == [Page.objects.get(pk=home.pk)]
    assert Page.objects.get(pk=draft.pk) in list(Page.objects.search("help"))
    assert list(HomePage.objects.search("welcome")) == [home]


def test_search_backend_is_the_configured_one(backend_name):
    from search.backends.whoosh import SearchBackend as WhooshBackend

    assert isinstance(get_search_backend(), WhooshBackend) == (backend_name == "whoosh")


def test_page_search_finds_faq_articles_by_their_answer(backend_name):
    from tests.search.helpers import faq_article

    if not Page.objects.filter(depth=2).exists():
        from home.models import HomePage

        Page.objects.get(depth=1).add_child(instance=HomePage(title="Home", slug="home-page"))
    article = faq_article("Reset a forgotten password", answer_html="<p>Use the recovery link we email.</p>")
    draft = faq_article(
        "Recovery codes for two-factor login", answer_html="<p>Recovery codes.</p>", live=False
    )
    found = list(Page.objects.live().search("recovery"))
    assert Page.objects.get(pk=article.pk) in found
    assert Page.objects.get(pk=draft.pk) not in found
