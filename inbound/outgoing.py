"""The mail we send back: confirmations, bounces, "do any of these answer it?", the link a
stranger follows to confirm, and the official answer to a question asked by mail.

Every one is marked ``Auto-Submitted: auto-replied`` (RFC 3834) and asks Microsoft servers
not to answer it (``X-Auto-Response-Suppress``), so an auto-responder never replies to it and
we ignore any that does: no mail loops. Each is threaded under the mail it answers.
Sending is left to ``transaction.on_commit``: nothing goes out for work that rolled back.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from notifications.mail import absolute

logger = logging.getLogger(__name__)

LOOP_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def build(*, to: str, subject: str, template: str, context: dict, in_reply_to: str = "", reply_to: str = ""):
    context = {**context, "site_name": settings.SITE_NAME, "site_url": absolute("/")}
    body = render_to_string(f"inbound/email/{template}.txt", context)
    headers = dict(LOOP_HEADERS)
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    message = EmailMessage(
        subject=f"[{settings.SITE_NAME}] {subject}"[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    return message


def _send(message) -> None:
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - a failed confirmation must not undo the post
        logger.warning("inbound: mail to %s failed: %s", message.to, exc)


def send_later(**kwargs) -> None:
    """Build now (templates are read inside the transaction), send after commit."""
    message = build(**kwargs)
    transaction.on_commit(lambda: _send(message))
