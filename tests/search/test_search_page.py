"""The search page at /search/: mixed results, markers, snippets, facets, spelling, paging."""

from __future__ import annotations

import pytest

from forum.models import Topic
from search import ranking
from search.models import SearchLogEntry
from tests.factories import CategoryFactory
from tests.search.helpers import answer, faq_article, make_topic


def _get(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response, response.content.decode()


def test_search_page_empty_query_shows_clear_page(client, search_backend):
    CategoryFactory(name="Billing", slug="billing")
    response, html = _get(client)
    assert "Search the FAQ and the community" in html
    assert "Billing" in html
    assert "result-list" not in html


def test_search_page_mixes_faq_articles_and_topics_with_markers(client, search_backend):
    faq_article("How do I reset my password?", summary="Use the reset link on the sign-in page.")
    official = make_topic("Password reset email never arrives", "I asked for a password reset twice.")
    answer(official, "Check your spam folder for the reset mail.", official=True)
    solved = make_topic("Reset password on the mobile app", "The password reset button is greyed out.")
    answer(solved, "Update the app, then reset works.", accepted=True)
    make_topic("Password reset link expired", "My password reset link says it expired.")

    response, html = _get(client, q="password reset")
    hits = list(response.context["hits"])
    assert len(hits) == 4
    # Merged by relevance times the documented boost, best first.
    assert [h.final_score for h in hits] == sorted((h.final_score for h in hits), reverse=True)
    for h in hits:
        assert h.final_score == pytest.approx(h.relevance * ranking.boost_for(h))
    assert {h.type for h in hits} == {"faq", "topic"}
    assert "FAQ article" in html
    assert "Official answer" in html
    assert "Solved question" in html
    assert "Open question" in html
    markers = {hit.title: hit.marker for hit in response.context["hits"]}
    assert markers["Password reset email never arrives"] == "official"
    assert markers["Reset password on the mobile app"] == "solved"
    assert markers["Password reset link expired"] == "open"


def test_search_page_finds_categories(client, search_backend):
    CategoryFactory(name="Billing and invoices", slug="billing", description="Payments and refunds.")
    response, html = _get(client, q="invoices")
    assert [hit.type for hit in response.context["hits"]] == ["category"]
    assert "Category" in html


def test_search_page_snippet_highlights_stems_and_escapes_user_text(client, search_backend):
    make_topic(
        "Configuring the export",
        "After configuring <script>alert(1)</script> the exporter, the export file is empty.",
    )
    response, html = _get(client, q="configure <b>export</b>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>configuring</mark>" in html
    assert "<mark>export</mark>" in html
    assert "<b>export</b>" not in html


def test_search_page_facets_narrow_results_with_counts(client, search_backend):
    billing = CategoryFactory(name="Billing", slug="billing")
    shipping = CategoryFactory(name="Shipping", slug="shipping")
    make_topic("Refund for a late parcel", category=shipping)
    make_topic("Refund for a double charge", category=billing)
    make_topic("Refund idea: instant credit", category=billing, kind=Topic.Kind.IDEA, status="in_progress")

    response, html = _get(client, q="refund")
    assert len(response.context["hits"]) == 3
    outcome = response.context["outcome"]
    assert outcome.type_counts == {"question": 2, "idea": 1}
    assert {c.slug: n for c, n in outcome.category_counts} == {"billing": 2, "shipping": 1}
    assert outcome.status_counts == {"open": 2, "in_progress": 1}
    assert "?q=refund&amp;category=billing" in html

    response, _ = _get(client, q="refund", category="billing")
    assert sorted(h.title for h in response.context["hits"]) == [
        "Refund for a double charge",
        "Refund idea: instant credit",
    ]
    response, _ = _get(client, q="refund", category="billing", type="idea")
    assert [h.title for h in response.context["hits"]] == ["Refund idea: instant credit"]
    response, _ = _get(client, q="refund", status="open")
    assert len(response.context["hits"]) == 2


def test_search_page_status_facet_leaves_out_faq_articles(client, search_backend):
    faq_article("Refund policy")
    make_topic("Refund for a late parcel")
    response, _ = _get(client, q="refund", status="open")
    assert [h.type for h in response.context["hits"]] == ["topic"]
    response, _ = _get(client, q="refund", type="faq")
    assert [h.type for h in response.context["hits"]] == ["faq"]


def test_search_page_suggests_spelling_for_misspelt_words(client, search_backend):
    make_topic("Password reset email never arrives")
    response, html = _get(client, q="pasword reset")
    assert response.context["outcome"].suggestion == "password reset"
    assert "Did you mean" in html and "?q=password+reset" in html


def test_search_page_offers_no_suggestion_for_known_words(client, search_backend):
    make_topic("Password reset email never arrives")
    response, html = _get(client, q="password")
    assert response.context["outcome"].suggestion is None
    assert "Did you mean" not in html


def test_search_page_paginates(client, search_backend, settings):
    settings.SEARCH_RESULTS_PER_PAGE = 3
    for n in range(7):
        make_topic(f"Printer driver problem {n}")
    response, html = _get(client, q="printer")
    assert len(response.context["hits"]) == 3
    assert "Page 1 of 3" in html and "page=2" in html
    response, _ = _get(client, q="printer", page="3")
    assert len(response.context["hits"]) == 1
    response, _ = _get(client, q="printer", page="abc")
    assert response.context["page_obj"].number == 1
    response, _ = _get(client, q="printer", page="999")
    assert response.context["page_obj"].number == 3


def test_search_page_empty_state_offers_to_ask_the_question(client, search_backend):
    make_topic("Printer driver problem")
    response, html = _get(client, q="quantum teleporter")
    assert response.context["outcome"].total == 0
    assert "No one has asked this yet" in html
    assert "/community/ask/?title=quantum+teleporter" in html


def test_search_page_falls_back_to_any_word_when_all_words_find_nothing(client, search_backend):
    make_topic("Printer driver problem")
    response, html = _get(client, q="printer teleporter")
    assert [h.title for h in response.context["hits"]] == ["Printer driver problem"]
    assert "No results contain all of your words" in html


def test_search_page_never_shows_hidden_topics(client, search_backend, moderator):
    make_topic("Secret refund trick", is_hidden=True)
    make_topic("Refund for a late parcel")
    response, html = _get(client, q="refund")
    assert [h.title for h in response.context["hits"]] == ["Refund for a late parcel"]
    assert "Secret refund trick" not in html
    client.force_login(moderator)  # moderators search what everyone searches (the shared results)
    response, html = _get(client, q="refund")
    assert "for a late parcel" in html and "Secret" not in html  # titles are highlighted


def test_signed_in_search_shares_the_rendered_results_until_the_content_changes(
    client, search_backend, customer, settings, tmp_path
):
    from forum import cache as page_cache

    settings.FORUM_PAGE_CACHE_STAMP = tmp_path / "stamp"
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    make_topic("Refund for a late parcel")
    client.force_login(customer)
    first, html = _get(client, q="refund")
    assert "hits" in first.context and "for a late parcel" in html  # titles are highlighted
    again, html = _get(client, q="refund")
    assert "hits" not in again.context  # the results were not rendered again
    assert "for a late parcel" in html and again["X-Search-Results"] == "1"
    make_topic("Refund for a damaged parcel")
    fresh, html = _get(client, q="refund")
    assert "for a damaged parcel" in html and fresh["X-Search-Results"] == "2"
    assert page_cache.HEADER not in fresh  # signed-in pages themselves are never page-cached


def test_search_page_never_shows_unpublished_or_private_pages(client, search_backend):
    from wagtail.models import PageViewRestriction

    faq_article("Refund policy draft", live=False)
    private = faq_article("Refund policy for partners")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    faq_article("Refund policy")
    response, html = _get(client, q="refund policy")
    assert [h.title for h in response.context["hits"]] == ["Refund policy"]
    assert "draft" not in html and "partners" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": "refund " * 2000},
        {"q": "?!.,;:()[]{}\"'*"},
        {"q": "refund", "type": "bogus", "status": "nope", "category": "no-such-category"},
        {"q": "refund", "page": "abc"},
        {"q": "refund", "page": "-1"},
        {"q": 'refund AND (OR "unbalanced'},
        {"q": "<script>alert(1)</script>"},
        {"q": "\x00\x01refund"},
        {"q": "refund", "category": "x" * 500},
    ],
)
def test_search_page_bad_input_never_crashes(client, search_backend, params):
    make_topic("Refund for a late parcel")
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_page_punctuation_only_explains_itself(client, search_backend):
    response, html = _get(client, q="?!...")
    assert "Nothing to search for" in html


