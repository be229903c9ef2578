"""Finding 2 of the 2026-12 security review: client addresses behind proxies.

Behind the documented TLS proxy every request's REMOTE_ADDR is the proxy's, so allauth's
per-address limits put every visitor in one bucket: eleven bad logins by one client locked
everyone out. ``core.clientip`` derives the address from ``TRUSTED_PROXY_COUNT``; allauth
and the site's own limits all use it."""

from django.test import RequestFactory
from django.urls import reverse

import pytest

from core.clientip import client_ip, client_network
from kb import services as kb_services
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.9"
PRIYA = "198.51.100.7"


def _request(remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_ip_without_trusted_proxies_is_remote_addr_whatever_the_header(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="192.0.2.55")) == PROXY


def test_client_ip_takes_the_nth_address_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "192.0.2.55" itself; the proxy appended the address it saw.
    assert client_ip(_request(forwarded=f"192.0.2.55, {ATTACKER}")) == ATTACKER
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded=f"192.0.2.55, {ATTACKER}, 10.0.0.2")) == ATTACKER


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "  ,  "])
def test_client_ip_falls_back_to_remote_addr_on_short_or_bad_headers(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded=forwarded)) == PROXY


def test_client_ip_with_fewer_entries_than_proxies_is_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(_request(forwarded=f"{ATTACKER}, 10.0.0.2")) == PROXY


def test_client_ip_accepts_ports_and_ipv6(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="192.0.2.8:5123")) == "192.0.2.8"
    assert client_ip(_request(forwarded="[2001:db8::1]:443")) == "2001:db8::1"
    assert client_network(_request(forwarded="2001:db8:0:0:aaaa::1")) == "2001:db8::"


def _login(client, forwarded, login, password):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_one_clients_failed_logins_never_lock_out_another_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    priya = UserFactory(username="priya")
    for i in range(11):  # the review's attack: 11 bad logins, unrelated emails
        _login(client, ATTACKER, f"random{i}@nowhere.example", "nope")
    locked = _login(client, ATTACKER, "priya@example.com", PASSWORD)
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # A spoofed left-hand entry does not get the attacker a fresh bucket.
    spoofed = _login(client, f"192.0.2.1, {ATTACKER}", "priya@example.com", PASSWORD)
    assert "Too many failed login attempts" in spoofed.content.decode()

    response = _login(client, PRIYA, "priya@example.com", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == priya.pk


@pytest.mark.django_db
def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_bucket(client, settings):
    """The other way round: TRUSTED_PROXY_COUNT=0 behind a proxy is the review's lock-out."""
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(username="priya")
    for i in range(11):
        _login(client, ATTACKER, f"random{i}@nowhere.example", "nope")
    response = _login(client, PRIYA, "priya@example.com", PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_helpful_votes_and_faq_views_key_on_the_client_not_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = kb_services.visitor_from_request(_anonymous(forwarded=ATTACKER))
    priya = kb_services.visitor_from_request(_anonymous(forwarded=PRIYA))
    assert (attacker.address, priya.address) == (ATTACKER, PRIYA)


def test_topic_view_visitors_behind_the_proxy_are_told_apart(settings):
    from forum.services.views import visitor_key

    settings.TRUSTED_PROXY_COUNT = 1
    assert visitor_key(_anonymous(forwarded=ATTACKER)) != visitor_key(_anonymous(forwarded=PRIYA))
    settings.TRUSTED_PROXY_COUNT = 0
    assert visitor_key(_anonymous(forwarded=ATTACKER)) == visitor_key(_anonymous(forwarded=PRIYA))


def _anonymous(forwarded):
    from django.contrib.auth.models import AnonymousUser

    request = _request(forwarded=forwarded)
    request.user = AnonymousUser()
    return request
