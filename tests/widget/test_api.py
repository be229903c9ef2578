"""``GET /api/v1/widget``: a product's three lists in one request, as anonymous visitors see
them; bad input is a clear 4xx."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client

import pytest

from tests.api.conftest import problem
from tests.factories import UserFactory

URL = "/api/v1/widget"
pytestmark = pytest.mark.django_db


def titles(items) -> list[str]:
    return [item["title"] for item in items]


def test_widget_lists_a_categorys_answered_questions_faq_and_approved_mentions(product):
    response = Client().get(URL, {"category": "acme-cloud"})
    assert response.status_code == 200
    body = response.json()
    assert body["category"]["slug"] == "acme-cloud"
    assert titles(body["questions"]) == ["How do I sync a shared folder?", "Where are my invoices?"]
    assert titles(body["articles"]) == ["How does syncing work?"]
    assert titles(body["mentions"]) == ["Acme Cloud saved my week"]
    said = body["mentions"][0]
    assert said["url"] == product.said.url and said["author_name"] == "Lena Park"
    assert said["author_url"] == "https://blog.example/lena"
    ask = urlsplit(body["ask_url"])
    assert ask.path == "/community/ask/" and parse_qs(ask.query) == {"category": ["acme-cloud"]}


def test_widget_never_shows_hidden_topics_drafts_unapproved_mentions_or_reposts(product):
    body = Client().get(URL, {"category": "acme-cloud", "limit": 10}).json()
    shown = titles(body["questions"]) + titles(body["articles"]) + titles(body["mentions"])
    for never in (
        "A hidden answered topic",
        "Sync stopped after the update",  # not answered
        "A draft article about sync",
        "Acme Cloud is slow today",  # not approved
        "Repost: Acme Cloud saved my week",
        "How do I pair the phone?",  # another product
        "Acme Phone battery lasts",
    ):
        assert never not in shown


def test_widget_answers_anonymous_content_to_a_signed_in_staff_session_too(product, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = client.get(URL, {"category": "acme-cloud", "limit": 10}).json()
    assert "A hidden answered topic" not in titles(body["questions"])


def test_widget_by_tags_alone_spans_categories(product):
    body = Client().get(URL, {"tags": "billing"}).json()
    assert body["category"] is None and body["tags"] == ["billing"]
    assert set(titles(body["questions"])) == {"Where are my invoices?", "How do I pair the phone?"}
    assert titles(body["mentions"]) == ["Acme Phone battery lasts"]  # its keywords name the tag
    assert body["articles"] == []


def test_widget_tags_put_a_categorys_tagged_items_first(product):
    body = Client().get(URL, {"category": "acme-cloud", "tags": "billing,unknown-tag"}).json()
    assert titles(body["questions"]) == ["Where are my invoices?", "How do I sync a shared folder?"]
    assert titles(body["articles"]) == ["How does syncing work?"]  # untagged, still the product's


def test_widget_limit_bounds_each_list(product):
    body = Client().get(URL, {"category": "acme-cloud", "limit": 1}).json()
    assert titles(body["questions"]) == ["How do I sync a shared folder?"]


def test_widget_unknown_category_is_a_404_problem(product):
    body = problem(Client().get(URL, {"category": "no-such-product"}), 404)
    assert "no-such-product" in body["detail"]


@pytest.mark.parametrize(
    "params, status",
    [
        ({}, 400),
        ({"category": ""}, 422),
        ({"tags": " , ,"}, 400),
        ({"category": "bad slug!"}, 422),
        ({"category": "x" * 81}, 422),
        ({"tags": "Not A Slug"}, 400),
        ({"tags": ",".join(f"t{n}" for n in range(11))}, 400),
        ({"category": "acme-cloud", "limit": 0}, 422),
        ({"category": "acme-cloud", "limit": 11}, 422),
        ({"category": "acme-cloud", "limit": "many"}, 422),
        ({"category": "acme-cloud\x00"}, 400),
    ],
)
def test_widget_bad_input_is_a_clear_4xx(product, params, status):
    problem(Client().get(URL, params), status)


def test_widget_carries_etag_and_cache_headers_and_revalidates(product, settings):
    settings.WIDGET_CACHE_SECONDS = 60
    client = Client()
    first = client.get(URL, {"category": "acme-cloud"})
    assert first["Cache-Control"] == "public, max-age=60"
    again = client.get(URL, {"category": "acme-cloud"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_widget_is_readable_from_an_allowed_origin_only(product, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    allowed = Client().get(URL, {"category": "acme-cloud"}, HTTP_ORIGIN="https://shop.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example"
    other = Client().get(URL, {"category": "acme-cloud"}, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
