"""The pipeline's gates: size, malformed MIME, robots and loops, authentication, the sender
rate limit, routing, and the log row each message leaves."""

from __future__ import annotations

import pytest

from forum.models import Post
from inbound import checks
from inbound.models import InboundMessage
from inbound.pipeline import receive
from inbound.services import reply_address_for
from tests.inbound.conftest import build_mail, fixture_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply_to(ann, topic):
    return reply_address_for(user=ann, topic=topic)


def test_oversized_mail_is_refused_before_parsing(reply_to, settings, topic):
    settings.INBOUND_EMAIL_MAX_BYTES = 2000
    raw = build_mail(to=reply_to, body="x" * 5000)
    outcome = receive(raw, source="test")
    assert outcome.status == "refused" and outcome.reason.startswith("too large")
    assert outcome.message.size == len(raw) and outcome.message.sender == "ann@example.org"
    assert Post.objects.filter(topic=topic).count() == 1  # the question only


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without any header\r\n",
        b"From: \r\nSubject: nobody\r\n\r\nbody",
        b"Authentication-Results: mx.test; dmarc=pass\r\nFrom: =?utf-8?b?broken\r\nTo: support@community.test\r\n"
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--y\r\nnot the boundary\r\n',
    ],
)
def test_malformed_mail_is_refused_not_raised(raw):
    outcome = receive(raw, source="test")
    assert outcome.status == "refused"
    assert outcome.reason.startswith("malformed"), outcome.reason
    assert InboundMessage.objects.get().status == "refused"


def test_multipart_without_boundary_is_refused(reply_to, topic):
    outcome = receive(fixture_mail("malformed.eml", reply_to), source="test")
    assert outcome.status == "refused" and "malformed" in outcome.reason
    assert Post.objects.filter(topic=topic).count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"X-Autoreply": "yes"},
        {"X-Auto-Response-Suppress": "All"},
        {"Return-Path": "<>"},
        {"List-Id": "<announce.example.org>"},
    ],
)
def test_automatic_mail_is_ignored(reply_to, topic, headers):
    outcome = receive(build_mail(to=reply_to, body="I am out of the office.", headers=headers), source="test")
    assert outcome.status == "ignored", outcome.reason
    assert Post.objects.filter(topic=topic).count() == 1


def test_bounce_from_mailer_daemon_is_ignored(reply_to):
    raw = build_mail(to=reply_to, sender="Mail Delivery System <MAILER-DAEMON@example.org>")
    assert receive(raw, source="test").status == "ignored"


def test_our_own_mail_coming_back_is_ignored(reply_to):
    raw = build_mail(to=reply_to, sender="Acme Community <community@community.test>")
    outcome = receive(raw, source="test")
    assert outcome.status == "ignored" and "loop" in outcome.reason


def test_failed_dmarc_is_refused_without_a_reply(
    reply_to, topic, mailoutbox, django_capture_on_commit_callbacks
):
    raw = build_mail(to=reply_to, auth="mx.test; spf=fail smtp.mailfrom=example.org; dkim=none; dmarc=fail")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(raw, source="test")
    assert outcome.status == "refused" and "not authenticated" in outcome.reason
    assert "dmarc=fail" in outcome.message.auth_results
    assert mailoutbox == []  # no backscatter to a possibly forged sender
    assert Post.objects.filter(topic=topic).count() == 1


def test_results_from_another_server_are_not_trusted(reply_to):
    raw = build_mail(to=reply_to, auth="evil.example; dmarc=pass header.from=example.org")
    outcome = receive(raw, source="test")
    assert outcome.status == "refused" and "no Authentication-Results from mx.test" in outcome.reason


def test_spf_and_aligned_dkim_pass_without_dmarc(reply_to):
    raw = build_mail(
        to=reply_to, auth="mx.test; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=mail.example.org"
    )
    assert receive(raw, source="test").status == "taken"


def test_dkim_for_an_unaligned_domain_does_not_count(reply_to):
    raw = build_mail(
        to=reply_to, auth="mx.test; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=bulkmailer.example"
    )
    assert receive(raw, source="test").status == "refused"


def test_dkim_checked_here_with_dkimpy(reply_to, settings, monkeypatch):
    import base64

    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    monkeypatch.setattr(
        checks, "DKIM_DNS", lambda name, timeout=5: record if name == b"sel._domainkey.example.org." else None
    )
    settings.INBOUND_AUTH_CHECK = "dkim"
    raw = build_mail(to=reply_to, auth=None, body="Signed and sealed.")
    signature = dkim.sign(
        raw, b"sel", b"example.org", private, include_headers=[b"From", b"To", b"Subject", b"Message-ID"]
    )
    outcome = receive(signature + raw, source="test")
    assert outcome.status == "taken", outcome.reason
    assert outcome.message.auth_results == "dkim=pass header.d=example.org"
    tampered = (signature + build_mail(to=reply_to, auth=None, body="Changed on the way.")).replace(
        b"Message-ID: <", b"Message-ID: <x"
    )
    assert receive(tampered, source="test").status == "refused"


def test_sender_rate_limit(reply_to, settings):
    settings.INBOUND_SENDER_RATE_LIMIT = "2/h"
    statuses = [receive(build_mail(to=reply_to, body=f"message {n}"), source="test").status for n in range(3)]
    assert statuses == ["taken", "taken", "refused"]
    assert "rate limit" in InboundMessage.objects.order_by("-pk").first().reason


def test_mail_to_an_unknown_address_is_refused(ann):
    outcome = receive(build_mail(to="someone@community.test"), source="test")
    assert outcome.status == "refused" and "not addressed" in outcome.reason


def test_mail_without_message_id_is_keyed_by_its_bytes(reply_to, topic):
    raw = build_mail(to=reply_to).replace(b"Message-ID:", b"X-Old-ID:")
    first, second = receive(raw, source="test"), receive(raw, source="pipe")
    assert first.status == "taken" and second.status == "duplicate"
    assert first.message.message_id.startswith("sha256:")
    assert Post.objects.filter(topic=topic).count() == 2


def test_unknown_source_is_a_programming_error():
    with pytest.raises(ValueError):
        receive(b"", source="carrier-pigeon")


def test_automatic_reason_recognises_a_delivery_report():
    from email import message_from_bytes, policy

    msg = message_from_bytes(
        b"From: postmaster@example.org\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--\r\n",
        policy=policy.default,
    )
    assert checks.automatic_reason(msg, "someone@example.org").startswith("bounce")
