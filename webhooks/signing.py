"""Standard Webhooks signing, with the ``standardwebhooks`` package (the reference
implementation of the specification), so receivers can verify with any of its libraries.

* A secret is ``whsec_`` followed by base64 of 32 random bytes.
* A message id is ``msg_`` and a random UUID (hex); it stays the same on every retry.
* The signature is ``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``; while a rotated-out
  secret is still honoured, the header carries both signatures, space-separated.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def headers(*, msg_id: str, body: str, secrets_: list[str], when: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact text that is sent)."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    signatures = [Webhook(secret).sign(msg_id, when, body) for secret in secrets_]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
