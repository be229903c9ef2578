"""The index on disk: generations, the pointer, locks, the journal, writes and rebuilds.

``PATH/CURRENT`` names the live generation folder (``PATH/gen-…``); a rebuild writes a new
generation, then swaps ``CURRENT`` atomically. Writes made during a rebuild are journaled and
replayed into the new generation. Each process opens the index once (``get_handle``) and keeps
one searcher per thread, refreshed only when the index changed on disk.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from modelsearch.backends.base import (
    BaseIndex,
)
from modelsearch.index import (
    get_indexed_models,
)

from whoosh import index as windex
from whoosh.index import LockError

from search.backends.whoosh.schema import (
    INDEX_NAME,
    LOCK_FILE,
    POINTER_FILE,
    REBUILD_MARKER,
    DocumentBuilder,
    document_id,
)

if TYPE_CHECKING:
    from search.backends.whoosh.backend import SearchBackend

logger = logging.getLogger("search.whoosh")


# --- the index on disk -------------------------------------------------------------------------


class _IndexHandle:
    """One process's view of one index folder: the open whoosh index of the live generation
    and one searcher per thread, reopened only when the folder changed."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self.generation: str | None = None
        self.index = None
        self.stamp = None
        self.local = threading.local()
        self.version = 0  # bumped on every reopen, so thread searchers notice
        self.flock_depth = 0

    # pointer

    def read_pointer(self) -> str | None:
        try:
            name = (self.path / POINTER_FILE).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name or None

    def write_pointer(self, name: str) -> None:
        tmp = self.path / f".{POINTER_FILE}.{uuid.uuid4().hex}"
        tmp.write_text(name)
        os.replace(tmp, self.path / POINTER_FILE)

    def _stamp(self, generation: str | None):
        try:
            pointer = os.stat(self.path / POINTER_FILE).st_mtime_ns
            folder = os.stat(self.path / generation).st_mtime_ns if generation else None
        except FileNotFoundError:
            return None
        return (pointer, folder)

    @contextmanager
    def file_lock(self):
        """An exclusive lock across processes (and threads) for swapping generations and
        recovering. Re-entrant within a thread."""
        with self.lock:
            if self.flock_depth:
                self.flock_depth += 1
                try:
                    yield
                finally:
                    self.flock_depth -= 1
                return
            self.path.mkdir(parents=True, exist_ok=True)
            with open(self.path / LOCK_FILE, "a+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self.flock_depth = 1
                try:
                    yield
                finally:
                    self.flock_depth = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self):
        """The live whoosh index, or ``None`` if there is none yet. Raises on a broken index."""
        with self.lock:
            generation = self.read_pointer()
            if generation is None:
                self.close()
                return None
            if self.index is None or generation != self.generation:
                self.close()
                self.index = windex.open_dir(str(self.path / generation), indexname=INDEX_NAME)
                self.generation = generation
                self.version += 1
            return self.index

    def close(self) -> None:
        with self.lock:
            self.index = None
            self.generation = None
            self.stamp = None
            self.version += 1

    def searcher(self, weighting):
        """This thread's searcher, refreshed if the index changed since it was opened."""
        index = self.open()
        if index is None:
            return None
        state = getattr(self.local, "state", None)
        stamp = self._stamp(self.generation)
        if state is None or state[0] != self.version:
            if state is not None:
                state[1].close()
            searcher = index.searcher(weighting=weighting)
            searcher.filter_cache = OrderedDict()
            self.local.state = [self.version, searcher, stamp]
            return searcher
        searcher = state[1]
        if stamp != state[2]:
            if not searcher.up_to_date():
                # A fresh searcher rather than ``refresh()``: reused segment readers would
                # miss deletions made since (an updated document would show twice).
                searcher.close()
                searcher = index.searcher(weighting=weighting)
                searcher.filter_cache = OrderedDict()
            state[1] = searcher
            state[2] = stamp
        return searcher

    def invalidate(self) -> None:
        """Forget this thread's searcher stamp so the next search checks the index."""
        state = getattr(self.local, "state", None)
        if state is not None:
            state[2] = None


_HANDLES: OrderedDict[str, _IndexHandle] = OrderedDict()
_HANDLES_LOCK = threading.Lock()
_MAX_HANDLES = 16


def get_handle(path: Path) -> _IndexHandle:
    """The process-wide handle for an index folder (kept for the life of the process)."""
    key = str(Path(path).resolve())
    with _HANDLES_LOCK:
        handle = _HANDLES.get(key)
        if handle is None:
            handle = _HANDLES[key] = _IndexHandle(Path(key))
            while len(_HANDLES) > _MAX_HANDLES:
                _HANDLES.popitem(last=False)[1].close()
        else:
            _HANDLES.move_to_end(key)
        return handle


def _new_generation_name() -> str:
    return f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"


# --- writing -----------------------------------------------------------------------------------


