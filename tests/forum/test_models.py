from django.core.exceptions import ValidationError

import pytest

from forum.models import Category


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["ask", "moderation", "feed"])
def test_category_slug_cannot_shadow_community_addresses(slug):
    category = Category(name=f"Area {slug}", slug=slug)
    with pytest.raises(ValidationError) as excinfo:
        category.full_clean()
    assert "slug" in excinfo.value.message_dict


@pytest.mark.django_db
def test_category_ordinary_slug_is_accepted():
    Category(name="Billing", slug="billing").full_clean()
