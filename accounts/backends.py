"""The authentication backend: allauth's, minus the accounts that must never sign in."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend


class AccountBackend(AuthenticationBackend):
    """allauth's backend (username or email, and Django's permissions), refusing placeholder
    (imported) authors, so no road that calls ``authenticate()`` hands one a session.

    allauth's sign-in also answers a placeholder with a clear message
    (``AccountAdapter.pre_login``) and refuses unverified addresses (mandatory verification)."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_placeholder", False)
