"""Placeholder: parse, de-duplicate and log. Routing comes next."""

from __future__ import annotations

import email
import hashlib
from email import policy

from django.db import IntegrityError

from inbound.models import InboundMessage
from inbound.pipeline import Outcome


def process(raw: bytes, *, source: str) -> Outcome:
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
        message_id = str(msg.get("Message-ID", "") or "").strip()[:255]
    except Exception:  # noqa: BLE001 - malformed mail must never raise
        message_id = ""
    if not message_id:
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    existing = InboundMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        return Outcome("duplicate", "already received", existing)
    try:
        row = InboundMessage.objects.create(
            message_id=message_id, source=source, size=len(raw), status="ignored", reason="not routed yet"
        )
    except IntegrityError:
        return Outcome(
            "duplicate", "already received", InboundMessage.objects.filter(message_id=message_id).first()
        )
    return Outcome("ignored", "not routed yet", row)
