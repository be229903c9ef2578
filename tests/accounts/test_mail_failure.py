"""When the mail server fails, signing up and asking for a password reset answer with a page
that says so, keep the account, and log the failure: never a server error."""

from __future__ import annotations

import logging
import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

import pytest

from accounts.adapter import MAIL_FAILED
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.com",
    "username": "newbie",
    "password1": "a-long-pass-phrase",
    "password2": "a-long-pass-phrase",
}


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture(params=["RefusingBackend", "DownBackend"])
def broken_mail(request, settings):
    settings.EMAIL_BACKEND = f"tests.accounts.test_mail_failure.{request.param}"


def test_signup_with_the_mail_server_down_keeps_the_account_and_says_so(client, broken_mail, caplog):
    with caplog.at_level(logging.ERROR, logger="accounts.adapter"):
        response = client.post(reverse("account_signup"), SIGNUP, follow=True)
    assert response.status_code == 200
    assert User.objects.filter(username="newbie").exists()
    assert MAIL_FAILED in response.content.decode()
    assert any("could not be sent" in r.getMessage() for r in caplog.records)


def test_password_reset_with_the_mail_server_down_is_not_a_server_error(client, broken_mail, caplog):
    UserFactory(email="someone@example.com")
    with caplog.at_level(logging.ERROR, logger="accounts.adapter"):
        response = client.post(
            reverse("account_reset_password"), {"email": "someone@example.com"}, follow=True
        )
    assert response.status_code == 200
    assert any("could not be sent" in r.getMessage() for r in caplog.records)


def test_mail_that_goes_out_sends_no_warning(client, mailoutbox):
    UserFactory(email="someone@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "someone@example.com"}, follow=True)
    assert response.status_code == 200
    assert len(mailoutbox) == 1
    assert MAIL_FAILED not in response.content.decode()


def test_a_mail_that_never_left_does_not_count_against_asking_again(client, settings, caplog, mailoutbox):
    """ACCOUNT_RATE_LIMITS allows 5 reset mails a minute per address: six failed attempts are
    all tried (and logged), since none of them sent anything; once mail works, the limit counts
    the mails that went out."""
    UserFactory(email="someone@example.com")
    settings.EMAIL_BACKEND = "tests.accounts.test_mail_failure.RefusingBackend"
    with caplog.at_level(logging.ERROR, logger="accounts.adapter"):
        for _ in range(6):
            client.post(reverse("account_reset_password"), {"email": "someone@example.com"})
    assert sum("could not be sent" in r.getMessage() for r in caplog.records) == 6
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "someone@example.com"}).status_code
        for _ in range(6)
    ]
    assert len(mailoutbox) == 5
    assert statuses[-1] == 429


def test_a_confirmation_that_never_left_is_sent_when_the_member_signs_in(client, settings, mailoutbox):
    """Confirmation mail is limited to one every three minutes per address; when the one sent at
    sign-up failed, signing in right after (which sends it again) gets it out."""
    settings.EMAIL_BACKEND = "tests.accounts.test_mail_failure.DownBackend"
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(reverse("account_login"), {"login": "newbie", "password": "a-long-pass-phrase"})
    assert len(mailoutbox) == 1
    assert "new@example.com" in mailoutbox[0].to
    # Sent now: the limit holds for the next three minutes.
    client.logout()
    client.post(reverse("account_login"), {"login": "newbie", "password": "a-long-pass-phrase"})
    assert len(mailoutbox) == 1
