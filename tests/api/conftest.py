"""Fixtures for the API tests: tokens made through the same service members use."""

from __future__ import annotations

import pytest

from api.services import token_create


def bearer(user, scopes=("post", "react", "manage")) -> dict[str, str]:
    _, plaintext = token_create(user=user, name="Test tool", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    settings.API_WRITE_RATE_LIMIT = "1000/m"


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body
