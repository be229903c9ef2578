"""``manage.py generate_community --topics N``: a synthetic community for benchmarks.

What it makes is described in ``forum.importers.synthetic``; the same seed always gives the
same community. The search index is rebuilt once at the end and its rate reported.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from forum import cache as page_cache
from forum.importers.synthetic import SEED, CommunityGenerator
from forum.models import Post, Topic


class Command(BaseCommand):
    help = "Generate a synthetic community of N topics (fixed seed) with bulk inserts, then index it once."

    def add_arguments(self, parser):
        parser.add_argument("--topics", type=int, required=True, help="How many topics (e.g. 5000).")
        parser.add_argument("--users", type=int, default=None, help="Members (default N/10, 50 to 5,000).")
        parser.add_argument("--seed", type=int, default=SEED, help=f"Random seed ({SEED}).")
        parser.add_argument("--batch-size", type=int, default=5000, help="Posts per insert batch (5000).")
        parser.add_argument("--no-index", action="store_true", help="Skip the search index rebuild.")

    def handle(self, *args, topics, users, seed, batch_size, no_index, **options):
        if topics < 1 or topics > 1_000_000:
            raise CommandError("--topics must be between 1 and 1,000,000")
        if users is not None and users < 2:
            raise CommandError("--users must be at least 2")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        generator = CommunityGenerator(
            topics=topics, users=users, seed=seed, batch_size=batch_size, log=self.stdout.write
        )
        self.stdout.write(f"Generating {topics:,} topics (seed {seed})…")
        try:
            stats = generator.run()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        page_cache.bump()  # bulk rows send no events: every cached page is stale
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {stats.topics:,} topics, {stats.posts:,} posts "
                f"({stats.posts - stats.topics:,} replies, {(stats.posts - stats.topics) / stats.topics:.1f} "
                f"per topic, {stats.long_threads} long threads), {stats.users:,} members in "
                f"{stats.seconds:.1f}s ({stats.rows_per_second:,.0f} rows/s)."
            )
        )
        if no_index:
            self.stdout.write("Search index not rebuilt (--no-index): run `manage.py update_index`.")
            return
        self.stdout.write("Rebuilding the search index…")
        documents = Topic.objects.count()
        started = time.perf_counter()
        try:
            call_command("update_index", verbosity=0)
        except Exception as exc:
            raise CommandError(
                f"The community is saved, but rebuilding the search index failed ({exc}). "
                "Fix the search settings, then run `manage.py update_index`."
            ) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt in {seconds:.1f}s: {documents / seconds:,.1f} topics/s "
                f"({Post.objects.count() / seconds:,.0f} posts/s)."
            )
        )
