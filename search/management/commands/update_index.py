"""``manage.py update_index``: rebuild every search index from the database.

Same options as Wagtail's command (``--backend``, ``--schema-only``, ``--chunk_size``), plus
progress and rate (documents per second) while it runs, and ``--procs`` for the whoosh
backend's multi-process writer. Whoosh rebuilds write a new index generation and swap it in
when complete, so searches keep working meanwhile.
"""

from __future__ import annotations

import functools
import time

from django.core.management.base import CommandError

from modelsearch.backends import get_search_backend
from modelsearch.conf import get_app_config
from modelsearch.index import get_indexed_models
from modelsearch.management.commands.rebuild_modelsearch_index import (
    Command as BaseCommand,
)
from modelsearch.management.commands.rebuild_modelsearch_index import (
    group_models_by_index,
)

from search.backends.whoosh import SearchBackend as WhooshBackend
from search.backends.whoosh import WhooshIndexRebuilder, _chunks

PROGRESS_EVERY_SECONDS = 1.0


class Command(BaseCommand):
    help = "Rebuild the search index from the database, showing progress and documents per second."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--procs",
            type=int,
            default=None,
            help="Processes for the whoosh writer (default: the backend's PROCS setting, one for small indexes).",
        )

    def handle(self, **options):
        self.verbosity = options["verbosity"]
        self.procs = options.get("procs")
        if self.procs is not None and self.procs < 1:
            raise CommandError("--procs must be at least 1.")
        chunk_size = options.get("chunk_size") or 1000
        if chunk_size < 1:
            raise CommandError("--chunk_size must be at least 1.")
        if options["backend_name"]:
            backend_names = [options["backend_name"]]
        else:
            backend_names = list(get_app_config().get_search_backend_config().keys())
        for backend_name in backend_names:
            self.update_backend(
                backend_name,
                schema_only=options.get("schema_only", False),
                chunk_size=chunk_size,
            )
        if not options.get("schema_only"):
            self.update_vectors()

    def update_vectors(self) -> None:
        """Semantic similar questions on: embed the titles that changed since the last run. On
        PostgreSQL, first set up the pgvector column if the extension became available after
        migrating, and fill it for rows written before it existed."""
        from django.db import connection

        from search import semantic, vectordb

        if not semantic.enabled():
            return
        if vectordb.install(connection, semantic.DIMENSIONS):
            filled = vectordb.backfill(connection)
            self.write(f"Semantic vectors in PostgreSQL (pgvector): {filled} filled from stored vectors")
        self.write(f"Semantic vectors ({semantic.MODEL_NAME}): embedding new and changed titles")
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_SECONDS or done >= total:
                last[0] = now
                rate = done / (now - started) if now > started else 0.0
                self.write(f"  vectors {done:>8}/{total:<8} {rate:6.0f} titles/s")

        written = semantic.embed_topics(progress=progress)
        elapsed = time.monotonic() - started
        self.write(f"Semantic vectors: {written} written in {elapsed:.1f}s")

    def update_backend(self, backend_name, schema_only=False, chunk_size=1000):
        self.write(f"Updating backend: {backend_name}")
        try:
            backend = get_search_backend(backend_name)
        except Exception as exc:  # an unknown name or a backend that cannot start
            raise CommandError(f"Cannot load search backend '{backend_name}': {exc}") from exc
        if not backend.rebuilder_class:
            self.write(f"Backend '{backend_name}' doesn't require rebuilding")
            return

        indexed_models = get_indexed_models()
        totals = {
            model: (0 if schema_only else model.get_indexed_objects().count()) for model in indexed_models
        }
        grand_total = sum(totals.values())
        started = time.monotonic()
        done_all = 0

        for index, models in group_models_by_index(backend, indexed_models).items():
            self.write(f"{backend_name}: Rebuilding index {index} ({grand_total} documents)")
            if isinstance(backend, WhooshBackend):
                expected = sum(totals[m] for m in models)
                procs = self.procs if self.procs is not None else backend.rebuild_procs(expected)
                rebuilder = WhooshIndexRebuilder(index, procs=procs, expected_docs=expected)
                target = rebuilder.start()
                self.write(f"{backend_name}: writing with {procs} process{'es' if procs > 1 else ''}")
                finish = functools.partial(rebuilder.finish, target)
                abort = functools.partial(rebuilder.abort, target)
            else:
                rebuilder = backend.rebuilder_class(index)
                target = rebuilder.start()
                finish = rebuilder.finish
                abort = None
            try:
                for model in models:
                    target.add_model(model)
                if not schema_only:
                    for model in models:
                        done_all = self._index_model(
                            backend_name, target, model, totals[model], chunk_size, started, done_all
                        )
                finishing = time.monotonic()
                finish()
            except BaseException:
                if abort is not None:
                    abort()
                raise
            elapsed = time.monotonic() - started
            rate = done_all / elapsed if elapsed > 0 else 0.0
            self.write(
                f"{backend_name}: indexed {done_all} documents in {elapsed:.1f}s "
                f"({rate:.0f} docs/s; commit and swap {time.monotonic() - finishing:.1f}s)"
            )

    def queryset_chunks(self, qs, chunk_size=1000):
        """Chunks by primary key (keyset pagination), not Wagtail's ``OFFSET`` slices, whose
        cost grows with every chunk already read."""
        yield from _chunks(qs, chunk_size)

    def _index_model(self, backend_name, index, model, total, chunk_size, started, done_all) -> int:
        label = f"{model._meta.app_label}.{model.__name__}"
        done = 0
        last_report = 0.0
        interactive = self.verbosity > 0 and hasattr(self.stdout, "isatty") and self.stdout.isatty()
        for chunk in self.queryset_chunks(model.get_indexed_objects().order_by("pk"), chunk_size):
            index.add_items(model, chunk)
            done += len(chunk)
            done_all += len(chunk)
            now = time.monotonic()
            if now - last_report >= PROGRESS_EVERY_SECONDS or done >= total:
                last_report = now
                elapsed = now - started
                rate = done_all / elapsed if elapsed > 0 else 0.0
                percent = (100 * done / total) if total else 100.0
                line = f"{backend_name}: {label:<28} {done:>8}/{total:<8} {percent:5.1f}%  {rate:8.0f} docs/s"
                if interactive:
                    self.stdout.write("\r" + line, ending="")
                    self.stdout.flush()
                else:
                    self.write(line)
        if total == 0:
            self.write(f"{backend_name}: {label:<28} {0:>8}/{0:<8} 100.0%         - docs/s")
        elif interactive:
            self.stdout.write("")
        return done_all
