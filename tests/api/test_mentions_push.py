"""``POST /api/v1/mentions``: staff tokens with the mentions scope push mentions into the
triage queue through the mentions service; everyone else is refused."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.test import Client

import pytest

from api.services import token_create
from mentions.models import Mention
from tests.api.conftest import bearer, problem
from tests.factories import CategoryFactory, UserFactory, staff_user

URL = "/api/v1/mentions"
pytestmark = pytest.mark.django_db


def push(headers, **payload):
    body = {
        "url": "https://social.example/@ana/1",
        "title": "Acme Cloud stopped syncing",
        "source": "Social inbox",
    }
    body.update(payload)
    return Client().post(URL, body, content_type="application/json", **headers)


@pytest.fixture
def staff_token():
    return bearer(staff_user(), scopes=["mentions"])


def test_staff_token_pushes_a_mention_into_the_queue(staff_token):
    category = CategoryFactory(slug="acme-cloud")
    response = push(
        staff_token,
        text="<p>It <b>doesn't work</b> since Monday<script>alert(1)</script></p>",
        author_name="Ana",
        author_url="https://social.example/@ana",
        published_at="2026-12-01T10:00:00Z",
        category="acme-cloud",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True and body["status"] == "new" and body["category"] == "acme-cloud"
    mention = Mention.objects.get(pk=body["id"])
    assert mention.via == "Social inbox" and mention.source is None and mention.category == category
    assert "<script" not in mention.html and "<b>" in mention.html and "<" not in mention.text
    assert mention.kind == body["kind"] and mention.sentiment == body["sentiment"]
    assert mention.author_name == "Ana" and mention.published_at.isoformat().startswith("2026-12-01T10:00")


def test_pushing_a_known_address_again_adds_nothing(staff_token):
    first = push(staff_token).json()
    again = push(staff_token, url="https://social.example/@ana/1/?utm_source=x", title="Other title")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert Mention.objects.count() == 1


def test_a_repost_is_kept_folded_onto_its_original(staff_token):
    text = "Acme Cloud lost my files twice this week and support has not answered me at all yet, sad."
    first = push(staff_token, text=text).json()
    second = push(staff_token, url="https://other.example/repost", text=text).json()
    assert second["created"] is True and second["repost_of"] == first["id"]


def test_member_token_cannot_have_the_mentions_scope():
    with pytest.raises(ValidationError):
        token_create(user=UserFactory(), name="x", scopes=["mentions"])


def test_token_without_the_scope_is_refused(db):
    body = problem(push(bearer(staff_user(), scopes=["post", "react", "manage"])), 403)
    assert "mentions" in body["detail"]
    assert not Mention.objects.exists()


def test_staff_token_of_someone_no_longer_staff_is_refused(db):
    member = staff_user()
    headers = bearer(member, scopes=["mentions"])
    member.is_staff = False
    member.is_superuser = False
    member.groups.clear()
    member.save()
    problem(push(headers), 403)
    assert not Mention.objects.exists()


def test_missing_or_bad_token_is_a_401(db):
    problem(push({}), 401)
    problem(push({"HTTP_AUTHORIZATION": "Bearer nope"}), 401)


@pytest.mark.parametrize(
    "payload, status",
    [
        ({"url": "javascript:alert(1)"}, 422),
        ({"url": "ftp://files.example/x"}, 422),
        ({"url": ""}, 422),
        ({"source": ""}, 422),
        ({"title": "", "text": ""}, 400),
        ({"source": "   "}, 400),
        ({"category": "no-such"}, 400),
        ({"published_at": "yesterday"}, 422),
        ({"title": "x" * 301}, 422),
        ({"text": "bad\x00text"}, 422),
        ({"author_url": "javascript:x"}, 422),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(staff_token, payload, status):
    problem(push(staff_token, **payload), status)
    assert not Mention.objects.exists()


def test_pushes_are_rate_limited_per_token(staff_token, settings):
    settings.API_WRITE_RATE_LIMIT = "2/m"
    assert push(staff_token, url="https://a.example/1").status_code == 201
    assert push(staff_token, url="https://a.example/2").status_code == 201
    response = problem(push(staff_token, url="https://a.example/3"), 429)
    assert response["status"] == 429
    assert Mention.objects.count() == 2


def test_tokens_page_offers_the_mentions_scope_to_staff_only(client):
    client.force_login(UserFactory())
    assert b'value="mentions"' not in client.get("/accounts/api-tokens/").content
    refused = client.post("/accounts/api-tokens/", {"name": "inbox", "scopes": ["mentions"]})
    assert refused.status_code == 400
    client.force_login(staff_user(username="staff-tokens"))
    assert b'value="mentions"' in client.get("/accounts/api-tokens/").content
    assert client.post("/accounts/api-tokens/", {"name": "inbox", "scopes": ["mentions"]}).status_code == 200
