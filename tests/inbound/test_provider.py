"""Provider inbound webhooks (django-anymail): checked posts reach the pipeline once, others nothing."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import hashlib
import hmac
import importlib
import json
import time

from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import NoReverseMatch, clear_url_caches, reverse

import pytest

from inbound import provider
from tests.inbound.conftest import build_mail

SECRET = "community:webhook-secret-2026"
SIGNING_KEY = "key-mailgun-signing-test"
RAW = (
    b"From: Member One <member1@example.org>\r\n"
    b"To: reply+token1@community.example.test\r\n"
    b"Subject: Re: How do I reset the router?\r\n"
    b"Message-ID: <webhook-1@example.org>\r\n"
    b"Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"\r\n"
    b"Holding the button for ten seconds did it, thanks.\r\n"
)


@dataclasses.dataclass(frozen=True)
class Result:
    status: str
    reason: str
    message: None = None


class Recorder:
    def __init__(self):
        self.calls: list[tuple[bytes, str]] = []

    def __call__(self, raw: bytes, *, source: str) -> Result:
        self.calls.append((raw, source))
        return Result("taken", "recorded")


def reload_urls() -> None:
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def webhooks(settings):
    """Mailgun and Postmark configured, and the site's routes rebuilt to match."""
    settings.INBOUND_WEBHOOK_PROVIDERS = ["mailgun", "postmark"]
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    reload_urls()
    yield settings
    settings.INBOUND_WEBHOOK_PROVIDERS = []
    settings.ANYMAIL = {}
    reload_urls()


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    recording = Recorder()
    monkeypatch.setattr(provider, "deliver", recording)
    return recording


@pytest.fixture
def client() -> Client:
    # Providers send no CSRF token: the webhooks must not need one.
    return Client(enforce_csrf_checks=True)


def basic_auth(credentials: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def mailgun_fields(raw: bytes = RAW, *, key: str = SIGNING_KEY) -> dict[str, str]:
    timestamp, token = str(int(time.time())), "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "recipient": "reply+token1@community.example.test",
        "sender": "member1@example.org",
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "body-mime": raw.decode(),
    }


def assert_same_message(handed: bytes, raw: bytes = RAW) -> None:
    """What the pipeline gets is the message the member sent: same headers, same body."""
    got = email.message_from_bytes(handed, policy=email.policy.default)
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    for header in ("From", "To", "Subject", "Message-ID", "Date"):
        assert got[header] == sent[header], header
    assert got.get_content().strip() == sent.get_content().strip()


def test_a_signed_mailgun_post_reaches_the_pipeline_once(webhooks, recorder, client):
    response = client.post("/mail/inbound/mailgun_mime/", mailgun_fields(), **basic_auth())

    assert response.status_code == 200
    assert len(recorder.calls) == 1
    raw, source = recorder.calls[0]
    assert source == "webhook"
    assert_same_message(raw)


def test_a_mailgun_post_with_a_bad_signature_is_refused_and_reaches_nothing(webhooks, recorder, client):
    forged = mailgun_fields(key="key-somebody-else")
    response = client.post("/mail/inbound/mailgun_mime/", forged, **basic_auth())
    assert response.status_code == 400
    assert recorder.calls == []


def test_a_mailgun_post_without_the_basic_auth_secret_is_refused(webhooks, recorder, client):
    for headers in ({}, basic_auth("community:guess")):
        response = client.post("/mail/inbound/mailgun_mime/", mailgun_fields(), **headers)
        assert response.status_code == 400
    assert recorder.calls == []


def test_a_postmark_post_with_the_secret_reaches_the_pipeline(webhooks, recorder, client):
    payload = {
        "FromFull": {"Email": "member1@example.org", "Name": "Member One"},
        "Subject": "Re: How do I reset the router?",
        "Headers": [],
        "RawEmail": RAW.decode(),
    }
    response = client.post(
        "/mail/inbound/postmark/", json.dumps(payload), content_type="application/json", **basic_auth()
    )

    assert response.status_code == 200
    assert [source for _, source in recorder.calls] == ["webhook"]
    assert_same_message(recorder.calls[0][0])


def test_a_postmark_post_without_the_secret_is_refused(webhooks, recorder, client):
    payload = {"RawEmail": RAW.decode(), "Headers": []}
    response = client.post("/mail/inbound/postmark/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert recorder.calls == []


@pytest.mark.django_db
def test_without_configuration_there_is_no_webhook_route(settings, recorder):
    assert settings.INBOUND_WEBHOOK_PROVIDERS == []
    reload_urls()
    for name in provider.PROVIDERS:
        with pytest.raises(NoReverseMatch):
            reverse(f"inbound_webhook_{name}")
    response = Client().post("/mail/inbound/mailgun_mime/", mailgun_fields(), **basic_auth())
    assert response.status_code == 404
    assert recorder.calls == []


def test_only_the_providers_named_are_mounted(settings, recorder, client):
    settings.INBOUND_WEBHOOK_PROVIDERS = ["postmark"]
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    try:
        reload_urls()
        assert reverse("inbound_webhook_postmark") == "/mail/inbound/postmark/"
        with pytest.raises(NoReverseMatch):
            reverse("inbound_webhook_mailgun")
    finally:
        settings.INBOUND_WEBHOOK_PROVIDERS = []
        reload_urls()


@pytest.mark.parametrize(
    ("names", "anymail", "message"),
    [
        (["mailgun"], {"WEBHOOK_SECRET": SECRET}, "MAILGUN_WEBHOOK_SIGNING_KEY is not set"),
        (["mailgun"], {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}, "INBOUND_WEBHOOK_SECRET is not set"),
        (["postmark"], {}, "names postmark, but INBOUND_WEBHOOK_SECRET is not set"),
        (["postmark", "mailchimp"], {"WEBHOOK_SECRET": SECRET}, "unknown provider(s) mailchimp"),
    ],
)
def test_a_provider_named_without_its_secrets_stops_the_site(names, anymail, message):
    with pytest.raises(ImproperlyConfigured) as error:
        provider.configured_providers(names, anymail)
    assert message in str(error.value)


def test_a_pipeline_failure_is_a_500_so_the_provider_retries(webhooks, monkeypatch):
    def broken(raw: bytes, *, source: str):
        raise RuntimeError("database went away")

    monkeypatch.setattr(provider, "deliver", broken)
    client = Client(raise_request_exception=False)
    response = client.post("/mail/inbound/mailgun_mime/", mailgun_fields(), **basic_auth())
    assert response.status_code == 500


@pytest.mark.django_db
def test_a_reply_posted_by_mailgun_twice_is_posted_once_through_the_pipeline(webhooks, client, ann, topic):
    """Mailgun retries a post it thinks failed: the second copy is a duplicate, not a second reply."""
    from forum.models import Post
    from inbound import services
    from inbound.models import InboundMessage

    raw = build_mail(
        to=services.reply_address_for(user=ann, topic=topic),
        body="Holding the reset button for ten seconds did it.",
        message_id="<webhook-reply-1@example.org>",
    )
    for _ in range(2):
        response = client.post("/mail/inbound/mailgun_mime/", mailgun_fields(raw), **basic_auth())
        assert response.status_code == 200

    post = Post.objects.filter(topic=topic).exclude(pk=topic.first_post_id).get()
    assert post.author == ann and post.source == "Holding the reset button for ten seconds did it."
    record = InboundMessage.objects.get()
    assert (record.source, record.status, record.post) == ("webhook", "taken", post)
