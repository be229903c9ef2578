"""Inbound mail posted by an email provider (Mailgun, Postmark) through django-anymail.

Anymail's inbound views check each post (HTTP basic auth from ``INBOUND_WEBHOOK_SECRET`` for
every provider, and Mailgun's signature from ``MAILGUN_WEBHOOK_SIGNING_KEY``), turn the
provider's format into one normalised ``AnymailInboundMessage`` and send anymail's ``inbound``
signal. The receiver here turns that message back into RFC 5322 bytes and hands them to the same
pipeline as IMAP and the pipe command, so every road into the site obeys the same rules.

A post that fails the checks gets 400 and reaches nothing. A provider's route exists only when it
is named in ``INBOUND_WEBHOOK_PROVIDERS``; naming one without its secrets stops the site at
start, since anymail alone would accept unauthenticated posts with a mere warning.
"""

from __future__ import annotations

import dataclasses
import logging

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, re_path
from django.views import View

from anymail.signals import AnymailInboundEvent, inbound
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView

from inbound.imap import Handler, default_handler, one_line

logger = logging.getLogger(__name__)

# Swapped by tests for a recording handler; the pipeline's receive() otherwise.
deliver: Handler = default_handler


@dataclasses.dataclass(frozen=True)
class Provider:
    view: type[View]
    route: str  # a regular expression under the site's root
    secrets: tuple[str, ...]  # ANYMAIL settings that must be set before the route is mounted


PROVIDERS: dict[str, Provider] = {
    # Mailgun posts parsed fields to .../mailgun/ and the raw message to .../mailgun_mime/
    # (a route's "forward" URL decides which); anymail reads both.
    "mailgun": Provider(
        MailgunInboundWebhookView,
        r"^mail/inbound/mailgun(_mime)?/$",
        ("WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"),
    ),
    "postmark": Provider(PostmarkInboundWebhookView, r"^mail/inbound/postmark/$", ("WEBHOOK_SECRET",)),
}


# The environment variable behind each ANYMAIL setting (config/settings/base.py).
ENVIRONMENT_NAMES = {"WEBHOOK_SECRET": "INBOUND_WEBHOOK_SECRET"}


def configured_providers(names: list[str], anymail_settings: dict) -> list[str]:
    """The providers to mount, checked: unknown names and missing secrets are refused."""
    unknown = [name for name in names if name not in PROVIDERS]
    if unknown:
        raise ImproperlyConfigured(
            f"INBOUND_WEBHOOK_PROVIDERS: unknown provider(s) {', '.join(unknown)}; "
            f"known: {', '.join(PROVIDERS)}"
        )
    for name in names:
        missing = [secret for secret in PROVIDERS[name].secrets if not anymail_settings.get(secret)]
        if missing:
            variables = [ENVIRONMENT_NAMES.get(secret, secret) for secret in missing]
            raise ImproperlyConfigured(
                f"INBOUND_WEBHOOK_PROVIDERS names {name}, but {' and '.join(variables)} "
                "is not set: its webhook would accept posts from anyone"
            )
    return list(dict.fromkeys(names))


def webhook_urls() -> list[URLPattern]:
    """The routes of the configured providers (none when none is), for config/urls.py."""
    from django.conf import settings

    names = configured_providers(settings.INBOUND_WEBHOOK_PROVIDERS, settings.ANYMAIL)
    if names:
        inbound.connect(inbound_received, dispatch_uid="inbound.provider.inbound_received")
    return [
        re_path(PROVIDERS[name].route, PROVIDERS[name].view.as_view(), name=f"inbound_webhook_{name}")
        for name in names
    ]


def inbound_received(sender, event: AnymailInboundEvent, esp_name: str, **kwargs) -> None:
    """Anymail's ``inbound`` signal: one checked message, handed to the pipeline once.

    An exception here becomes a 500, which providers treat as "try again later"; the
    pipeline's Message-ID idempotency makes such a retry harmless."""
    raw = event.message.as_bytes()
    outcome = deliver(raw, source="webhook")
    logger.info(
        "inbound webhook %s: %s (%s): %s",
        esp_name,
        outcome.status,
        one_line(str(event.message.get("Message-ID", "no Message-ID"))),
        outcome.reason,
    )
