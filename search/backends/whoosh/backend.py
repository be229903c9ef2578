"""The backend: settings, opening and recovering the index, searching and writing."""

from __future__ import annotations

import datetime
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from modelsearch.backends.base import (
    BaseSearchBackend,
    FilterError,
)
from modelsearch.index import (
    get_indexed_models,
)

from whoosh import fields as wf
from whoosh import index as windex
from whoosh import scoring as wscoring
from whoosh.index import LockError

from search.backends.whoosh.query import WhooshAutocompleteQueryCompiler, WhooshSearchQueryCompiler
from search.backends.whoosh.results import WhooshSearchResults
from search.backends.whoosh.schema import (
    INDEX_NAME,
    JOURNAL_FILE,
    REBUILD_MARKER,
    DocumentBuilder,
    build_schema,
    document_id,
    text_analyzer,
    word_analyzer,
)
from search.backends.whoosh.storage import (
    WhooshIndex,
    WhooshIndexRebuilder,
    _new_generation_name,
    _Rebuilder,
    _RetryThread,
    count_indexed_documents,
    get_handle,
)

logger = logging.getLogger("search.whoosh")


# --- the backend -------------------------------------------------------------------------------


# How a setting may name this backend: the package (as the project's settings do), or this module.
PACKAGE = __name__.rpartition(".")[0]
BACKEND_PATHS = (PACKAGE, f"{PACKAGE}.SearchBackend", __name__, f"{__name__}.SearchBackend")


