"""Images in posts load only from the site itself (security review, section 18): an outside
image in a post cannot tell a third party who reads it. Named hosts can be allowed."""

from django.core.exceptions import ImproperlyConfigured
from django.test import Client

import pytest

from config.settings import base

pytestmark = pytest.mark.django_db


def img_src(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directive = next(part.strip() for part in policy.split(";") if part.strip().startswith("img-src"))
    return directive.split()[1:]


def test_img_src_is_the_site_and_data_only():
    assert img_src(Client().get("/community/")) == ["'self'", "data:"]


def test_named_image_hosts_are_added(settings):
    policy = dict(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"] = {
        **policy["DIRECTIVES"],
        "img-src": ["'self'", "data:", *base.image_origins(["https://images.example.com"])],
    }
    settings.CONTENT_SECURITY_POLICY = policy
    assert img_src(Client().get("/community/")) == ["'self'", "data:", "https://images.example.com"]


@pytest.mark.parametrize(
    "value", ["https://images.example.com", "https://cdn.example.co.uk:8443", "https://*.example.com"]
)
def test_image_origins_accepts_https_origins(value):
    assert base.image_origins([value]) == [value]


@pytest.mark.parametrize(
    "value",
    ["https:", "*", "http://images.example.com", "https://example.com/path", "data:", "'unsafe-inline'"],
)
def test_image_origins_refuses_anything_wider(value):
    with pytest.raises(ImproperlyConfigured, match="https origins"):
        base.image_origins([value])
