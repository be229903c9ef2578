"""Signed unsubscribe tokens: the address in every email that turns mail off without a login.

A token names a user and one event type (or ``all``) and is signed with the site's secret
(``django.core.signing``, its own salt), so it cannot be forged or pointed at someone else; it
expires after ``NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS`` days.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

from notifications.models import EventType

SALT = "notifications.unsubscribe"
ALL = "all"


class InvalidToken(Exception):
    """The token is tampered with, names no user, or names an unknown event type."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is older than the allowed age."""


@dataclass(frozen=True)
class Unsubscribe:
    user: object
    event_type: str | None  # None: every event type


def make_unsubscribe_token(*, user, event_type: str | None) -> str:
    return signing.dumps({"u": user.pk, "e": event_type or ALL}, salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """Check ``token`` and return whom and what it unsubscribes; raise ``InvalidToken`` (or
    ``ExpiredToken``) otherwise."""
    max_age = settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredToken("This unsubscribe link has expired.") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("This unsubscribe link is not valid.") from exc
    if not isinstance(data, dict):
        raise InvalidToken("This unsubscribe link is not valid.")
    event_type = data.get("e")
    if event_type != ALL and event_type not in EventType.values:
        raise InvalidToken("This unsubscribe link is not valid.")
    User = get_user_model()
    try:
        user = User.objects.get(pk=data.get("u"), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise InvalidToken("This unsubscribe link is not valid.") from exc
    return Unsubscribe(user=user, event_type=None if event_type == ALL else event_type)
