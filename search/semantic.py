"""Semantic similar questions (optional): topic titles as sentence embeddings, blended with BM25.

A draft title such as "Can I leave the airport during a layover in Paris?" shares few words with
the thread that answers it ("Do I need a visa to transit in the Schengen area?"); word-matching
ranks such threads low, a sentence-embedding model ranks them high. When ``SEARCH_SEMANTIC`` is
on (and the model's weights are installed, see ``search.minilm``):

* every visible or hidden topic's title has a 384-number vector of all-MiniLM-L6-v2 in
  ``TopicVector`` (written by the same index task that re-indexes a topic, and by
  ``manage.py update_index`` for all topics, skipping titles that did not change);
* where to find the nearest topics is chosen by ``vector_index``: on PostgreSQL with pgvector,
  the database itself (an HNSW index on a ``vector`` column, ``search.vectordb``), so every web
  machine reads the same vectors; elsewhere each web process keeps the vectors in one numpy
  matrix, read once and then topped up with the rows written since (one indexed query per
  similar-questions request to see whether any were);
* ``similar_hits`` (``search.selectors``) takes the nearest topics by cosine beside the BM25
  candidates and ranks every candidate by ``(1 - w) * lexical + w * cosine`` (each scaled to its
  best), ``w`` = ``SEARCH_SEMANTIC_WEIGHT``. Hidden topics are dropped by a database query
  after the vector search, so visibility never depends on the vectors being up to date.

With ``SEARCH_SEMANTIC`` off (the default) nothing here runs and no model is loaded. Turning it
on costs about 140 MB of memory per process for the model plus 1.5 KB per topic for the matrix,
and 10-15 ms of CPU per similar-questions request (encoding the draft); embedding titles runs at
about 140 per second per core.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction

import numpy as np

from search import vectordb

logger = logging.getLogger("search.semantic")

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
#: Rows written within this long before the newest row a process has read are read again on the
#: next top-up: a transaction that commits late may carry an earlier timestamp.
COMMIT_SKEW = timedelta(seconds=30)


def available() -> bool:
    """True when the model's weights and the libraries that read them are installed."""
    from search.minilm import REQUIRED_MODULES

    return all(importlib.util.find_spec(name) is not None for name in REQUIRED_MODULES)


def enabled() -> bool:
    """``SEARCH_SEMANTIC`` is on and the weights are installed (a warning is logged once when
    the setting is on but the weights are missing)."""
    if not getattr(settings, "SEARCH_SEMANTIC", False):
        return False
    if available():
        return True
    _warn_missing()
    return False


@functools.cache
def _warn_missing() -> None:
    from search.minilm import INSTALL_COMMAND

    logger.warning(
        "SEARCH_SEMANTIC is on but the model is not installed (%s): word matching only", INSTALL_COMMAND
    )


@functools.cache
def encoder():
    """The process's encoder, loaded on first use (about 0.5 s)."""
    from search.minilm import MiniLMEncoder, set_blas_threads

    # A multi-threaded OpenBLAS spin-waits on a busy machine: one thread is faster here.
    set_blas_threads(1)
    return MiniLMEncoder(max_seq_length=64)


def topic_text(title: str) -> str:
    """What a topic is embedded from: its title (measured best per CPU second; see README)."""
    return " ".join(title.split())


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()[:32]


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return encoder().encode(texts)


# --- writing vectors ------------------------------------------------------------------------


