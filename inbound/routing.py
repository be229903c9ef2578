"""Where a mail was going: a member's reply address, or one of the support addresses."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def support_addresses() -> dict[str, str]:
    """``INBOUND_SUPPORT_ADDRESSES`` ("support@x=slug,billing@x=billing") as address -> slug."""
    mapping: dict[str, str] = {}
    for item in (settings.INBOUND_SUPPORT_ADDRESSES or "").split(","):
        if not item.strip():
            continue
        address, eq, slug = item.partition("=")
        address, slug = address.strip().lower(), slug.strip()
        if not eq or "@" not in address or not slug:
            raise ImproperlyConfigured(
                f"INBOUND_SUPPORT_ADDRESSES: write each as address=category-slug, not {item.strip()!r}"
            )
        mapping[address] = slug
    return mapping


def recipients(msg: EmailMessage) -> list[str]:
    """Every address the mail was for, the envelope's first (Postfix writes it as
    ``X-Original-To`` / ``Delivered-To``; providers as ``To``), then To and Cc."""
    values: list[str] = []
    for name in ("X-Original-To", "Delivered-To", "Envelope-To", "To", "Cc"):
        values.extend(str(v) for v in msg.get_all(name) or [])
    seen: list[str] = []
    for _, address in getaddresses(values):
        address = address.strip().lower()
        if address and address not in seen:
            seen.append(address)
    return seen