class _RetryThread(threading.Thread):
    """Applies writes that could not get the writer lock in time, once the lock is free.
    Used when tasks run in-process (nothing can be queued for later)."""

    def __init__(self, backend: SearchBackend, prepared: list):
        super().__init__(name="whoosh-retry", daemon=True)
        self.backend = backend
        self.prepared = prepared

    def run(self) -> None:
        deadline = time.monotonic() + 600
        delay = 0.25
        while time.monotonic() < deadline:
            try:
                self.backend._apply(self.prepared, timeout=5.0)
                return
            except LockError:
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception:
                logger.exception("search index update failed")
                return
        logger.error("search index update dropped after waiting 10 minutes for the writer lock")


class WhooshIndex(BaseIndex):
    """The single index of the backend (all models share one whoosh index, like the database
    backend). ``generation`` is set while a rebuild writes a new generation."""

    def __init__(self, backend: SearchBackend, generation: str | None = None, writer=None):
        super().__init__(backend)
        self.generation = generation
        self.writer = writer
        self.added = 0

    def get_key(self) -> str:
        return str(self.backend.path)

    def __str__(self) -> str:
        return f"whoosh index at {self.backend.path}"

    def add_model(self, model) -> None:
        pass  # the schema is dynamic: nothing to declare per model

    def refresh(self) -> None:
        self.backend.handle.invalidate()

    def reset(self) -> None:
        self.backend.reset_index()

    def add_items(self, model, items) -> None:
        items = list(items)
        if not items:
            return
        if self.writer is not None:  # rebuilding: documents go straight into the new generation
            builder = DocumentBuilder(model)
            for obj in items:
                self.writer.add_document(**builder.build(obj))
                self.added += 1
            return
        self.backend.write([("add", model, items)])

    def delete_item(self, item) -> None:
        if self.writer is not None:
            self.writer.delete_by_term("doc_id", document_id(type(item), item.pk))
            return
        self.backend.delete_ids(type(item), [item.pk])


class WhooshIndexRebuilder:
    """Builds a complete new generation next to the live one, then swaps it in atomically.

    ``start()`` opens a writer on the new generation (whoosh's multi-process writer when
    ``procs > 1``); ``finish()`` commits it, points ``CURRENT`` at it, replays writes journaled
    while it ran, and removes generations older than the previous one."""

    def __init__(self, index: WhooshIndex, procs: int | None = None, expected_docs: int | None = None):
        self.index = index
        self.backend: SearchBackend = index.backend
        self.procs = procs
        self.expected_docs = expected_docs
        self.generation: str | None = None
        self.started = 0.0

    def start(self) -> WhooshIndex:
        backend = self.backend
        backend.path.mkdir(parents=True, exist_ok=True)
        self.generation = _new_generation_name()
        folder = backend.path / self.generation
        folder.mkdir()
        new_index = windex.create_in(str(folder), backend.build_schema(), indexname=INDEX_NAME)
        procs = self.procs if self.procs is not None else backend.rebuild_procs(self.expected_docs)
        kwargs = {"limitmb": backend.limitmb}
        if procs > 1:
            writer = new_index.writer(procs=procs, multisegment=True, **kwargs)
        else:
            writer = new_index.writer(**kwargs)
        (backend.path / REBUILD_MARKER).write_text(self.generation)
        self.started = time.monotonic()
        self.procs_used = procs
        return WhooshIndex(backend, generation=self.generation, writer=writer)

    def finish(self, rebuilt: WhooshIndex | None = None) -> None:
        backend = self.backend
        writer = rebuilt.writer if rebuilt is not None else None
        if rebuilt is None or writer is None or self.generation is None:
            raise RuntimeError("finish() needs the index returned by start()")
        writer.commit()
        rebuilt.writer = None
        handle = backend.handle
        with handle.file_lock():
            previous = handle.read_pointer()
            handle.write_pointer(self.generation)
            marker = backend.path / REBUILD_MARKER
            if marker.exists() and marker.read_text().strip() == self.generation:
                marker.unlink()
        handle.close()
        backend.replay_journal(self.generation)
        backend.remove_old_generations(keep={self.generation, previous})

    def abort(self, rebuilt: WhooshIndex | None = None) -> None:
        if rebuilt is not None and rebuilt.writer is not None:
            rebuilt.writer.cancel()
            rebuilt.writer = None
        marker = self.backend.path / REBUILD_MARKER
        if marker.exists() and marker.read_text().strip() == self.generation:
            marker.unlink()
        if self.generation:
            shutil.rmtree(self.backend.path / self.generation, ignore_errors=True)


class _Rebuilder:
    """The ``rebuilder_class`` interface expected by ``update_index``: ``start()`` returns the
    index to fill, ``finish()`` swaps it in."""

    def __init__(self, index: WhooshIndex):
        self.inner = WhooshIndexRebuilder(index, expected_docs=count_indexed_documents())
        self.rebuilt: WhooshIndex | None = None

    def start(self) -> WhooshIndex:
        self.rebuilt = self.inner.start()
        return self.rebuilt

    def finish(self) -> None:
        self.inner.finish(self.rebuilt)


def count_indexed_documents() -> int:
    return sum(model.get_indexed_objects().count() for model in get_indexed_models())
