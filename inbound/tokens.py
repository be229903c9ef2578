"""Reply addresses: ``reply+<token>@INBOUND_EMAIL_DOMAIN``, one per member and topic.

The token holds the member, the topic, the member's key version and when it was made, signed
with the site's secret and its own salt (``django.core.signing``), so it cannot be guessed or
pointed at another topic; it expires after ``INBOUND_REPLY_MAX_AGE_DAYS`` and dies when the
member revokes their addresses (the version moves on).

Why not ``signing.dumps`` as it is: a local part should stay within 64 characters and some
mail systems change its case, so the fields are base 36 and the signature (the same salted
HMAC ``Signer`` computes) is written in lower-case base 32, cut to 128 bits.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

SALT = "inbound.reply-address"
CONFIRM_SALT = "inbound.confirm-question"
LOCAL_PREFIX = "reply"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class InvalidToken(Exception):
    """Not one of ours (forged, damaged, or for a key that was revoked); ``str()`` says why."""


class ExpiredToken(InvalidToken):
    """Genuine but older than ``INBOUND_REPLY_MAX_AGE_DAYS``."""


@dataclass(frozen=True)
class ReplyToken:
    user_id: int
    topic_id: int
    version: int
    issued_at: int


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("negative")
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


def _signature(value: str) -> str:
    raw = signing.b64_decode(signing.Signer(salt=SALT).signature(value).encode())
    return base64.b32encode(raw[:16]).decode().rstrip("=").lower()


def make_token(*, user_id: int, topic_id: int, version: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    value = ".".join(_b36(n) for n in (user_id, topic_id, version, issued))
    return f"{value}.{_signature(value)}"


def read_token(token: str, *, now: float | None = None) -> ReplyToken:
    """Check the signature and the age; the key version is checked by the caller (it lives in
    the database). Raise ``InvalidToken`` or ``ExpiredToken``."""
    token = (token or "").strip().lower()
    value, _, signature = token.rpartition(".")
    parts = value.split(".")
    if len(parts) != 4 or not signature or not constant_time_compare(signature, _signature(value)):
        raise InvalidToken("the reply address is not one we made")
    try:
        user_id, topic_id, version, issued = (int(p, 36) for p in parts)
    except ValueError:
        raise InvalidToken("the reply address is not one we made") from None
    age = (now if now is not None else time.time()) - issued
    if age > settings.INBOUND_REPLY_MAX_AGE_DAYS * 86400:
        raise ExpiredToken("the reply address has expired: reply from a newer notification")
    return ReplyToken(user_id=user_id, topic_id=topic_id, version=version, issued_at=issued)


def reply_address(token: str) -> str:
    return f"{LOCAL_PREFIX}+{token}@{settings.INBOUND_EMAIL_DOMAIN}"


def token_from_address(address: str) -> str | None:
    """The token of a ``reply+<token>@INBOUND_EMAIL_DOMAIN`` address, else None."""
    local, _, domain = (address or "").strip().lower().rpartition("@")
    if not settings.INBOUND_EMAIL_DOMAIN or domain != settings.INBOUND_EMAIL_DOMAIN:
        return None
    prefix, plus, token = local.partition("+")
    if prefix != LOCAL_PREFIX or not plus or not token:
        return None
    return token


def make_confirm_token(*, user_id: int, topic_id: int) -> str:
    """The signed link a stranger follows to confirm their address and publish their question."""
    return signing.dumps({"u": user_id, "t": topic_id}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, int]:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.INBOUND_CONFIRM_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired:
        raise ExpiredToken("This confirmation link has expired.") from None
    except signing.BadSignature:
        raise InvalidToken("This confirmation link is not valid.") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("t"), int):
        raise InvalidToken("This confirmation link is not valid.")
    return data["u"], data["t"]
