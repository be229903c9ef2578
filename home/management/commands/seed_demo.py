"""Fill a development site with demo accounts and content. Safe to run again: it creates only
what is missing. Each part of the site contributes a ``demo.seed()`` listed in SEEDERS."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

# In order: later seeders may use what earlier ones made.
SEEDERS = [
    "accounts.demo",
    "home.demo",
    "forum.demo",
    "forum.demo_moderation",
    "kb.demo",
    "notifications.demo",
    "mentions.demo",
]


class Command(BaseCommand):
    help = "Create the demo accounts and content (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. The demo accounts have a published password: never on a real site.",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only with DEBUG on "
                "(development settings). Pass --allow-production to override on a throwaway site."
            )
        self.stdout.write("Seeding the demo site…")
        # The seeders act through the real services, which notify people by mail; the demo's
        # made-up members have no inboxes, so that mail is kept in memory, not printed or sent.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            for module_path in SEEDERS:
                import_module(module_path).seed(log=self.stdout.write)
        from forum import cache as page_cache

        page_cache.bump()  # rows laid down directly: every cached page is stale
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in with any of these:"))
        for _username, email, _name, groups, superuser in DEMO_ACCOUNTS:
            role = "superuser" if superuser else (", ".join(groups) or "customer")
            self.stdout.write(f"  {email:<26} {DEMO_PASSWORD}   ({role})")
