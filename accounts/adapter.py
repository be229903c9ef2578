from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up policy: open to everyone; placeholder (imported) accounts never log in."""

    def is_open_for_signup(self, request) -> bool:
        return True

    def pre_login(self, request, user, **kwargs):
        if getattr(user, "is_placeholder", False):
            from django.contrib import messages
            from django.shortcuts import redirect

            messages.error(request, "This account was imported and cannot sign in.")
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)
