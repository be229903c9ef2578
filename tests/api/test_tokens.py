"""The member's API tokens page: create with scopes (shown once), revoke; only one's own."""

from __future__ import annotations

from wagtail.models import APIToken

import pytest

from api.models import TokenScopes
from api.services import token_create
from tests.factories import UserFactory

URL = "/accounts/api-tokens/"


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(URL, {"name": "x", "scopes": ["post"]}).status_code == 302
    assert not APIToken.objects.exists()


def test_member_creates_a_scoped_token_shown_once(client, customer):
    client.force_login(customer)
    response = client.post(URL, {"name": "CRM sync", "scopes": ["post", "react"]})
    assert response.status_code == 200
    token = APIToken.objects.get(user=customer)
    plaintext = response.context["created"]["plaintext"]
    assert plaintext.startswith("wagtail_") and plaintext in response.content.decode()
    assert token.key_hash != plaintext and plaintext not in token.key_hash
    assert TokenScopes.objects.get(token=token).scopes == ["post", "react"]
    page = client.get(URL).content.decode()
    assert "CRM sync" in page and plaintext not in page and token.prefix in page
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scopes": ["post"]},
        {"name": "tool"},
        {"name": "tool", "scopes": ["admin"]},
        {"name": "x" * 500, "scopes": ["post"]},
    ],
)
def test_bad_token_form_is_refused_and_nothing_is_created(client, customer, data):
    client.force_login(customer)
    response = client.post(URL, data)
    assert response.status_code == 400 and response.context["form"].errors
    assert not APIToken.objects.exists()


def test_token_count_is_limited(client, customer, settings):
    settings.API_TOKENS_PER_USER = 1
    client.force_login(customer)
    assert client.post(URL, {"name": "one", "scopes": ["post"]}).status_code == 200
    response = client.post(URL, {"name": "two", "scopes": ["post"]})
    assert response.status_code == 400 and "revoke one first" in response.content.decode()
    assert APIToken.objects.count() == 1


def test_member_revokes_their_own_token_not_someone_elses(client, customer):
    mine, _ = token_create(user=customer, name="mine", scopes=["post"])
    theirs, _ = token_create(user=UserFactory(username="other"), name="theirs", scopes=["post"])
    client.force_login(customer)
    assert client.post(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert client.get(f"{URL}{mine.pk}/revoke/").status_code == 405
    response = client.post(f"{URL}{mine.pk}/revoke/")
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert client.post(f"{URL}{mine.pk}/revoke/").status_code == 302  # twice is harmless
