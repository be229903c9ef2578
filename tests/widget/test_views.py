"""``/widget.js`` (a cached static script under 15 KB gzipped) and ``/embed/`` (server-rendered
lists, framed only by the named origins)."""

from __future__ import annotations

import gzip
import re

from django.test import Client

import pytest

from widget import views

pytestmark = pytest.mark.django_db
MAX_GZIPPED = 15_360


def directive(response, name: str) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    part = next(p.strip() for p in policy.split(";") if p.strip().startswith(name + " "))
    return part.split()[1:]


def test_widget_script_is_under_15_kb_gzipped():
    body = Client().get("/widget.js").content
    assert len(gzip.compress(body, compresslevel=9)) < MAX_GZIPPED


def test_widget_script_needs_nothing_a_strict_csp_forbids():
    source = views.SCRIPT.read_text()
    for forbidden in (
        "eval(",
        "new Function",
        "innerHTML",
        "insertAdjacentHTML",
        ".style.",
        'setAttribute("style"',
        "document.write",
    ):
        assert forbidden not in source, forbidden
    assert "adoptedStyleSheets" in source and 'attachShadow({ mode: "open" })' in source


def test_widget_script_is_served_with_long_cache_and_validators():
    client = Client()
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["ETag"] and response["Last-Modified"]
    assert client.get("/widget.js", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get("/widget.js", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    assert client.post("/widget.js").status_code == 405


def test_embed_renders_the_lists_without_script(product):
    response = Client().get("/embed/", {"category": "acme-cloud"})
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("How do I sync a shared folder?", "How does syncing work?", "Acme Cloud saved my week"):
        assert shown in html
    for never in ("A hidden answered topic", "Acme Cloud is slow today", "A draft article", "How do I pair"):
        assert never not in html
    assert 'href="http' in html and "/community/ask/?category=acme-cloud" in html
    assert product.said.url in html
    assert not re.search(r"<script>|style=", html)  # nothing a strict CSP would block


def test_embed_is_framed_by_nobody_unless_origins_are_named(product, settings):
    settings.WIDGET_EMBED_ORIGINS = []
    response = Client().get("/embed/", {"category": "acme-cloud"})
    assert directive(response, "frame-ancestors") == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_embed_is_framed_by_the_named_origins_only(product, settings):
    settings.WIDGET_EMBED_ORIGINS = ["https://shop.example", "http://127.0.0.1:8123"]
    response = Client().get("/embed/", {"category": "acme-cloud"})
    assert directive(response, "frame-ancestors") == ["https://shop.example", "http://127.0.0.1:8123"]
    assert "X-Frame-Options" not in response
    # The rest of the site stays unframeable.
    other = Client().get("/community/")
    assert directive(other, "frame-ancestors") == ["'none'"] and other["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({}, 400, "Name a product"),
        ({"category": "no-such-product"}, 404, "No category"),
        ({"category": "bad slug!"}, 400, "is a slug"),
        ({"tags": "Not A Slug"}, 400, "Tags are slugs"),
        ({"category": "x" * 500}, 400, "is a slug"),
    ],
)
def test_embed_bad_or_unknown_product_is_a_4xx_with_a_message(product, params, status, message):
    response = Client().get("/embed/", params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_embed_by_tags_shows_the_empty_state_when_nothing_matches(product):
    response = Client().get("/embed/", {"tags": "nothing-tagged-so"})
    assert response.status_code == 200
    assert "be the first to ask" in response.content.decode()


def test_ask_form_takes_the_category_and_title_from_the_widget(product, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/community/ask/", {"category": "acme-cloud", "title": "Does it sync offline?"})
    form = response.context["form"]
    assert form.initial["title"] == "Does it sync offline?" and form.initial["category"] == product.cloud.pk
    odd = client.get("/community/ask/", {"category": "no-such", "title": "x" * 500}).context["form"]
    assert odd.initial["title"] == "x" * 200 and "category" not in odd.initial


def test_ask_form_keeps_the_widgets_params_through_sign_in(product):
    response = Client().get("/community/ask/", {"category": "acme-cloud", "title": "Offline?"})
    assert response.status_code == 302
    assert "category%3Dacme-cloud" in response["Location"] and "title%3DOffline" in response["Location"]
