"""The one way in for inbound mail: every receiver (the pipe command, the mailbox poller, a
provider's webhook, tests) hands raw RFC 5322 bytes to ``receive`` and gets an ``Outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbound.models import InboundMessage


@dataclass(frozen=True)
class Outcome:
    status: str  # "taken" | "ignored" | "refused" | "duplicate"
    reason: str  # one line, for logs, the pipe command and the staff log
    message: InboundMessage | None


def receive(raw: bytes, *, source: str, size: int | None = None) -> Outcome:
    """source: "pipe" | "imap" | "webhook" | "test". Never raises for bad mail: a malformed
    message is an Outcome("refused", ...). Idempotent by Message-ID (a second receive of the
    same message returns status "duplicate" and posts nothing)."""
    from inbound.processing import process

    status, reason, message = process(raw, source=source, size=size)
    return Outcome(status, reason, message)
