"""Server-side request forgery: endpoints on private, loopback, link-local, multicast, reserved
or unspecified addresses are refused when saved, and again on the address actually connected to."""

from __future__ import annotations

import socket

from django.core.exceptions import ValidationError

import pytest

from core import outbound
from tests.webhooks.conftest import resolving
from webhooks import services
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def _strict(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_ALLOW_HTTP = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://240.0.0.1/hook",
        "https://100.64.0.1/hook",
        "https://localhost/hook",
        "https://printer.local/hook",
        "https://intranet/hook",
    ],
)
def test_private_and_local_addresses_are_refused_when_saved(staff, url):
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=staff, url=url, events=[Event.TOPIC_CREATED])
    message = " ".join(refused.value.message_dict["url"])
    assert message.startswith("Refused:") and "public addresses only" in message
    assert not Endpoint.objects.exists()


def test_a_name_resolving_to_loopback_is_refused_when_saved(staff, monkeypatch):
    resolving(monkeypatch, {"hooks.example": ["127.0.0.1"]})
    with pytest.raises(ValidationError, match="127.0.0.1 is a private, loopback or reserved address"):
        services.endpoint_create(actor=staff, url="https://hooks.example/in", events=[Event.TOPIC_CREATED])
    assert not Endpoint.objects.exists()


def test_a_public_https_address_is_accepted(staff, monkeypatch):
    resolving(monkeypatch, {"hooks.example": [PUBLIC]})
    endpoint = services.endpoint_create(
        actor=staff, url=" https://hooks.example/in ", events=[Event.FAQ_PUBLISHED, Event.TOPIC_CREATED]
    )
    assert endpoint.url == "https://hooks.example/in"
    assert endpoint.events == [Event.TOPIC_CREATED, Event.FAQ_PUBLISHED]  # in the documented order
    assert endpoint.secret.startswith("whsec_") and endpoint.created_by == staff


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example/in", "plain http is not allowed"),
        ("ftp://hooks.example/in", "Use an https:// address."),
        ("file:///etc/passwd", "Use an https:// address."),
        ("https://user:pw@hooks.example/in", "Leave the user name and password out"),
        ("https:///in", "no host name"),
        ("https://hooks.example:99999/in", "port"),
        ("https://nowhere.example/in", "does not resolve"),
        ("", "Use an https:// address."),
    ],
)
def test_bad_addresses_are_refused_with_a_clear_message(staff, monkeypatch, url, message):
    resolving(monkeypatch, {"hooks.example": [PUBLIC]})
    real = socket.getaddrinfo

    def no_such_name(host, *args, **kwargs):
        if host == "nowhere.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=staff, url=url, events=[Event.TOPIC_CREATED])
    assert message in " ".join(refused.value.message_dict["url"])
    assert not Endpoint.objects.exists()


def test_http_is_accepted_when_the_setting_allows_it(staff, monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    resolving(monkeypatch, {"hooks.example": [PUBLIC]})
    assert services.endpoint_create(actor=staff, url="http://hooks.example/in", events=[Event.TOPIC_CREATED])


def test_a_name_rebound_to_loopback_after_saving_is_refused_at_connect(
    receiver, staff, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name was public when the endpoint was saved, and resolves to the
    receiver on loopback when the message is sent. The connected address is checked: refused,
    and the receiver gets nothing."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_ALLOW_HTTP = True
    calls = resolving(monkeypatch, {"rebind.example": [PUBLIC, "127.0.0.1"]})
    endpoint = services.endpoint_create(
        actor=staff, url=f"http://rebind.example:{receiver.port}/hook", events=[Event.TOPIC_CREATED]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.emit(Event.TOPIC_CREATED, lambda: {"topic": {"id": 1}})
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert calls["rebind.example"] == 2
    assert delivery.status == Delivery.Status.FAILED and delivery.response_code is None
    assert delivery.error == "Refused: 127.0.0.1 is a private, loopback or reserved address."
    assert receiver.requests == []


def test_the_shared_check_refuses_what_is_not_public_and_allows_it_when_told():
    unspecified = "0.0.0.0"  # noqa: S104 (refused, never bound)
    for ip in ("127.0.0.1", "10.1.2.3", "::1", "fe80::1%eth0", "224.0.0.251", unspecified, "::ffff:10.0.0.1"):
        with pytest.raises(outbound.BlockedAddress):
            outbound.check_address(ip, allow_private=False)
        outbound.check_address(ip, allow_private=True)
    outbound.check_address(PUBLIC, allow_private=False)
    outbound.check_address("2606:4700:4700::1111", allow_private=False)
