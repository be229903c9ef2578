"""Two-factor authentication: who must have it, and whether they do.

allauth.mfa does the work (TOTP apps, recovery codes, WebAuthn security keys, the sign-in
step that asks for a code). This module holds the site's rule on top of it: with
``MFA_REQUIRED_FOR_STAFF`` on, every role holder (staff, moderators, editors, administrators)
must have an authenticator app or a security key before the admin lets them in.
Recovery codes alone do not count: they are the fallback for one of the two.
"""

from __future__ import annotations

from django.conf import settings

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from accounts import roles

#: Authenticators that count as a second factor on their own.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def holds_role(user) -> bool:
    """Staff, moderators, editors and administrators."""
    return bool(getattr(user, "is_superuser", False)) or any(
        roles.user_in_group(user, name) for name in roles.ROLE_GROUPS
    )


def has_second_factor(user) -> bool:
    return is_mfa_enabled(user, types=list(SECOND_FACTORS))


def mfa_setup_required(user) -> bool:
    """True when ``user`` must set up two-factor authentication before using the admin."""
    if not getattr(settings, "MFA_REQUIRED_FOR_STAFF", False):
        return False
    if not getattr(user, "is_authenticated", False) or not holds_role(user):
        return False
    return not has_second_factor(user)
