"""One reserved-slug list, derived from the community's routes (forum/urls.py)."""

from django.core.exceptions import ValidationError
from django.urls import resolve

import pytest

from forum.models import Category
from forum.urls import reserved_category_slugs


def test_every_fixed_route_reserves_its_first_segment():
    reserved = reserved_category_slugs()
    assert {"ask", "preview", "feed", "t", "topics", "p", "moderation", "members"} <= reserved
    assert {"tags", "search", "u"} <= reserved  # confusable, though no route owns them


def test_a_free_slug_resolves_to_the_category_page_and_is_not_reserved():
    assert "billing" not in reserved_category_slugs()
    assert resolve("/community/billing/").url_name == "category"
    # A reserved one is owned by another route.
    assert resolve("/community/ask/").url_name != "category"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["ask", "moderation", "members", "tags"])
def test_category_clean_refuses_a_reserved_slug(slug):
    with pytest.raises(ValidationError) as info:
        Category(name=f"Name {slug}", slug=slug).full_clean()
    assert "slug" in info.value.message_dict


@pytest.mark.django_db
def test_category_clean_accepts_a_free_slug():
    Category(name="Billing", slug="billing").full_clean()
