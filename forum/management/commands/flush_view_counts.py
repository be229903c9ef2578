"""Move buffered views (topics, and the kinds other apps register, such as FAQ articles) from the
cache into the database (see forum.services.views).

Run it from cron every few minutes in production; it is safe to run at any time and from
several machines at once (each buffered view is written exactly once).
"""

from django.core.management.base import BaseCommand

from forum.services.views import flush_view_counts


class Command(BaseCommand):
    help = "Write the views buffered in the cache (topics, FAQ articles) to the database."

    def handle(self, *args, **options):
        written = flush_view_counts()
        self.stdout.write(f"Flushed {written} buffered view{'s' if written != 1 else ''}.")
