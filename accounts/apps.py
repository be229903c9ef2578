from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        # allauth counts sign-ins, sign-ups and resets in ``django.core.cache.cache`` (the
        # default cache, which holds pages anyone can add). Point its counters at the "limits"
        # cache, like the site's own (core.ratelimit), so no flood of pages evicts a lockout.
        # tests/accounts/test_ratelimit_cache.py fails if allauth moves this name.
        from allauth.core.internal import ratelimit as allauth_ratelimit

        from core import ratelimit

        allauth_ratelimit.cache = ratelimit.cache