def test_search_page_logs_first_page_searches(client, search_backend):
    make_topic("Refund for a late parcel")
    _get(client, q="  Refund  ")
    _get(client, q="refund", page="2")
    _get(client, q="nothing matches this")
    rows = list(SearchLogEntry.objects.order_by("id").values_list("query", "result_count", "source"))
    assert rows == [("refund", 1, "page"), ("nothing matches this", 0, "page")]


def test_search_page_query_count_is_bounded(client, search_backend, django_assert_max_num_queries, settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0  # measure the search itself, not a cached page
    faq_article("Refund policy")
    for n in range(12):
        make_topic(f"Refund question {n}")
    _get(client, q="refund")  # warm the spelling vocabulary and the site root cache
    with django_assert_max_num_queries(16):
        _get(client, q="refund")


def test_search_page_serves_anonymous_repeats_from_the_page_cache_and_still_logs_them(
    client, search_backend, django_assert_max_num_queries
):
    make_topic("Refund for a late parcel")
    first, _ = _get(client, q="refund")
    with django_assert_max_num_queries(1):  # only the search log's write (buffer of one here)
        second, html = _get(client, q="refund")
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert "for a late parcel" in html
    rows = list(SearchLogEntry.objects.order_by("id").values_list("query", "result_count", "source"))
    assert rows == [("refund", 1, "page"), ("refund", 1, "page")]


def test_search_page_cache_drops_the_page_when_content_changes(client, search_backend):
    make_topic("Refund for a late parcel")
    _get(client, q="refund")
    make_topic("Refund of a double charge")
    response, html = _get(client, q="refund")
    assert response["X-Page-Cache"] == "miss"
    assert "of a double charge" in html


def test_search_page_is_never_cached_for_signed_in_members(client, search_backend, django_user_model):
    make_topic("Refund for a late parcel")
    client.force_login(django_user_model.objects.create_user("reader", "reader@example.com", "pw-12345678"))
    first, _ = _get(client, q="refund")
    second, _ = _get(client, q="refund")
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second


def test_search_page_shows_corrected_results_when_the_typed_words_find_nothing(client, search_backend):
    make_topic("Password reset email never arrives")
    response, html = _get(client, q="pasword")
    outcome = response.context["outcome"]
    assert outcome.corrected_from == "pasword" and outcome.query == "password"
    assert [h.title for h in response.context["hits"]] == ["Password reset email never arrives"]
    assert "Nothing matched “pasword”" in html and "spell=0" in html
    response, html = _get(client, q="pasword", spell="0")
    assert response.context["outcome"].total == 0
    assert "Did you mean" in html


def test_search_page_does_not_correct_other_forms_of_known_words(client, search_backend):
    make_topic("Download all invoices", "Every invoice as a PDF.")
    response, html = _get(client, q="invoice")
    assert response.context["outcome"].suggestion is None
    assert "Did you mean" not in html
    assert [h.title for h in response.context["hits"]] == ["Download all invoices"]


def test_search_outcome_is_reused_until_the_content_changes(
    client, search_backend, django_user_model, monkeypatch
):
    from search import selectors

    make_topic("Refund for a late parcel")
    client.force_login(django_user_model.objects.create_user("reader", "reader@example.com", "pw-12345678"))
    runs = []
    real = selectors.site_search
    monkeypatch.setattr(selectors, "site_search", lambda *a, **k: runs.append(a[0]) or real(*a, **k))
    _get(client, q="refund")
    _get(client, q="refund")
    assert runs == ["refund"]
    make_topic("Refund of a double charge")
    _, html = _get(client, q="refund")
    assert runs == ["refund", "refund"] and "of a double charge" in html


def test_search_outcome_cache_off_with_zero_seconds(client, search_backend, settings, monkeypatch):
    from search import selectors

    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    settings.FORUM_PAGE_CACHE_SECONDS = 0
    make_topic("Refund for a late parcel")
    runs = []
    real = selectors.site_search
    monkeypatch.setattr(selectors, "site_search", lambda *a, **k: runs.append(a[0]) or real(*a, **k))
    _get(client, q="refund")
    _get(client, q="refund")
    assert runs == ["refund", "refund"]


def test_snippets_keep_list_items_and_paragraphs_apart():
    """Rich text's blocks read as separate words: "invoice. Open Billing", not "invoice.Open"."""
    from search.sources import plain_text

    text = plain_text(
        "<p>Pay on your next invoice.</p><ol><li>Open <b>Billing</b> → Plan.</li><li>Choose.</li></ol>"
    )
    assert text == "Pay on your next invoice. Open Billing → Plan. Choose."
    assert plain_text("<p>Tom &amp; Jerry</p><h2>Next</h2>") == "Tom & Jerry Next"
