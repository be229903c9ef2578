"""Delete search log entries older than the retention period."""

from django.core.management.base import BaseCommand, CommandError

from search.services import search_log_prune


class Command(BaseCommand):
    help = "Delete search log entries older than --days (default SEARCH_LOG_RETENTION_DAYS, 90)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days of entries.")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = search_log_prune(days=days)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} search log entries."))
