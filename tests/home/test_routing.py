"""HomePage.route finds what Wagtail's own routing finds, in fewer queries."""

from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from wagtail.models import Page

import pytest

from home.models import HomePage
from tests.kb.conftest import make_article, make_section


def _route(page, components, *, wagtail: bool):
    request = RequestFactory().get("/")
    route = Page.route if wagtail else type(page).route
    try:
        result = route(page, request, components)
    except Http404:
        return "404"
    return (type(result.page), result.page.pk, result.args, result.kwargs)


@pytest.fixture
def tree(db):
    from kb.models import FaqIndexPage

    home = HomePage.objects.get()
    index = FaqIndexPage.objects.get()
    billing = make_section(index, "Billing")
    other = make_section(index, "Accounts")
    make_article(billing, "How do I pay?")
    make_article(other, "How do I pay?")  # the same slug in another section
    make_article(billing, "Draft answer", publish=False)
    return home, index


@pytest.mark.parametrize(
    "path",
    [
        [],
        ["faq"],
        ["faq", "billing"],
        ["faq", "billing", "how-do-i-pay"],
        ["faq", "accounts", "how-do-i-pay"],
        ["faq", "billing", "draft-answer"],  # not live: 404
        ["faq", "nowhere"],
        ["faq", "billing", "how-do-i-pay", "deeper"],
        ["billing"],  # a section is not a child of home
        ["faq", "faq"],
    ],
)
def test_home_route_matches_wagtail_routing(tree, path):
    home, _ = tree
    assert _route(home, path, wagtail=False) == _route(home, path, wagtail=True)


def test_home_route_costs_two_queries_at_any_depth(tree):
    home, _ = tree
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as ours:
        page = home.route(request, ["faq", "billing", "how-do-i-pay"]).page
    with CaptureQueriesContext(connection) as wagtails:
        Page.route(home, request, ["faq", "billing", "how-do-i-pay"])
    assert page.title == "How do I pay?"
    assert len(ours) == 2 < len(wagtails)
    # The parent is known without another query (the article page's "More in ..." link), and
    # so are the article's own fields.
    with CaptureQueriesContext(connection) as more:
        assert page.get_parent().title == "Billing"
        assert page.answer == "<p>Use a card.</p>" and page.summary == "Pay by card."
        assert page.get_deferred_fields() == set()
    assert len(more) == 0


def test_home_route_hands_over_to_a_page_that_routes_itself(tree, monkeypatch):
    from kb.models import FaqIndexPage

    home, index = tree
    seen = []

    def custom_route(self, request, path_components):
        seen.append(list(path_components))
        return Page.route(self, request, path_components)

    monkeypatch.setattr(FaqIndexPage, "route", custom_route)
    result = home.route(RequestFactory().get("/"), ["faq", "billing", "how-do-i-pay"])
    assert seen == [["billing", "how-do-i-pay"]]
    assert result.page.title == "How do I pay?"


def test_home_route_passes_over_pages_of_another_tree_with_the_same_slugs(tree):
    """The path query asks by depth and slug only: a second site's tree whose pages have the
    same slugs at the same depths is read and passed over, never routed to."""
    home, index = tree
    other_root = Page.get_first_root_node().add_child(instance=Page(title="Other site", slug="other-home"))
    other_faq = other_root.add_child(instance=Page(title="Other FAQ", slug="faq"))
    other_billing = other_faq.add_child(instance=Page(title="Other billing", slug="billing"))
    other_billing.add_child(instance=Page(title="Other answer", slug="how-do-i-pay"))
    other_billing.add_child(instance=Page(title="Only over there", slug="elsewhere"))
    assert other_faq.depth == index.depth
    for path in (
        ["faq"],
        ["faq", "billing"],
        ["faq", "billing", "how-do-i-pay"],
        ["faq", "billing", "elsewhere"],
    ):
        assert _route(home, path, wagtail=False) == _route(home, path, wagtail=True)
    result = home.route(RequestFactory().get("/"), ["faq", "billing", "how-do-i-pay"])
    assert result.page.title == "How do I pay?"
    assert _route(home, ["faq", "billing", "elsewhere"], wagtail=False) == "404"
