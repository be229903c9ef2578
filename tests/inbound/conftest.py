"""Inbound mail tests: the feature switched on (a reply domain, our receiving server's
authserv-id, two support addresses), a member with a confirmed address and a topic."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tests.factories import CategoryFactory, TopicFactory, UserFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
AUTH_PASS = "mx.test; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org"


@pytest.fixture(autouse=True)
def inbound_settings(settings):
    settings.INBOUND_EMAIL_DOMAIN = "in.community.test"
    settings.INBOUND_AUTHSERV_ID = "mx.test"
    settings.INBOUND_AUTH_CHECK = "header"
    settings.INBOUND_SUPPORT_ADDRESSES = "support@community.test=help,billing@community.test=billing"
    settings.INBOUND_STRANGER_POLICY = "moderate"
    settings.INBOUND_SENDER_RATE_LIMIT = "50/h"
    settings.FORUM_POST_RATE_LIMIT = "100/m"
    settings.DEFAULT_FROM_EMAIL = "Acme Community <community@community.test>"
    settings.SERVER_EMAIL = "Acme Community <community@community.test>"
    return settings


@pytest.fixture
def help_category(db):
    return CategoryFactory(name="Help", slug="help")


@pytest.fixture
def ann(db):
    return UserFactory(username="ann", email="ann@example.org", display_name="Ann Customer")


@pytest.fixture
def topic(db, help_category):
    return TopicFactory(title="Password reset link never arrives", category=help_category)


def build_mail(
    *,
    to: str,
    sender: str = "Ann Customer <ann@example.org>",
    subject: str = "Re: a topic",
    body: str = "Thanks, that fixed it.",
    auth: str | None = AUTH_PASS,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    msg = EmailMessage()
    if auth:
        msg["Authentication-Results"] = auth
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None and not body:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def fixture_mail(name: str, to: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"REPLY_ADDRESS", to.encode())
