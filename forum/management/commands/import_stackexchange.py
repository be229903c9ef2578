"""``manage.py import_stackexchange <folder> [<folder> ...]``: import Stack Exchange dump folders.

Each folder is one site (``Posts.xml``, optional ``PostLinks.xml``, ``Users.xml``,
``Tags.xml``); the rules are in ``forum.importers.stackexchange``. The search index is rebuilt
once at the end (``update_index``), and only if something was created.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from forum import cache as page_cache
from forum.importers.stackexchange import DumpError, StackExchangeImporter


class Command(BaseCommand):
    help = "Import one or more Stack Exchange dump folders (one category per site). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "folders", nargs="+", type=Path, help="Dump folders, e.g. beer.stackexchange.com/"
        )
        parser.add_argument("--site", help="Site name for external ids (default: the folder's name).")
        parser.add_argument("--category", help="Category name (default: from the site name).")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per insert batch (500).")
        parser.add_argument("--no-index", action="store_true", help="Skip the search index rebuild.")

    def handle(self, *args, folders, site, category, batch_size, no_index, **options):
        if (site or category) and len(folders) > 1:
            raise CommandError("--site and --category apply to a single folder")
        verbose = options["verbosity"] > 0
        log = self.stdout.write if verbose else (lambda message: None)
        try:
            importers = [
                StackExchangeImporter(
                    folder, site=site, category_name=category, batch_size=batch_size, log=log
                )
                for folder in folders
            ]
        except DumpError as exc:
            raise CommandError(str(exc)) from exc
        created = 0
        for importer in importers:
            self.stdout.write(f"Importing {importer.site} into the category “{importer.category_name}”…")
            stats = importer.run()
            page_cache.bump()  # bulk rows send no events: every cached page is stale
            created += stats.created
            self.stdout.write(
                self.style.SUCCESS(
                    f"{stats.site}: {stats.rows_read:,} post rows in {stats.seconds:.1f}s "
                    f"({stats.rows_per_second:,.0f} rows/s): {stats.topics_created:,} topics, "
                    f"{stats.replies_created:,} replies, {stats.accepted_set:,} accepted answers, "
                    f"{stats.duplicates_set:,} duplicates, {stats.users_created:,} placeholder users, "
                    f"{stats.tags_created:,} tags; {stats.already_imported:,} already imported, "
                    f"{stats.malformed:,} malformed rows skipped, {stats.links_unresolved:,} "
                    f"duplicate links unresolved, {stats.ignored_post_types:,} other post types ignored."
                )
            )
        if no_index:
            self.stdout.write("Search index not rebuilt (--no-index): run `manage.py update_index`.")
        elif created:
            self.stdout.write("Rebuilding the search index…")
            started = time.perf_counter()
            try:
                call_command("update_index", verbosity=0)
            except Exception as exc:
                raise CommandError(
                    f"The import is saved, but rebuilding the search index failed ({exc}). "
                    "Fix the search settings, then run `manage.py update_index`."
                ) from exc
            seconds = time.perf_counter() - started
            self.stdout.write(self.style.SUCCESS(f"Search index rebuilt in {seconds:.1f}s."))
        else:
            self.stdout.write("Nothing new: the search index is unchanged.")
