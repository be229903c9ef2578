"""What an FAQ page costs to serve: the ancestors, view restrictions and URLs it takes from the
routing instead of asking again, each the same answer as Wagtail's own."""

from __future__ import annotations

from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from wagtail.models import Page, PageViewRestriction, Site

import pytest

from home.models import HomePage
from kb.models import FaqArticlePage, FaqRelatedArticle, FaqRelatedTopic, page_url
from tests.factories import TopicFactory
from tests.kb.conftest import make_article, make_section


def _routed(path: str, host: str = "localhost"):
    """The page Wagtail's serve view finds for ``path``, as it finds it."""
    request = RequestFactory().get(path, HTTP_HOST=host)
    page, _args, _kwargs = Page.route_for_request(request, path)
    return page, request


def _clear_caches():
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def tree(faq_index):
    billing = make_section(faq_index, "Billing")
    article = make_article(billing, "How do I pay?")
    return faq_index, billing, article


def test_article_page_from_scratch_costs_eight_queries(client, tree, django_assert_num_queries):
    # The site, the home page, the pages along the path, the article, its view restrictions,
    # its tags, its related article links and its related topic links.
    _, _, article = tree
    url = article.url
    client.get(url)  # the process's own caches (content types, the site record) are warm
    _clear_caches()
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200


def test_breadcrumb_ancestors_come_from_the_routing_without_a_query(tree):
    _, _, article = tree
    page, _ = _routed(article.url)
    expected = [p.pk for p in article.get_ancestors().filter(depth__gt=1)]
    with CaptureQueriesContext(connection) as queries:
        assert [p.pk for p in page.breadcrumb_ancestors()] == expected
    assert len(queries) == 0
    # A page that did not come through the router asks Wagtail.
    loaded = FaqArticlePage.objects.get(pk=article.pk)
    assert loaded.routed_ancestors() is None
    assert [p.pk for p in loaded.breadcrumb_ancestors()] == expected


@pytest.mark.parametrize("where", [None, "root", "home", "index", "section", "article"])
def test_view_restrictions_are_wagtails_and_asked_once(tree, where):
    index, section, article = tree
    home = HomePage.objects.get()
    restricted = {
        "root": Page.get_first_root_node(),
        "home": home,
        "index": index,
        "section": section,
        "article": article,
    }.get(where)
    if restricted is not None:
        PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    page, _ = _routed(article.url)
    expected = set(Page.get_view_restrictions(Page.objects.get(pk=article.pk)))
    assert set(page.get_view_restrictions()) == expected
    assert len(expected) == (0 if where is None else 1)
    with CaptureQueriesContext(connection) as queries:
        assert set(page.get_view_restrictions()) == expected
        assert page.get_view_restrictions().exists() == bool(expected)
    assert len(queries) == 0


def test_an_alias_article_takes_its_sources_view_restrictions(tree, faq_index):
    _, _, article = tree
    other = make_section(faq_index, "Accounts")
    alias = article.create_alias(parent=other, update_slug="paying")
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    page, _ = _routed(alias.url)
    assert page.pk == alias.pk
    expected = set(Page.get_view_restrictions(Page.objects.get(pk=alias.pk)))
    assert expected and set(page.get_view_restrictions()) == expected


def test_a_private_article_has_no_structured_data_after_the_password(client, tree):
    _, _, article = tree
    restriction = PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.PASSWORD, password="open sesame"
    )
    response = client.post(
        f"/_util/authenticate_with_password/{restriction.pk}/{article.pk}/",
        {"password": "open sesame", "return_url": article.url},
    )
    assert response.status_code == 302
    html = client.get(article.url).content.decode()
    assert "How do I pay?" in html and "application/ld+json" not in html


@pytest.mark.parametrize("host", ["localhost", "faq.example"])
def test_page_url_is_wagtails_get_url(tree, host):
    """With a second site whose root is the FAQ index, on either site."""
    index, section, article = tree
    Site.objects.create(hostname="faq.example", port=80, root_page=index)
    home = HomePage.objects.get()
    request = RequestFactory().get("/", HTTP_HOST=host)
    pages = [home, index, section, article, Page.objects.get(pk=article.pk)]
    expected = [page.get_url(request=RequestFactory().get("/", HTTP_HOST=host)) for page in pages]
    assert [page_url(page, request) for page in pages] == expected
    assert page_url(article, None) == article.get_url()


def test_page_url_needs_no_site_list_for_the_requests_own_site(tree):
    _, section, article = tree
    expected = [article.url, section.url]
    page, request = _routed(expected[0])
    _clear_caches()
    with CaptureQueriesContext(connection) as queries:
        assert [page_url(page, request), page_url(page.get_parent(), request)] == expected
    assert len(queries) == 0


def test_related_topics_keep_the_editors_order_and_leave_out_hidden_ones(tree):
    _, section, article = tree
    first, hidden, last = TopicFactory(), TopicFactory(is_hidden=True), TopicFactory()
    for order, topic in enumerate([last, hidden, first]):
        FaqRelatedTopic.objects.create(page=article, topic=topic, sort_order=order)
    other = make_article(section, "Can I pay later?")
    draft = make_article(section, "Draft", publish=False)
    FaqRelatedArticle.objects.create(page=article, article=draft, sort_order=0)
    FaqRelatedArticle.objects.create(page=article, article=other, sort_order=1)
    page, _ = _routed(article.url)
    assert page.related_topics() == [last, first]
    assert [a.pk for a in page.related_articles()] == [other.pk]


def test_an_article_without_related_content_loads_no_topics_or_articles(tree):
    _, _, article = tree
    page, _ = _routed(article.url)
    with CaptureQueriesContext(connection) as queries:
        assert page.related_topics() == [] and page.related_articles() == []
    assert len(queries) == 2  # the two link tables
