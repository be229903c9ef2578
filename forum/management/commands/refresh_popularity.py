"""Recompute every topic's popularity (``forum.popularity``). Run it from cron, e.g. hourly."""

from django.core.management.base import BaseCommand, CommandError

from forum.popularity import refresh_popularity


class Command(BaseCommand):
    help = "Recompute the stored popularity score of topics (all, or the ids given)."

    def add_arguments(self, parser):
        parser.add_argument("topic_ids", nargs="*", type=int, help="Only these topic ids.")

    def handle(self, *args, topic_ids=None, **options):
        if topic_ids and any(pk <= 0 for pk in topic_ids):
            raise CommandError("Topic ids are positive integers.")
        changed = refresh_popularity(topic_ids=topic_ids or None)
        self.stdout.write(self.style.SUCCESS(f"Popularity refreshed: {changed} topic(s) changed."))
