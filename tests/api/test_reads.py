"""API reads: what anonymous visitors see, the /community/ filters, cursors, problems,
conditional requests and CORS."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

import pytest

from forum import selectors
from forum.models import Topic
from forum.services import posts as post_services
from forum.services import topics as topic_services
from kb.models import FaqArticlePage
from tests.api.conftest import problem
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory
from tests.search.helpers import faq_article, make_topic

API = "/api/v1"


@pytest.fixture
def forum(db, staff):
    billing = CategoryFactory(name="Billing", slug="billing")
    apps = CategoryFactory(name="Apps", slug="apps")
    now = timezone.now()
    topics = []
    for n in range(5):
        topic = TopicFactory(
            title=f"Billing question {n}", category=billing if n % 2 else apps, kind="question"
        )
        Topic.objects.filter(pk=topic.pk).update(last_activity_at=now - timedelta(hours=n), metoo_count=n % 3)
        topics.append(topic)
    idea = TopicFactory(title="Dark mode idea", kind="idea", category=apps)
    idea.tags.add("dark-mode")
    hidden = TopicFactory(title="Hidden spam", is_hidden=True, category=billing)
    answered = topics[1]
    reply = post_services.post_create(author=staff, topic=answered, source="Staff answer.")
    post_services.post_mark_official(actor=staff, post=reply)
    return {"topics": topics, "idea": idea, "hidden": hidden, "answered": answered, "billing": billing}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [item["id"] for item in response.json()["items"]]


def expected(**filters) -> list[int]:
    return [t.pk for t in selectors.topic_list(AnonymousUser(), selectors.TopicFilters(**filters))]


def test_categories_lists_every_category_with_addresses(client, forum):
    data = client.get(f"{API}/categories").json()
    assert [c["slug"] for c in data] == [c.slug for c in selectors.categories()]
    assert data[0]["url"].startswith("http://") and data[0]["url"].endswith(f"/community/{data[0]['slug']}/")


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", {}),
        ("?kind=idea", {"kind": "idea"}),
        ("?status=answered", {"status": "answered"}),
        ("?unanswered=true", {"unanswered": True}),
        ("?tag=dark-mode", {"tag": "dark-mode"}),
        ("?sort=metoo", {"sort": "metoo"}),
        ("?sort=newest", {"sort": "newest"}),
    ],
)
def test_topics_use_the_community_filters_and_never_show_hidden_topics(
    client, forum, moderator, query, filters
):
    assert ids(client.get(f"{API}/topics{query}")) == expected(**filters)
    client.force_login(moderator)  # a moderator's session does not widen the API
    assert forum["hidden"].pk not in ids(client.get(f"{API}/topics{query}"))


def test_topics_in_a_category(client, forum):
    assert ids(client.get(f"{API}/topics?category=billing")) == expected(category=forum["billing"])
    problem(client.get(f"{API}/topics?category=nowhere"), 404)


@pytest.mark.parametrize("sort", ["activity", "newest", "metoo", "votes"])
def test_topics_cursor_walks_every_visible_topic_once_in_order(client, forum, sort):
    seen, cursor = [], None
    for _ in range(10):
        url = f"{API}/topics?limit=2&sort={sort}" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url).json()
        seen += [item["id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == expected(sort=sort)


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJ2b3RlcyIsWzFdXQ", "%00", "x" * 300])
def test_topics_bad_cursor_is_a_400_problem(client, forum, cursor):
    body = problem(client.get(f"{API}/topics", {"cursor": cursor}), 400)
    assert "cursor" in body["detail"]


@pytest.mark.parametrize("query", ["?kind=rant", "?limit=0", "?limit=500", "?sort=random", "?tag=<script>"])
def test_topics_bad_filters_are_422_problems_naming_the_field(client, forum, query):
    body = problem(client.get(f"{API}/topics{query}"), 422)
    assert query[1:].split("=")[0] in body["errors"]


def test_topic_has_question_answers_and_paginated_replies(client, forum, settings, staff):
    settings.FORUM_POSTS_PER_PAGE = 2
    topic = forum["answered"]
    asker_reply = PostFactory(topic=topic, source="Second reply.")
    PostFactory(topic=topic, source="Third reply.")
    PostFactory(topic=topic, source="Hidden reply text", is_hidden=True)
    post_services.post_accept(actor=staff, post=asker_reply)
    data = client.get(f"{API}/topics/{topic.pk}").json()
    assert data["title"] == topic.title and data["question"]["text"]
    assert data["official_answer"]["text"] == "Staff answer." and data["official_answer"]["is_official"]
    assert data["accepted_answer"]["text"] == "Second reply."
    assert data["replies"]["count"] == 3 and data["replies"]["pages"] == 2
    assert [p["text"] for p in data["replies"]["items"]] == ["Staff answer.", "Second reply."]
    page2 = client.get(f"{API}/topics/{topic.pk}?page=2").json()
    assert [p["text"] for p in page2["replies"]["items"]] == ["Third reply."]
    assert "Hidden reply text" not in str(data) + str(page2)


def test_hidden_or_missing_topic_is_a_404_problem_even_for_moderators(client, forum, moderator):
    client.force_login(moderator)
    problem(client.get(f"{API}/topics/{forum['hidden'].pk}"), 404)
    problem(client.get(f"{API}/topics/99999999"), 404)
    problem(client.get(f"{API}/topics/99999999999999999999999"), 422)  # beyond any id


def test_reads_carry_etag_and_last_modified_and_answer_304(client, forum):
    url = f"{API}/topics/{forum['answered'].pk}"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    topic_services.topic_lock(actor=UserFactory(username="x", groups=["Staff"]), topic=forum["answered"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    listing = client.get(f"{API}/topics")
    assert client.get(f"{API}/topics", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304


def test_cors_allows_reads_from_the_named_origins_only(client, forum, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    allowed = client.get(f"{API}/categories", HTTP_ORIGIN="https://shop.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example"
    other = client.get(f"{API}/categories", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    preflight = client.options(
        f"{API}/topics", HTTP_ORIGIN="https://shop.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/community/", HTTP_ORIGIN="https://shop.example")


def test_faq_sections_and_articles_show_live_pages_only(client, db):
    live = faq_article("How do I pay?", summary="By card.")
    live.save_revision().publish()
    draft = faq_article("Draft answer", live=False)
    sections = client.get(f"{API}/faq/sections").json()
    assert [(s["title"], s["article_count"]) for s in sections] == [("Accounts", 1)]
    listing = client.get(f"{API}/faq/articles").json()
    assert [a["title"] for a in listing["items"]] == ["How do I pay?"]
    in_section = client.get(f"{API}/faq/articles?section={sections[0]['id']}").json()
    assert [a["id"] for a in in_section["items"]] == [live.pk] and in_section["items"][0][
        "section_id"
    ] == sections[0]["id"]
    article = client.get(f"{API}/faq/articles/{live.pk}").json()
    assert article["answer_html"] == "<p>See the steps.</p>" and article["summary"] == "By card."
    problem(client.get(f"{API}/faq/articles/{draft.pk}"), 404)
    problem(client.get(f"{API}/faq/articles?section=999999"), 404)
    assert FaqArticlePage.objects.count() == 2


def test_search_ranks_as_the_search_page_and_hides_hidden_topics(client, db):
    from search import selectors as search_selectors

    make_topic("Invoice missing", "Where is my invoice?")
    hidden = make_topic("Invoice spam", "invoice spam")
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    article = faq_article("How do I download an invoice?")
    article.save_revision().publish()
    data = client.get(f"{API}/search", {"q": "invoice"}).json()
    outcome = search_selectors.site_search("invoice", search_selectors.Filters())
    assert [r["title"] for r in data["results"]] == [h.title for h in outcome.hits]
    assert "Invoice spam" not in [r["title"] for r in data["results"]]
    assert {r["type"] for r in data["results"]} == {"topic", "faq"} and data["total"] == 2
    faq_only = client.get(f"{API}/search", {"q": "invoice", "type": "faq"}).json()
    assert [r["type"] for r in faq_only["results"]] == ["faq"]
    problem(client.get(f"{API}/search", {"q": "!!!"}), 400)
    problem(client.get(f"{API}/search"), 422)
    problem(client.get(f"{API}/search", {"q": "invoice", "category": "nowhere"}), 404)


def test_similar_questions_for_a_draft_title(client, db):
    make_topic("Invoice missing from March", "Where is the March invoice?")
    data = client.get(f"{API}/similar", {"q": "march invoice missing"}).json()
    assert data["results"] and data["results"][0]["title"] == "Invoice missing from March"
    assert data["results"][0]["url"].startswith("http")
    assert client.get(f"{API}/similar", {"q": "ab"}).json()["results"] == []


def test_openapi_schema_and_docs_are_served(client, db):
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["info"]["title"] == "Community API"
    assert "/api/v1/topics/{topic_id}" in schema["paths"]
    error = schema["paths"]["/api/v1/topics/{topic_id}"]["get"]["responses"]["404"]["content"]
    assert list(error) == ["application/problem+json"]
    assert client.get(f"{API}/docs").status_code == 200


def test_unknown_address_under_the_api_is_a_404(client, db):
    assert client.get(f"{API}/nothing/").status_code == 404
