"""home.sites finds the site Wagtail's own lookup finds, for every host and port, with its SQL
compiled once; the middleware hands it to Wagtail's page views only."""

from django.test import RequestFactory

from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname

import pytest

from home import sites
from home.models import HomePage


def _wagtails(hostname: str, port: int):
    try:
        return get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return None


@pytest.fixture
def several_sites(db):
    home = HomePage.objects.get()
    other = Page.get_first_root_node().add_child(instance=Page(title="Other", slug="other"))
    Site.objects.all().delete()
    made = {
        "default": Site.objects.create(
            hostname="community.example", port=443, root_page=home, is_default_site=True
        ),
        "docs": Site.objects.create(hostname="docs.example", port=443, root_page=other),
        "docs-8080": Site.objects.create(hostname="docs.example", port=8080, root_page=home),
        "shop": Site.objects.create(hostname="shop.example", port=80, root_page=other),
    }
    sites._ranked_sites.forget()
    return made


HOSTS = [
    "community.example",
    "docs.example",
    "shop.example",
    "unknown.example",
    "",
    "ünïcode.example",
    "x' OR '1'='1",
]
PORTS = [80, 443, 8080, 9999]


def test_every_host_and_port_finds_wagtails_site(several_sites):
    for hostname in HOSTS:
        for port in PORTS:
            assert sites.site_for_hostname(hostname, port) == _wagtails(hostname, port), (hostname, port)


def test_without_a_default_site_an_unknown_host_finds_none_as_wagtail_does(several_sites):
    several_sites["default"].delete()
    for hostname in HOSTS:
        for port in PORTS:
            assert sites.site_for_hostname(hostname, port) == _wagtails(hostname, port), (hostname, port)
    assert sites.site_for_hostname("unknown.example", 80) is None


def test_a_site_changed_in_the_admin_is_found_at_once(several_sites):
    assert sites.site_for_hostname("shop.example", 80) == several_sites["shop"]
    several_sites["shop"].hostname = "store.example"
    several_sites["shop"].save()
    assert sites.site_for_hostname("shop.example", 80) == several_sites["default"]
    assert sites.site_for_hostname("store.example", 80) == several_sites["shop"]


def test_the_lookup_costs_one_query_and_no_compilation_after_the_first(
    several_sites, django_assert_num_queries
):
    from tests.core.test_prepared import compiles

    sites.site_for_hostname("docs.example", 443)
    with compiles() as as_sql, django_assert_num_queries(1):
        found = sites.site_for_hostname("shop.example", 80)
    assert as_sql.call_count == 0
    # The root page came with it, as Wagtail's select_related brings it.
    with django_assert_num_queries(0):
        assert found.root_page.slug == "other"


def test_the_middleware_sets_the_site_for_wagtail_pages_only(several_sites):
    from wagtail import views as wagtail_views

    middleware = sites.PreparedSiteMiddleware(lambda request: None)
    # Like Wagtail, the port is the one the request came in on, not the one in the Host header.
    page_request = RequestFactory().get("/faq/", HTTP_HOST="docs.example:8080", SERVER_PORT="8080")
    middleware.process_view(page_request, wagtail_views.serve, (), {})
    assert page_request._wagtail_site == several_sites["docs-8080"]
    assert Site.find_for_request(page_request) == several_sites["docs-8080"]
    assert Site._find_for_request(page_request) == several_sites["docs-8080"]
    other_request = RequestFactory().get("/community/")
    middleware.process_view(other_request, lambda request: None, (), {})
    assert not hasattr(other_request, "_wagtail_site")


def test_a_port_that_is_no_number_is_left_to_wagtail(several_sites, settings):
    from wagtail import views as wagtail_views

    settings.USE_X_FORWARDED_PORT = True
    request = RequestFactory().get("/faq/", HTTP_HOST="docs.example", HTTP_X_FORWARDED_PORT="80abc")
    sites.PreparedSiteMiddleware(lambda request: None).process_view(request, wagtail_views.serve, (), {})
    assert not hasattr(request, "_wagtail_site")


def test_faq_pages_are_served_through_the_prepared_lookup(client, db, monkeypatch):
    from kb.models import FaqIndexPage
    from tests.kb.conftest import make_article, make_section

    make_article(make_section(FaqIndexPage.objects.get(), "Billing"))
    asked = []
    real = sites.site_for_request
    monkeypatch.setattr(
        sites, "site_for_request", lambda request: asked.append(request.path) or real(request)
    )
    response = client.get("/faq/billing/how-do-i-pay/")
    assert response.status_code == 200
    assert asked == ["/faq/billing/how-do-i-pay/"]
    assert client.get("/faq/billing/no-such-article/").status_code == 404
