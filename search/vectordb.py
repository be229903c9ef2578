"""Topic vectors searched inside PostgreSQL with pgvector, so every web machine reads the same ones.

Where the database is PostgreSQL and the ``vector`` extension can be created (it is not part of
PostgreSQL; Debian packages it as ``postgresql-NN-pgvector``), migration ``search.0003`` adds a
``vector(384)`` column ``embedding`` to ``search_topicvector`` beside the portable bytes, with an
HNSW index for cosine distance. ``search.semantic.embed_topics`` then writes both, and
``search.semantic.vector_index`` asks PostgreSQL for the nearest topics instead of holding every
vector in a numpy matrix per process (which costs 1.5 KB per topic in each process and is only
as fresh as its last top-up).

Everywhere else (SQLite, or PostgreSQL without the extension) nothing here runs: the column
does not exist and the per-process matrix serves. ``manage.py update_index`` calls ``install``,
so an extension installed after migrating is picked up, and fills the column of rows written
before it existed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

import numpy as np
from pgvector.django import CosineDistance

logger = logging.getLogger("search.vectordb")

TABLE = "search_topicvector"
COLUMN = "embedding"
INDEX = "topicvector_embedding_hnsw"
#: pgvector's HNSW scan returns at most ``hnsw.ef_search`` rows (40 by default): a query for
#: ``k`` nearest topics raises it to ``k`` times this, and never lowers it below the default.
EF_SEARCH_FACTOR = 2
EF_SEARCH_DEFAULT = 40
EF_SEARCH_MAX = 1000

_ready: dict[str, bool] = {}


def extension_available(conn: BaseDatabaseWrapper) -> bool:
    """PostgreSQL, with the ``vector`` extension installed on the server (created or not)."""
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        return cursor.fetchone() is not None


def column_exists(conn: BaseDatabaseWrapper) -> bool:
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
            [TABLE, COLUMN],
        )
        return cursor.fetchone() is not None


def install(conn: BaseDatabaseWrapper, dimensions: int) -> bool:
    """Create the extension, the column and its HNSW index when PostgreSQL can; True when the
    column is there afterwards. Idempotent; anything else than PostgreSQL with the extension
    available is left alone (False). Creating the extension needs a role allowed to (a
    superuser, or an administrator running ``CREATE EXTENSION vector`` once): when refused,
    a warning is logged and the matrix path carries on."""
    if not extension_available(conn):
        return False
    try:
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
            cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {COLUMN} vector({int(dimensions)})")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING hnsw ({COLUMN} vector_cosine_ops)"
            )
    except DatabaseError as error:
        logger.warning("pgvector not set up (%s): semantic vectors stay in each process's matrix", error)
        return False
    forget()
    return True


def uninstall(conn: BaseDatabaseWrapper) -> None:
    """Drop the column and its index (the extension stays: other databases may use it)."""
    if column_exists(conn):
        with conn.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
            cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}")
    forget()


def backfill(conn: BaseDatabaseWrapper, *, batch_size: int = 500) -> int:
    """Copy the bytes of rows whose column is empty into it (rows written before the column
    existed); returns how many."""
    if not column_exists(conn):
        return 0
    from search.models import TopicEmbedding, TopicVector

    done = 0
    while True:
        missing = list(
            TopicEmbedding.objects.using(conn.alias)
            .filter(embedding__isnull=True)
            .order_by("topic_id")
            .values_list("topic_id", flat=True)[:batch_size]
        )
        if not missing:
            return done
        rows = (
            TopicVector.objects.using(conn.alias)
            .filter(topic_id__in=missing)
            .values_list("topic_id", "vector")
        )
        write(conn, [(pk, np.frombuffer(bytes(raw), dtype=np.float32)) for pk, raw in rows])
        done += len(missing)


def ready() -> bool:
    """The default database has the column: the nearest-topics query runs in PostgreSQL.
    Asked once per process and database (``forget`` after installing or dropping it)."""
    key = f"{connection.alias}:{connection.settings_dict.get('NAME')}"
    if key not in _ready:
        _ready[key] = column_exists(connection)
    return _ready[key]


def forget() -> None:
    _ready.clear()


def write(conn: BaseDatabaseWrapper, rows: Sequence[tuple[int, np.ndarray]]) -> None:
    """Set the column of existing ``search_topicvector`` rows: (topic id, unit float32 vector)."""
    from search.models import TopicEmbedding

    if rows:
        TopicEmbedding.objects.using(conn.alias).bulk_update(
            [TopicEmbedding(topic_id=pk, embedding=vector) for pk, vector in rows], ["embedding"]
        )


class PgVectorIndex:
    """The nearest topics by cosine, asked of PostgreSQL (HNSW, approximate: at these sizes and
    with ``ef_search`` at twice ``k`` it returns the exact top ``k``). Same interface as
    ``search.semantic.VectorStore``."""

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` topics most like ``vector``, as (topic id, cosine), best first. Ordered by the
        distance alone: a second sort key would keep PostgreSQL from using the HNSW index."""
        from search.models import TopicEmbedding

        if k <= 0:
            return []
        ef_search = min(max(k * EF_SEARCH_FACTOR, EF_SEARCH_DEFAULT), EF_SEARCH_MAX)
        rows = (
            TopicEmbedding.objects.filter(embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
            .values_list("topic_id", "distance")[:k]
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)])
            found = list(rows)
        return [(int(pk), 1.0 - float(distance)) for pk, distance in found]

    def cosine(self, vector: np.ndarray, topic_ids: Iterable[int]) -> dict[int, float]:
        """Cosine of ``vector`` with each listed topic that has a vector."""
        from search.models import TopicEmbedding

        wanted = list(topic_ids)
        if not wanted:
            return {}
        rows = (
            TopicEmbedding.objects.filter(topic_id__in=wanted, embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", vector))
            .values_list("topic_id", "distance")
        )
        return {int(pk): 1.0 - float(distance) for pk, distance in rows}
