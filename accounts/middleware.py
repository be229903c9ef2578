"""Request middleware of the accounts app."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts.mfa import mfa_setup_required


class MfaRequiredMiddleware:
    """Sends a role holder without two-factor authentication to set it up before the admin
    (the rule: ``accounts.mfa.mfa_setup_required``). Off unless ``MFA_REQUIRED_FOR_STAFF``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix: str | None = None

    def __call__(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("wagtailadmin_home")
        if request.path.startswith(self._admin_prefix) and mfa_setup_required(request.user):
            messages.warning(
                request,
                "Set up two-factor authentication before using the admin: add an authenticator "
                "app (or a security key) to your account.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
