"""The Sites records follow SITE_URL, so allauth's mail and full page URLs name the real host."""

from django.contrib.sites.models import Site as DjangoSite
from django.core import mail
from django.core.management.sql import emit_post_migrate_signal

from wagtail.models import Site as WagtailSite

import pytest

from ops.sites import site_url_parts, sync_sites

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, parts",
    [
        ("https://help.example.com", ("help.example.com", "help.example.com", 443)),
        ("https://help.example.com:8443/", ("help.example.com:8443", "help.example.com", 8443)),
        ("http://127.0.0.1:8000", ("127.0.0.1:8000", "127.0.0.1", 8000)),
        ("http://localhost", ("localhost", "localhost", 80)),
    ],
)
def test_site_url_parts(url, parts):
    assert site_url_parts(url) == parts


@pytest.mark.parametrize("url", ["help.example.com", "ftp://x.example.com", "https://"])
def test_site_url_parts_refuses_non_addresses(url):
    with pytest.raises(ValueError):
        site_url_parts(url)


def test_migrate_points_both_site_records_at_site_url(settings):
    settings.SITE_URL = "https://help.acme.test"
    settings.SITE_NAME = "Acme Help"
    emit_post_migrate_signal(0, False, "default")
    site = DjangoSite.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("help.acme.test", "Acme Help")
    wagtail_site = WagtailSite.objects.get(is_default_site=True)
    assert (wagtail_site.hostname, wagtail_site.port) == ("help.acme.test", 443)
    assert wagtail_site.root_url == "https://help.acme.test"


def test_sync_keeps_a_non_default_port(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    assert sync_sites() is True
    assert DjangoSite.objects.get(pk=settings.SITE_ID).domain == "127.0.0.1:8123"
    assert WagtailSite.objects.get(is_default_site=True).root_url == "http://127.0.0.1:8123"


def test_sync_does_nothing_without_site_url(settings):
    before = DjangoSite.objects.get(pk=settings.SITE_ID).domain
    settings.SITE_URL = None
    assert sync_sites() is False
    assert DjangoSite.objects.get(pk=settings.SITE_ID).domain == before


def test_sync_leaves_the_default_site_when_another_site_owns_the_host(settings):
    default = WagtailSite.objects.get(is_default_site=True)
    WagtailSite.objects.create(hostname="help.acme.test", port=443, root_page=default.root_page)
    settings.SITE_URL = "https://help.acme.test"
    sync_sites()
    default.refresh_from_db()
    assert (default.hostname, default.port) != ("help.acme.test", 443)
    assert DjangoSite.objects.get(pk=settings.SITE_ID).domain == "help.acme.test"


def test_allauth_mail_is_signed_with_the_site_name_not_example_com(client, settings):
    settings.SITE_URL = "https://help.acme.test"
    settings.SITE_NAME = "Acme Help"
    sync_sites()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@acme.test",
            "username": "newcomer",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert "example.com" not in message.body
    assert "Acme Help" in message.body
