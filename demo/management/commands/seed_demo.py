"""Fill a development site with demo accounts and content. Safe to run again: it creates only
what is missing. Each part of the site has a module in the ``demo`` package with a ``seed()``,
listed in SEEDERS. The demo logins are printed last (after the index rebuild with ``--index``,
which ``make run`` uses), so they are the last thing before the server starts."""

from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

# In order: later seeders may use what earlier ones made.
SEEDERS = [
    "demo.accounts",
    "demo.home",
    "demo.forum",
    "demo.moderation",
    "demo.kb",
    "demo.notifications",
    "demo.mentions",
    "demo.inbound",
]


class Command(BaseCommand):
    help = "Create the demo accounts and content (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. The demo accounts have a published password: never on a real site.",
        )
        parser.add_argument(
            "--index",
            action="store_true",
            help="Rebuild the search index (update_index) after seeding, before the logins are printed.",
        )

    def handle(self, *args, allow_production=False, index=False, **options):
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
        if index:
            call_command("update_index", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in with any of these:"))
        for _username, email, _name, groups, superuser in DEMO_ACCOUNTS:
            role = "superuser" if superuser else (", ".join(groups) or "customer")
            self.stdout.write(f"  {email:<26} {DEMO_PASSWORD}   ({role})")
