"""The product-page widget on a shop's page served from another origin with a strict CSP:
the script renders in its Shadow DOM, suggests similar questions while typing, carries the
typed title into "Ask the community", meets no CSP violation, and neither the shop's styles
nor the widget's cross the shadow boundary. The iframe variant on such a page too. The
screenshots go to the test's own folder; ``DOCS_SCREENSHOTS=1`` writes them to docs/img/
instead, which is how the documentation's pictures are refreshed."""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.contrib.sites.models import Site
from django.db.models import F

import pytest

from forum.models import Topic
from kb.models import FaqIndexPage
from tests.factories import CategoryFactory, TopicFactory
from tests.kb.conftest import make_article, make_section
from tests.mentions import factories as mention_factories

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: docs/img/ only when asked (DOCS_SCREENSHOTS=1), so a test run
    never rewrites the documentation."""
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path_factory.mktemp("widget-screenshots")


HOST_CSS = """
body { font: 15px/1.4 Georgia, serif; margin: 0; background: #faf7f2; color: #222; }
header, main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
.product { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.photo { width: 16rem; max-width: 100%; height: 12rem; background: #e4dccf; border-radius: 6px; }
.buy { background: #7a3e00; color: #fff; border: 0; padding: .6rem 1.2rem; font: inherit; }
/* A shop's styles that would wreck a widget they could reach. */
li { color: rgb(255, 0, 0) !important; font-size: 30px !important; list-style: square !important; }
a { color: rgb(0, 128, 0) !important; text-transform: uppercase !important; }
input { background: rgb(255, 255, 0) !important; border: 4px dashed rgb(255, 0, 0) !important; }
iframe { width: 100%; max-width: 44rem; height: 46rem; border: 0; }
"""

PRODUCT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Cloud – Acme shop</title><link rel="stylesheet" href="/shop.css"></head>
<body><header><strong>Acme shop</strong></header>
<main><div class="product"><div class="photo" role="img" aria-label="Acme Cloud box"></div>
<div><h1>Acme Cloud</h1><p>Sync every file on every machine.</p>
<ul class="features"><li id="shop-item">Unlimited devices</li></ul>
<button class="buy" type="button">Add to cart</button></div></div>
<h2>Help from other customers</h2>
{embed}
</main></body></html>"""


def csp(community: str) -> str:
    return (
        f"default-src 'none'; script-src {community}; connect-src {community}; "
        f"style-src 'self'; frame-src {community}; img-src 'self'"
    )


class ShopServer:
    """The shop: another origin (its own port), with a strict CSP on every page."""

    def __init__(self, community: str):
        pages = {
            "/shop.css": ("text/css", HOST_CSS),
            "/product.html": (
                "text/html",
                PRODUCT_PAGE.format(
                    embed=f'<script src="{community}/widget.js" data-category="acme-cloud" '
                    'data-tags="sync" async></script>'
                ),
            ),
            "/iframe.html": (
                "text/html",
                PRODUCT_PAGE.format(
                    embed=f'<iframe src="{community}/embed/?category=acme-cloud" '
                    'title="Acme Cloud questions and answers"></iframe>'
                ),
            ),
        }
        policy = csp(community)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                found = pages.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                kind, body = found
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Content-Security-Policy", policy)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop(live_server, settings):
    with ShopServer(live_server.url) as server:
        settings.CORS_ALLOWED_ORIGINS = [server.url]
        settings.WIDGET_EMBED_ORIGINS = [server.url]
        settings.WIDGET_CACHE_SECONDS = 0
        settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
        yield server


@pytest.fixture
def product(live_server):
    """Acme Cloud with answered questions, FAQ articles and an approved mention; links point
    at the live server."""
    Site.objects.update_or_create(pk=1, defaults={"domain": urlsplit(live_server.url).netloc, "name": "Acme"})
    Site.objects.clear_cache()
    cloud = CategoryFactory(name="Acme Cloud", slug="acme-cloud")
    titles = [
        "How do I sync a shared folder with my team?",
        "Why does sync pause on battery power?",
        "Can I restore a file deleted last month?",
    ]
    for n, title in enumerate(titles):
        topic = TopicFactory(title=title, category=cloud, body="It says it is up to date but it is not.")
        topic.tags.add("sync")
        Topic.objects.filter(pk=topic.pk).update(
            status=Topic.Status.SOLVED, vote_count=F("vote_count") + 9 - n
        )
    TopicFactory(title="Sync never finishes on my laptop", category=cloud)  # unanswered: listed nowhere
    section = make_section(FaqIndexPage.objects.get(), "Acme Cloud", category=cloud)
    make_article(
        section, "Which folders does Acme Cloud sync?", summary="Every folder you choose in Settings."
    )
    make_article(section, "How much space do I get?", summary="2 TB on every plan.")
    mention_factories.mention(
        title="Acme Cloud saved my thesis",
        text="My laptop died the night before my deadline; every file was waiting on the new one.",
        author_name="Lena Park",
        category=cloud,
        show_on_product_pages=True,
    )
    return cloud


def watch_for_violations(page) -> tuple[list[str], list[str]]:
    """CSP violations seen by any frame (an init script, which a CSP cannot block) and every
    console error."""
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    return console, []


def violations(page) -> list[str]:
    found = []
    for frame in page.frames:
        found += frame.evaluate("window.__violations || []")
    return found


def shop_page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_widget_script_on_a_strict_csp_shop_page(browser, shop, product, shots):
    context, page, errors = shop_page(browser, 1280, 900)
    console, _ = watch_for_violations(page)
    page.goto(shop.url + "/product.html")
    widget = page.get_by_role("region", name="Acme Cloud: questions and answers")
    widget.wait_for()
    questions = widget.get_by_role("list", name="Answered questions").get_by_role("listitem")
    assert questions.count() == 3
    assert questions.first.get_by_role("link").inner_text() == "How do I sync a shared folder with my team?"
    assert widget.get_by_role("list", name="From the FAQ").get_by_role("listitem").count() == 2
    said = widget.get_by_role("list", name="What people say").get_by_role("listitem")
    assert said.count() == 1 and "Lena Park" in said.inner_text()
    assert "Sync never finishes" not in widget.inner_text()

    # The shop's styles do not reach inside; the widget's do not reach out.
    item = page.locator(".community-widget li").first
    assert item.evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    assert item.evaluate("e => getComputedStyle(e).fontSize") != "30px"
    link = page.locator(".community-widget a").first
    assert link.evaluate("e => getComputedStyle(e).textTransform") == "none"
    search = page.get_by_role("combobox", name="Search questions")
    assert search.evaluate("e => getComputedStyle(e).backgroundColor") != "rgb(255, 255, 0)"
    assert page.locator("#shop-item").evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
    assert page.evaluate("document.adoptedStyleSheets.length") == 0
    page.screenshot(path=str(shots / "widget-1280.png"), full_page=True)

    # Suggestions while typing, chosen with the keyboard; the title goes into "Ask".
    search.fill("sync shared folder")
    listbox = page.get_by_role("listbox", name="Similar questions")
    listbox.wait_for()
    assert search.get_attribute("aria-expanded") == "true"
    options = listbox.get_by_role("option")
    # Whoosh ranks the question first, PostgreSQL's full-text search the FAQ article: both are there.
    assert any("How do I sync a shared folder with my team?" in text for text in options.all_inner_texts())
    search.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    assert search.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    search.press("Escape")
    assert listbox.is_hidden() and search.get_attribute("aria-expanded") == "false"
    ask = page.get_by_role("link", name="Ask the community")
    query = parse_qs(urlsplit(ask.get_attribute("href")).query)
    assert urlsplit(ask.get_attribute("href")).path == "/community/ask/"
    assert query == {"category": ["acme-cloud"], "title": ["sync shared folder"]}

    # Keyboard: the focus is visible.
    search.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.querySelector('.community-widget').shadowRoot.activeElement;"
        " return getComputedStyle(el).outlineStyle; }"
    )
    assert focused == "solid"

    assert violations(page) == []
    assert not [m for m in console if "Content Security Policy" in m or "CORS" in m], console
    assert not errors, errors
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_widget_script_at_390_px(browser, shop, product, shots):
    context, page, errors = shop_page(browser, 390, 844)
    watch_for_violations(page)
    page.goto(shop.url + "/product.html")
    page.get_by_role("region", name="Acme Cloud: questions and answers").wait_for()
    page.get_by_role("link", name="Ask the community").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".community-widget").bounding_box()
    assert box["width"] <= 390
    page.screenshot(path=str(shots / "widget-390.png"), full_page=True)
    assert violations(page) == [] and not errors
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_iframe_variant_on_a_strict_csp_shop_page(browser, shop, product, shots):
    context, page, errors = shop_page(browser, 1280, 900)
    console, _ = watch_for_violations(page)
    page.goto(shop.url + "/iframe.html")
    frame = page.frame_locator("iframe[title='Acme Cloud questions and answers']")
    region = frame.get_by_role("region", name="Acme Cloud: questions and answers")
    region.wait_for()
    assert region.get_by_role("list", name="Answered questions").get_by_role("listitem").count() == 3
    assert "Acme Cloud saved my thesis" in region.inner_text()
    search = frame.get_by_role("combobox", name="Search questions")
    search.fill("sync shared folder")
    frame.get_by_role("listbox", name="Similar questions").wait_for()
    href = frame.get_by_role("link", name="Ask the community").get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"category": ["acme-cloud"], "title": ["sync shared folder"]}
    assert violations(page) == []
    assert not [m for m in console if "Content Security Policy" in m or "frame" in m.lower()], console
    assert not errors, errors
    page.screenshot(path=str(shots / "widget-embed-1280.png"), full_page=True)
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_iframe_variant_is_refused_to_an_origin_not_named(browser, shop, product, settings):
    settings.WIDGET_EMBED_ORIGINS = ["https://another-shop.example"]
    context, page, _ = shop_page(browser, 1280, 900)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(shop.url + "/iframe.html")
    page.wait_for_timeout(1000)
    frame = next(f for f in page.frames if f != page.main_frame)
    assert "Acme Cloud" not in (frame.content() or "")
    assert any("frame-ancestors" in message for message in console), console
    context.close()
