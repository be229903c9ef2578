"""Every feed parses (feedparser) and links to the site's address; the search feed
("subscribe to this search"), the tag feed and the FAQ updates feed list what they should."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sites.models import Site
from django.utils import timezone

import feedparser
import pytest

from kb.models import FaqArticlePage
from tests.factories import CategoryFactory
from tests.search.helpers import faq_article, make_topic

ROOT = "http://community.example"


@pytest.fixture(autouse=True)
def _site(db, settings):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    Site.objects.update_or_create(pk=1, defaults={"domain": "community.example", "name": "Acme"})


def published_article(title: str, summary: str) -> FaqArticlePage:
    page = faq_article(title, summary=summary)
    page.save_revision().publish()
    return FaqArticlePage.objects.get(pk=page.pk)


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


@pytest.fixture
def content(db):
    category = CategoryFactory(name="Billing", slug="billing")
    old = make_topic(
        "Invoice missing from March", "Where is the invoice?", category=category, tags=["invoices"]
    )
    new = make_topic("Invoice shows the wrong address", "The invoice address is old.", category=category)
    from forum.models import Topic

    Topic.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    hidden = make_topic("Invoice spam for sale", "spam invoice", category=category, tags=["invoices"])
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    article = published_article("How do I download an invoice?", "From the Billing page.")
    draft = faq_article("Invoice draft article", summary="Not yet.", live=False)
    return {
        "old": old,
        "new": new,
        "hidden": hidden,
        "article": article,
        "draft": draft,
        "category": category,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/community/feed/",
        "/community/billing/feed/",
        "/community/tags/invoices/feed/",
        "/search/feed/?q=invoice",
        "/search/feed/atom/?q=invoice",
        "/faq/feed/",
    ],
)
def test_every_feed_parses_and_links_to_the_sites_address(client, content, url):
    feed = parse(client, url)
    assert feed.feed.link.startswith(ROOT + "/"), feed.feed.link
    assert feed.entries, url
    for entry in feed.entries:
        assert entry.link.startswith(ROOT + "/"), entry.link
        assert "spam" not in entry.title.lower() and "draft" not in entry.title.lower()


def test_search_feed_lists_matching_visible_topics_and_faq_articles_newest_first(client, content):
    rss = parse(client, "/search/feed/?q=invoice")
    assert rss.version == "rss20"
    assert rss.feed.title.endswith("search for “invoice”")
    assert rss.feed.link == f"{ROOT}/search/?q=invoice"
    links = [entry.link for entry in rss.entries]
    assert f"{ROOT}{content['hidden'].get_absolute_url()}" not in links
    assert f"{ROOT}{content['old'].get_absolute_url()}" in links
    assert f"{ROOT}{FaqArticlePage.objects.get(pk=content['article'].pk).url}" in links
    dates = [entry.published_parsed for entry in rss.entries]
    assert dates == sorted(dates, reverse=True)
    assert links.index(f"{ROOT}{content['new'].get_absolute_url()}") < links.index(
        f"{ROOT}{content['old'].get_absolute_url()}"
    )
    atom = parse(client, "/search/feed/atom/?q=invoice")
    assert atom.version == "atom10"
    assert [entry.link for entry in atom.entries] == links


def test_search_feed_keeps_the_search_filters(client, content):
    feed = parse(client, "/search/feed/?q=invoice&type=faq")
    assert [entry.title for entry in feed.entries] == ["[FAQ] How do I download an invoice?"]
    assert feed.feed.link == f"{ROOT}/search/?q=invoice&type=faq"
    feed = parse(client, "/search/feed/?q=invoice&category=billing")
    assert feed.entries and all(entry.title.startswith("[Question]") for entry in feed.entries)


@pytest.mark.parametrize("query", ["", "?q=", "?q=%00%00", "?q=!!!", "?q=" + "x" * 5000 + "%00"])
def test_search_feed_without_a_usable_query_is_a_404_or_a_feed_never_an_error(client, db, query):
    response = client.get("/search/feed/" + query)
    # A NUL anywhere in a request is refused before any view (config.request_checks).
    assert response.status_code in ((400,) if "%00" in query else (200, 404))
    if response.status_code == 200:
        assert not feedparser.parse(response.content).bozo


def test_search_page_offers_to_subscribe_to_the_search(client, content):
    html = client.get("/search/?q=invoice&type=question&page=2").content.decode()
    assert "subscribe to this search" in html
    assert 'href="/search/feed/?q=invoice&amp;type=question"' in html
    assert (
        'type="application/atom+xml"' in html
        and 'href="/search/feed/atom/?q=invoice&amp;type=question"' in html
    )
    assert "subscribe to this search" not in client.get("/search/").content.decode()


def test_tag_feed_lists_only_visible_topics_with_the_tag(client, content):
    feed = parse(client, "/community/tags/invoices/feed/")
    assert [entry.title for entry in feed.entries] == ["[Question] Invoice missing from March"]
    assert client.get("/community/tags/nothing-here/feed/").status_code == 404
    html = client.get("/community/?tag=invoices").content.decode()
    assert 'href="/community/tags/invoices/feed/"' in html


def test_faq_feed_lists_live_articles_latest_update_first(client, content):
    second = published_article("How do I change my plan?", "Open Plans.")
    feed = parse(client, "/faq/feed/")
    titles = [entry.title for entry in feed.entries]
    assert titles == ["How do I change my plan?", "How do I download an invoice?"]
    assert feed.entries[0].summary == "Open Plans."
    page = FaqArticlePage.objects.get(pk=content["article"].pk)
    page.summary = "From the Billing page, under Invoices."
    page.save_revision().publish()
    titles = [entry.title for entry in parse(client, "/faq/feed/").entries]
    assert titles == ["How do I download an invoice?", "How do I change my plan?"]
    assert second.pk
    assert 'href="/faq/feed/"' in client.get("/faq/").content.decode()