class SearchBackend(BaseSearchBackend):
    query_compiler_class = WhooshSearchQueryCompiler
    autocomplete_query_compiler_class = WhooshAutocompleteQueryCompiler
    results_class = WhooshSearchResults
    index_class = WhooshIndex
    rebuilder_class = _Rebuilder
    catch_indexing_errors = True

    def __init__(self, params: dict):
        super().__init__(params)
        params = dict(params)
        path = params.pop("PATH", None)
        if not path:
            raise ImproperlyConfigured("The whoosh search backend needs a PATH (the index folder).")
        self.path = Path(path)
        self.params = params
        self.language = str(params.get("LANGUAGE", "en"))
        self.writer_timeout = float(params.get("WRITER_TIMEOUT", 10.0))
        self.procs_setting = params.get("PROCS", "auto")
        self.multiproc_min_docs = int(params.get("MULTIPROC_MIN_DOCS", 5000))
        self.limitmb = int(params.get("LIMITMB", 128))
        self.auto_recover = bool(params.get("AUTO_RECOVER", True))
        self.weighting = wscoring.BM25F(
            B=float(params.get("BM25F_B", 0.75)), K1=float(params.get("BM25F_K1", 1.2))
        )
        self.text_analyzer = text_analyzer(self.language)
        self.word_analyzer = word_analyzer()
        self.handle = get_handle(self.path)

    # configuration

    def build_schema(self) -> wf.Schema:
        return build_schema(self.language)

    def rebuild_procs(self, expected_docs: int | None) -> int:
        """Processes for a rebuild: one for small indexes or one core, else ``PROCS``."""
        cores = os.cpu_count() or 1
        procs = min(cores, 4) if self.procs_setting == "auto" else max(1, int(self.procs_setting))
        if expected_docs is not None and expected_docs < self.multiproc_min_docs:
            return 1
        return procs if cores > 1 else 1

    def get_index_for_model(self, model) -> WhooshIndex:
        return WhooshIndex(self)

    def alias(self) -> str | None:
        """The name of this backend in ``WAGTAILSEARCH_BACKENDS`` (for queued tasks)."""
        from modelsearch.conf import get_app_config

        for name, conf in get_app_config().get_search_backend_config().items():
            ours = conf.get("BACKEND") in BACKEND_PATHS and conf.get("PATH")
            if ours and Path(conf["PATH"]).resolve() == self.handle.path:
                return name
        return None

    # opening, recovering

    def _open_index(self):
        """The live index. A broken index is rebuilt from the database at once (searches
        then return results again). A missing index is created empty and filled from the
        database by a task scheduled after the current transaction commits, so the request
        that noticed it does no extra work."""
        try:
            index = self.handle.open()
        except LockError:
            raise
        except Exception as exc:
            if not self.auto_recover:
                raise
            self.recover(f"cannot open the index: {exc!r}")
            return self.handle.open()
        if index is None:
            if self._create_empty() and self.auto_recover:
                self._schedule_rebuild("no index yet")
            index = self.handle.open()
        return index

    def _create_empty(self) -> bool:
        """Create an empty index if there is none; True if this call created it."""
        with self.handle.file_lock():
            if self.handle.read_pointer() is not None:
                return False
            generation = _new_generation_name()
            (self.path / generation).mkdir(parents=True)
            windex.create_in(str(self.path / generation), self.build_schema(), indexname=INDEX_NAME)
            self.handle.write_pointer(generation)
        self.handle.close()
        return True

    def _schedule_rebuild(self, reason: str) -> None:
        from django.db import transaction

        from search import tasks

        logger.warning("search index at %s: %s; a rebuild from the database is scheduled", self.path, reason)
        alias = self.alias()
        if alias is None:
            transaction.on_commit(self.rebuild)
        else:
            transaction.on_commit(lambda: tasks.rebuild_index.enqueue(alias))

    def recover(self, reason: str) -> None:
        """Rebuild the index from the database (one process at a time; a process that waited
        for another's rebuild uses its result)."""
        seen = self.handle.read_pointer()
        with self.handle.file_lock():
            current = self.handle.read_pointer()
            if current is not None and current != seen:
                self.handle.close()
                return
            logger.warning("search index at %s: %s; rebuilding it from the database", self.path, reason)
            self.handle.close()
            self.rebuild()

    def rebuild(
        self, *, procs: int | None = None, progress: Callable[[Any, int, int], None] | None = None
    ) -> int:
        """Index every indexed model into a new generation and swap it in. Returns the count."""
        index = WhooshIndex(self)
        indexed_models = get_indexed_models()
        expected = None if procs is not None else count_indexed_documents()
        rebuilder = WhooshIndexRebuilder(index, procs=procs, expected_docs=expected)
        rebuilt = rebuilder.start()
        try:
            for model in indexed_models:
                done = 0
                for chunk in _chunks(model.get_indexed_objects().order_by("pk"), 1000):
                    rebuilt.add_items(model, chunk)
                    done += len(chunk)
                    if progress:
                        progress(model, done, rebuilt.added)
            rebuilder.finish(rebuilt)
        except BaseException:
            rebuilder.abort(rebuilt)
            raise
        return rebuilt.added

    def reset_index(self) -> None:
        """Replace the index by an empty one."""
        with self.handle.file_lock():
            generation = _new_generation_name()
            (self.path / generation).mkdir(parents=True)
            windex.create_in(str(self.path / generation), self.build_schema(), indexname=INDEX_NAME)
            previous = self.handle.read_pointer()
            self.handle.write_pointer(generation)
        self.handle.close()
        self.remove_old_generations(keep={generation, previous})

    def remove_old_generations(self, keep: set) -> None:
        """Remove generation folders except those in ``keep`` (the live one and the previous,
        which another process may still be reading until its next search)."""
        for entry in self.path.glob("gen-*"):
            marker = self.path / REBUILD_MARKER
            building = marker.read_text().strip() if marker.exists() else None
            if entry.name not in keep and entry.name != building and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)

    def with_searcher(self, fn: Callable):
        """Run ``fn(searcher)`` on this thread's reused searcher; a broken index is rebuilt
        from the database and the search retried once."""
        try:
            self._open_index()
            searcher = self.handle.searcher(self.weighting)
            return fn(searcher)
        except (FilterError, NotImplementedError, LockError):
            raise
        except Exception as exc:
            if not self.auto_recover:
                raise
            logger.exception("search on the index at %s failed", self.path)
            self.recover(f"search failed: {exc!r}")
            self.handle.close()
            self._open_index()
            searcher = self.handle.searcher(self.weighting)
            return fn(searcher)

    # writing

    def write(self, operations: list) -> None:
        """Apply ``("add", model, objects)`` / ``("delete", model, pks)`` operations.

        Waits up to ``WRITER_TIMEOUT`` for the writer lock; if it is still held (a rebuild or
        another process writing), the operations are retried later by a queued task (ids only)
        or, when tasks run in-process, by a background thread. Never raises ``LockError``."""
        prepared = self._prepare(operations)
        try:
            self._apply(prepared, timeout=self.writer_timeout)
        except LockError:
            self._defer(prepared)

    def _prepare(self, operations: list) -> list[tuple[str, Any, list[str], list[dict]]]:
        """(op, model, pks, documents): documents are built before the writer lock is taken
        (reading related rows happens here, in the caller's thread and transaction)."""
        prepared = []
        for op, model, payload in operations:
            if op == "add":
                builder = DocumentBuilder(model)
                docs = [builder.build(obj) for obj in payload]
                prepared.append((op, model, [str(obj.pk) for obj in payload], docs))
            else:
                prepared.append((op, model, [str(pk) for pk in payload], []))
        return prepared

    def _apply(self, prepared: list, timeout: float) -> None:
        index = self._open_index()
        generation = self.handle.generation
        writer = index.writer(timeout=timeout, delay=0.05, limitmb=self.limitmb)
        try:
            for op, model, pks, docs in prepared:
                if op == "add":
                    for doc in docs:
                        writer.update_document(**doc)
                else:
                    for pk in pks:
                        writer.delete_by_term("doc_id", document_id(model, pk))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self.handle.invalidate()
        self._journal(prepared, generation)

    def _journal(self, prepared: list, generation: str | None) -> None:
        """While a rebuild runs, note what changed so that the new generation catches up."""
        marker = self.path / REBUILD_MARKER
        try:
            building = marker.read_text().strip()
        except FileNotFoundError:
            return
        if not building or building == generation:
            return
        lines: list[str] = []
        for _op, model, pks, _docs in prepared:
            lines.extend(f"{model._meta.label}\t{pk}\n" for pk in pks)
        try:
            with open(self.path / building / JOURNAL_FILE, "a") as journal:
                journal.write("".join(lines))
        except FileNotFoundError:
            pass

    def replay_journal(self, generation: str) -> None:
        path = self.path / generation / JOURNAL_FILE
        if not path.exists():
            return
        by_model: dict[str, set[str]] = {}
        for line in path.read_text().splitlines():
            label, _, pk = line.partition("\t")
            if label and pk:
                by_model.setdefault(label, set()).add(pk)
        path.unlink()
        for label, pks in by_model.items():
            self.update_ids(apps.get_model(label), sorted(pks))

    def update_ids(self, model, pks: list) -> None:
        """Re-read objects by primary key and index them; ids no longer indexable are removed."""
        objects = list(model.get_indexed_objects().filter(pk__in=pks))
        objects = [obj.get_indexed_instance() or obj for obj in objects]
        found = {str(obj.pk) for obj in objects}
        gone = [pk for pk in pks if str(pk) not in found]
        operations = []
        if objects:
            operations.append(("add", model, objects))
        if gone:
            operations.append(("delete", model, gone))
        if operations:
            self.write(operations)

    def delete_ids(self, model, pks: list) -> None:
        """Remove documents off the request path: queued as a task with ids when tasks are
        queued; applied at once when tasks run in-process."""
        from search import tasks

        alias = self.alias()
        if alias is None:
            self.write([("delete", model, list(pks))])
            return
        tasks.delete_documents.enqueue(alias, model._meta.label, [str(pk) for pk in pks])

    def _defer(self, prepared: list) -> None:
        from django_tasks import default_task_backend

        from search import tasks

        alias = self.alias()
        if alias is not None and getattr(default_task_backend, "supports_defer", False):
            run_after = timezone.now() + datetime.timedelta(seconds=5)
            for op, model, pks, _docs in prepared:
                task = tasks.index_documents if op == "add" else tasks.delete_documents
                task.using(run_after=run_after).enqueue(alias, model._meta.label, pks)
            logger.warning("search index busy: %d operation(s) queued for later", len(prepared))
            return
        logger.warning("search index busy: %d operation(s) retried in the background", len(prepared))
        _RetryThread(self, prepared).start()


def _chunks(queryset, size: int) -> Iterator[list]:
    """The rows of ``queryset`` in primary-key order, ``size`` at a time.

    Keyset pagination (``pk > last``): each query starts where the previous one ended, where
    ``OFFSET`` would make the database walk past every row already read (quadratic on large
    tables)."""
    queryset = queryset.order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        chunk = list(page[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk
