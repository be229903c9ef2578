"""Delete the scheduler's run records older than JOB_RUN_RETENTION_DAYS (default 30)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops.models import JobRun


class Command(BaseCommand):
    help = "Delete periodic job run records older than --days (default JOB_RUN_RETENTION_DAYS, 30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days=None, **options):
        days = settings.JOB_RUN_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} job run record(s) older than {days} days.")
