import logging
import smtplib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit as allauth_ratelimit

from core.clientip import client_ip

logger = logging.getLogger(__name__)

# allauth's mails whose asking is rate-limited per address (ACCOUNT_RATE_LIMITS), by action.
RATE_LIMITED_MAIL = {
    "account/email/email_confirmation_signup": "confirm_email",
    "account/email/email_confirmation": "confirm_email",
    "account/email/password_reset_key": "reset_password",
}

MAIL_FAILED = (
    "We could not send the email just now. Your account is safe; please ask for it again in a few minutes."
)


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up policy: open to everyone; placeholder (imported) accounts never log in."""

    def is_open_for_signup(self, request) -> bool:
        return True

    def pre_login(self, request, user, **kwargs):
        if getattr(user, "is_placeholder", False):
            messages.error(request, "This account was imported and cannot sign in.")
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def clean_username(self, username, shallow=False):
        """allauth's checks, then: no new username may look like a team member's name."""
        from accounts import names

        username = super().clean_username(username, shallow=shallow)
        if not shallow and names.impersonated_member(username) is not None:
            raise ValidationError("That username looks like a team member's name; choose another.")
        return username

    def get_client_ip(self, request) -> str:
        """allauth's rate limits key clients the way the rest of the site does
        (``core.clientip``: ``TRUSTED_PROXY_COUNT`` proxies in front)."""
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mail (confirmation, password reset, security notices), sent in the request
        that asks for it: when the mail server fails, the visitor gets a page that says so and
        the failure is logged (and reported to error tracking) instead of a server error."""
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError):
            logger.exception("account mail %s could not be sent", template_prefix)
            request = allauth_context.request
            if request is not None and hasattr(request, "_messages"):
                messages.error(request, MAIL_FAILED)
            # A mail that never left does not count against asking for it again.
            action = RATE_LIMITED_MAIL.get(template_prefix)
            if request is not None and action is not None:
                allauth_ratelimit.clear(request, action=action, key=email.lower())
