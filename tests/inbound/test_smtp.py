"""The confirmation of a reply by email, sent through a real SMTP server on loopback."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from inbound.pipeline import receive
from inbound.services import reply_address_for
from tests.inbound.conftest import build_mail

pytestmark = pytest.mark.django_db


class Keep:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    keep = Keep()
    port = free_port()
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield keep
    controller.stop()


def test_confirmation_goes_out_over_smtp_threaded_and_marked_automatic(
    smtp, ann, topic, django_capture_on_commit_callbacks
):
    raw = build_mail(to=reply_address_for(user=ann, topic=topic), message_id="<round-trip@example.org>")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(raw, source="test")
    assert outcome.status == "taken"
    to_ann = [m for frm, rcpt, m in smtp.messages if rcpt == ["ann@example.org"]]
    assert len(to_ann) == 1
    sent = to_ann[0]
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == "<round-trip@example.org>"
    assert "Your reply to" in sent.get_content()
    # Our own confirmation, fed back in (an auto-forward, a misconfigured alias): ignored.
    again = receive(sent.as_bytes(), source="test")
    assert again.status == "ignored"