def embed_topics(
    pks: Iterable[int] | None = None,
    *,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re)compute the vectors of the given topics (all topics when ``pks`` is None) whose title
    changed since their vector was written, and delete vectors of topics that are gone. Returns
    how many vectors were written. ``progress(done, total)`` is called after each batch."""
    from forum.models import Topic
    from search.models import TopicVector

    topics = Topic.objects.order_by("pk")
    vectors = TopicVector.objects.all()
    if pks is not None:
        wanted = sorted({int(pk) for pk in pks})
        topics = topics.filter(pk__in=wanted)
        vectors = vectors.filter(topic_id__in=wanted)
    known = dict(vectors.values_list("topic_id", "text_hash"))
    todo: list[tuple[int, str, str]] = []
    for pk, title in topics.values_list("pk", "title").iterator(chunk_size=2000):
        text = topic_text(title)
        digest = text_hash(text)
        if known.get(pk) != digest:
            todo.append((pk, text, digest))
    written = 0
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        matrix = encode([text for _, text, _ in chunk])
        rows = [
            TopicVector(topic_id=pk, text_hash=digest, vector=matrix[i].astype(np.float32).tobytes())
            for i, (pk, _, digest) in enumerate(chunk)
        ]
        with transaction.atomic():
            TopicVector.objects.filter(topic_id__in=[pk for pk, _, _ in chunk]).delete()
            TopicVector.objects.bulk_create(rows)
            if vectordb.ready():
                vectordb.write(connection, [(pk, matrix[i]) for i, (pk, _, _) in enumerate(chunk)])
        written += len(rows)
        if progress is not None:
            progress(written, len(todo))
    return written


# --- reading them: in PostgreSQL, or one matrix per process -----------------------------------


class VectorIndex(Protocol):
    """What the similar-questions ranking asks of the vectors, wherever they are kept."""

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def cosine(self, vector: np.ndarray, topic_ids: Iterable[int]) -> dict[int, float]: ...


def vector_index() -> VectorIndex:
    """Where the nearest topics are looked up: PostgreSQL itself when its topic vectors have a
    pgvector column (``search.vectordb``: one copy every web machine reads, nothing held per
    process), otherwise this process's matrix. Both rank by cosine and give the same top ``k``."""
    if vectordb.ready():
        return vectordb.PgVectorIndex()
    return store()


class VectorStore:
    """Topic vectors in memory: ``ids`` (int64) and ``matrix`` (float32, unit rows), grown in
    place (capacity doubles) as rows are read."""

    def __init__(self):
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.size = 0
        self.row_of: dict[int, int] = {}
        self.read_until = None  # the newest updated_at read so far
        self.lock = threading.Lock()

    def _grow(self, needed: int) -> None:
        capacity = len(self.ids)
        if needed <= capacity:
            return
        capacity = max(needed, capacity * 2, 1024)
        ids = np.zeros(capacity, dtype=np.int64)
        matrix = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
        ids[: self.size] = self.ids[: self.size]
        matrix[: self.size] = self.matrix[: self.size]
        self.ids, self.matrix = ids, matrix

    def refresh(self) -> None:
        """Read the rows written since the last read (all of them the first time)."""
        from search.models import TopicVector

        latest = TopicVector.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        if latest is None or (self.read_until is not None and latest <= self.read_until):
            return
        with self.lock:
            rows = TopicVector.objects.order_by()
            if self.read_until is not None:
                rows = rows.filter(updated_at__gte=self.read_until - COMMIT_SKEW)
            newest = self.read_until
            for topic_id, vector, updated_at in rows.values_list("topic_id", "vector", "updated_at").iterator(
                chunk_size=5000
            ):
                row = self.row_of.get(topic_id)
                if row is None:
                    self._grow(self.size + 1)
                    row = self.size
                    self.size += 1
                    self.row_of[topic_id] = row
                    self.ids[row] = topic_id
                self.matrix[row] = np.frombuffer(bytes(vector), dtype=np.float32)
                if newest is None or updated_at > newest:
                    newest = updated_at
            self.read_until = newest

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` topics most like ``vector``, as (topic id, cosine), best first."""
        n = self.size
        if n == 0 or k <= 0:
            return []
        scores = self.matrix[:n] @ vector
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def cosine(self, vector: np.ndarray, topic_ids: Iterable[int]) -> dict[int, float]:
        rows = [(pk, self.row_of[pk]) for pk in topic_ids if pk in self.row_of]
        if not rows:
            return {}
        scores = self.matrix[[r for _, r in rows]] @ vector
        return {pk: float(s) for (pk, _), s in zip(rows, scores, strict=True)}


_store = VectorStore()


def store() -> VectorStore:
    _store.refresh()
    return _store


def reset_store() -> None:
    """Forget the vectors read by this process (tests; after the table was emptied)."""
    global _store
    _store = VectorStore()


def draft_vector(text: str) -> np.ndarray | None:
    text = " ".join(text.split())
    if not text:
        return None
    started = time.perf_counter()
    vector = encode([text])[0]
    logger.debug("encoded a draft in %.1f ms", (time.perf_counter() - started) * 1000)
    return vector
