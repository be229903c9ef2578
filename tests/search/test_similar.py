"""/search/similar/: the questions and FAQ articles most like a draft title, as JSON."""

from __future__ import annotations

from search.models import SearchLogEntry
from search.services import search_log_flush
from tests.search.helpers import answer, faq_article, make_topic


def test_similar_returns_json_with_the_documented_shape(client, search_backend):
    faq_article("How do I reset my password?")
    topic = make_topic("Password reset email never arrives")
    answer(topic, "Check the spam folder.", official=True)
    response = client.get("/search/similar/", {"q": "reset my password please"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["query"] == "reset my password please"
    assert {r["title"] for r in data["results"]} == {
        "How do I reset my password?",
        "Password reset email never arrives",
    }
    for item in data["results"]:
        assert set(item) == {"title", "url", "type", "kind", "status", "answered", "marker"}
    by_title = {r["title"]: r for r in data["results"]}
    assert by_title["How do I reset my password?"]["type"] == "faq"
    assert by_title["How do I reset my password?"]["answered"] is True
    topic_item = by_title["Password reset email never arrives"]
    assert topic_item == {
        "title": "Password reset email never arrives",
        "url": topic.get_absolute_url(),
        "type": "topic",
        "kind": "question",
        "status": "open",
        "answered": True,
        "marker": "Official answer",
    }


def test_similar_returns_at_most_five_best_first(client, search_backend):
    for n in range(8):
        make_topic(f"Printer driver crashes on model {n}")
    make_topic("Printer driver crashes on startup every morning")
    data = client.get("/search/similar/", {"q": "printer driver crashes on startup"}).json()
    assert len(data["results"]) == 5
    assert data["results"][0]["title"] == "Printer driver crashes on startup every morning"


def test_similar_never_returns_hidden_topics_or_draft_pages(client, search_backend):
    make_topic("Secret refund trick for customers", is_hidden=True)
    faq_article("Refund trick draft article", live=False)
    make_topic("Refund for a late parcel")
    data = client.get("/search/similar/", {"q": "refund trick for customers"}).json()
    assert [r["title"] for r in data["results"]] == ["Refund for a late parcel"]


def test_similar_drops_a_topic_hidden_after_its_answer_was_cached(
    client, search_backend, moderator, django_capture_on_commit_callbacks
):
    from forum.services import moderation

    topic = make_topic("Refund for a late parcel")
    assert client.get("/search/similar/", {"q": "refund late parcel"}).json()["results"]
    with django_capture_on_commit_callbacks(execute=True):
        moderation.topic_hide(user=moderator, topic=topic, reason="Spam")
    assert client.get("/search/similar/", {"q": "refund late parcel"}).json()["results"] == []


def test_similar_short_or_empty_query_returns_no_results(client, search_backend):
    make_topic("Refund for a late parcel")
    for q in ("", "re", "  ", "?!?!?!?!?!?!"):
        response = client.get("/search/similar/", {"q": q})
        assert response.status_code == 200
        assert response.json()["results"] == []


def test_similar_oversized_query_is_cut_not_refused(client, search_backend):
    make_topic("Refund for a late parcel")
    response = client.get("/search/similar/", {"q": "refund " * 3000})
    assert response.status_code == 200
    assert len(response.json()["query"]) <= 200


def test_similar_is_cheap_and_cached(
    client, search_backend, settings, django_assert_max_num_queries, django_assert_num_queries
):
    settings.SEARCH_LOG_BUFFER_SIZE = 100  # the log is buffered, as in production
    settings.SEARCH_LOG_FLUSH_SECONDS = 3600
    faq_article("How do I reset my password?")
    for n in range(10):
        make_topic(f"Password reset problem {n}")
    # FAQ search, view restrictions, site root paths, topic search
    with django_assert_max_num_queries(4):
        client.get("/search/similar/", {"q": "password reset problem"})
    with django_assert_num_queries(0):
        client.get("/search/similar/", {"q": "Password  reset problem"})
    search_log_flush()


def test_similar_logs_queries_with_source_similar(client, search_backend):
    make_topic("Refund for a late parcel")
    client.get("/search/similar/", {"q": "refund for my parcel"})
    client.get("/search/similar/", {"q": "quantum teleporter broke"})
    search_log_flush()
    rows = set(SearchLogEntry.objects.values_list("query", "result_count", "source"))
    assert rows == {("refund for my parcel", 1, "similar"), ("quantum teleporter broke", 0, "similar")}


def test_similar_rejects_post(client, search_backend):
    assert client.post("/search/similar/", {"q": "refund"}).status_code == 405


def test_similar_drops_a_topic_hidden_by_an_update_and_a_reindex(client, search_backend):
    """Moderation hides with ``update()`` and queues an index update: no stale cached answer."""
    from modelsearch.tasks import insert_or_update_object_task

    from forum.models import Topic

    topic = make_topic("Refund for a late parcel")
    assert client.get("/search/similar/", {"q": "refund late parcel"}).json()["results"]
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    insert_or_update_object_task.enqueue("forum", "topic", str(topic.pk))
    assert client.get("/search/similar/", {"q": "refund late parcel"}).json()["results"] == []


def _unrelated_topics(n: int = 8) -> None:
    """Background topics, so that word rarity looks like a real community's."""
    subjects = ("invoice", "password", "parcel", "refund", "webcam", "keyboard", "battery", "warranty")
    for subject in subjects[:n]:
        make_topic(f"Question about my {subject}", body=f"Where do I find help with the {subject}?")


def test_similar_prefers_a_question_matched_in_title_and_body_over_one_title_word(client, search_backend):
    """A title sharing one word with the draft must not beat a thread whose question states the
    same problem in its body: the title counts more than the body, but not overwhelmingly."""
    _unrelated_topics()
    make_topic("Crashes every morning", body="The mobile app stops every morning when I open it.")
    answered_in_body = make_topic(
        "Printing stopped working",
        body="Since the update the printer driver crashes whenever I send a document to the printer.",
    )
    titles = [
        r["title"] for r in client.get("/search/similar/", {"q": "printer driver crashes"}).json()["results"]
    ]
    assert titles[0] == answered_in_body.title
    assert "Crashes every morning" in titles


def test_similar_suggests_the_original_instead_of_a_duplicate(client, search_backend):
    original = make_topic("Export invoices as one PDF file")
    duplicate = make_topic("Export all invoices PDF download", status="duplicate", duplicate_of=original)
    data = client.get("/search/similar/", {"q": "export all invoices pdf download"}).json()
    urls = [r["url"] for r in data["results"]]
    assert duplicate.get_absolute_url() not in urls
    assert urls.count(original.get_absolute_url()) == 1


def test_similar_drops_a_duplicate_whose_original_is_hidden(client, search_backend):
    original = make_topic("Secret original question", is_hidden=True)
    make_topic("Cancel subscription refund question", status="duplicate", duplicate_of=original)
    data = client.get("/search/similar/", {"q": "cancel subscription refund"}).json()
    assert data["results"] == []
