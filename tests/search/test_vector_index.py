"""Where semantic vectors are searched (search/semantic.py ``vector_index``, search/vectordb.py):
PostgreSQL with pgvector when the database has it, else the per-process matrix; both give the
same nearest topics. No model is loaded here: the encoder is replaced by vectors written by hand.

On SQLite and on PostgreSQL without the ``vector`` extension only the matrix exists, and these
tests prove that nothing tries to use pgvector there; on PostgreSQL with the extension they
compare both paths on the same rows.
"""

from __future__ import annotations

from django.db import connection

import numpy as np
import pytest

from search import semantic, vectordb
from search.models import TopicEmbedding, TopicVector
from search.selectors import similar_hits
from tests.factories import TopicFactory
from tests.search.helpers import make_topic


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(semantic.DIMENSIONS, dtype=np.float32)
    vector[: len(values)] = values
    return (vector / np.linalg.norm(vector)).astype(np.float32)


#: Titles and the vectors the fake encoder gives them: two travel titles near each other, two
#: driver titles near each other, one refund title apart from both.
HAND_VECTORS = {
    "Transit visa for a layover": unit(1.0, 0.1, 0.0),
    "Airport lounge access": unit(0.8, 0.6, 0.0),
    "Printer driver crash": unit(0.0, 1.0, 0.0),
    "Scanner driver crash": unit(0.1, 0.9, 0.3),
    "Refund for a parcel": unit(0.0, 0.0, 1.0),
}
#: A draft between "layover" and "lounge": by cosine (worked out by hand) 0.98 layover, 0.94
#: lounge, 0.37 scanner, 0.29 printer, 0 refund.
QUERY = unit(1.0, 0.3, 0.0)
EXPECTED_ORDER = [
    "Transit visa for a layover",
    "Airport lounge access",
    "Scanner driver crash",
    "Printer driver crash",
]


@pytest.fixture
def fake_encoder(monkeypatch):
    """``semantic.encode`` answers from a table: texts it does not know are an error."""
    table: dict[str, np.ndarray] = dict(HAND_VECTORS)

    def encode(texts: list[str]) -> np.ndarray:
        return np.stack([table[text] for text in texts]) if texts else np.zeros((0, semantic.DIMENSIONS))

    monkeypatch.setattr(semantic, "encode", encode)
    semantic.reset_store()
    vectordb.forget()
    yield table
    semantic.reset_store()
    vectordb.forget()


def pgvector_expected() -> bool:
    """The migration must have set pgvector up wherever the database server offers it."""
    return connection.vendor == "postgresql" and vectordb.extension_available(connection)


def paths() -> dict[str, semantic.VectorIndex]:
    """Every place the nearest topics can be asked on this database, the matrix always."""
    found: dict[str, semantic.VectorIndex] = {"matrix": semantic.store()}
    if vectordb.ready():
        found["pgvector"] = vectordb.PgVectorIndex()
    return found


@pytest.mark.django_db
def test_vector_index_uses_pgvector_exactly_when_the_database_has_it(fake_encoder):
    assert vectordb.ready() is pgvector_expected()
    index = semantic.vector_index()
    expected = vectordb.PgVectorIndex if pgvector_expected() else semantic.VectorStore
    assert isinstance(index, expected)


@pytest.mark.django_db
def test_every_path_gives_the_same_nearest_topics_and_cosines(fake_encoder):
    topics = {title: TopicFactory(title=title) for title in HAND_VECTORS}
    assert semantic.embed_topics() == len(HAND_VECTORS)
    expected_ids = [topics[title].pk for title in EXPECTED_ORDER]
    wanted_cosines = {topics[t].pk: float(HAND_VECTORS[t] @ QUERY) for t in HAND_VECTORS}
    found = paths()
    assert len(found) == (2 if pgvector_expected() else 1)
    for name, index in found.items():
        nearest = index.nearest(QUERY, 4)
        assert [pk for pk, _ in nearest] == expected_ids, name
        assert dict(nearest) == pytest.approx({pk: wanted_cosines[pk] for pk in expected_ids}, abs=1e-5), name
        assert index.cosine(QUERY, [topics["Refund for a parcel"].pk, 999_999]) == pytest.approx(
            {topics["Refund for a parcel"].pk: 0.0}, abs=1e-5
        ), name
        assert index.nearest(QUERY, 0) == [] and index.cosine(QUERY, []) == {}


@pytest.mark.django_db
def test_every_path_returns_k_topics_beyond_the_default_scan_depth(fake_encoder):
    """pgvector's HNSW scan stops at ``hnsw.ef_search`` rows (40 by default); the site asks for
    ``SEARCH_SEMANTIC_CANDIDATES`` (50) and must get them all, in the matrix's order."""
    rng = np.random.default_rng(15)
    for i in range(70):
        title = f"Generated topic number {i}"
        raw = rng.standard_normal(semantic.DIMENSIONS).astype(np.float32)
        fake_encoder[title] = (raw / np.linalg.norm(raw)).astype(np.float32)
        TopicFactory(title=title)
    semantic.embed_topics()
    query = fake_encoder["Generated topic number 7"]
    rankings = {name: [pk for pk, _ in index.nearest(query, 50)] for name, index in paths().items()}
    matrix = rankings.pop("matrix")
    assert len(matrix) == 50
    for name, ranking in rankings.items():
        assert ranking == matrix, name


@pytest.mark.django_db
def test_a_retitled_topic_moves_on_every_path(fake_encoder):
    topic = TopicFactory(title="Refund for a parcel")
    TopicFactory(title="Printer driver crash")
    semantic.embed_topics()
    topic.title = "Transit visa for a layover"
    topic.save()
    semantic.embed_topics([topic.pk])
    for name, index in paths().items():
        assert index.nearest(QUERY, 1)[0][0] == topic.pk, name


@pytest.mark.django_db
def test_deleting_a_topic_removes_its_vector_from_every_path(fake_encoder):
    gone = TopicFactory(title="Transit visa for a layover")
    kept = TopicFactory(title="Airport lounge access")
    semantic.embed_topics()
    semantic.reset_store()
    gone.delete()
    for name, index in paths().items():
        assert [pk for pk, _ in index.nearest(QUERY, 5)] == [kept.pk], name


@pytest.mark.django_db
def test_install_changes_nothing_without_pgvector_and_is_idempotent_with_it():
    assert vectordb.install(connection, semantic.DIMENSIONS) is pgvector_expected()
    assert vectordb.column_exists(connection) is pgvector_expected()
    assert vectordb.install(connection, semantic.DIMENSIONS) is pgvector_expected()


@pytest.mark.django_db
def test_backfill_fills_rows_written_before_the_column_existed(fake_encoder):
    topic = TopicFactory(title="Transit visa for a layover")
    semantic.embed_topics()
    if not pgvector_expected():
        assert vectordb.backfill(connection) == 0
        return
    TopicEmbedding.objects.update(embedding=None)
    assert vectordb.PgVectorIndex().nearest(QUERY, 3) == []
    assert vectordb.backfill(connection, batch_size=1) == 1
    assert [pk for pk, _ in vectordb.PgVectorIndex().nearest(QUERY, 3)] == [topic.pk]
    stored = np.frombuffer(bytes(TopicVector.objects.get(topic=topic).vector), dtype=np.float32)
    assert np.allclose(np.asarray(TopicEmbedding.objects.get(topic_id=topic.pk).embedding), stored)


@pytest.mark.django_db
def test_similar_questions_rank_the_same_whichever_path_serves(
    search_backend, fake_encoder, settings, monkeypatch
):
    for title in HAND_VECTORS:
        make_topic(title)
    semantic.embed_topics()
    draft = "May I go out during a stopover"
    fake_encoder[draft] = QUERY
    settings.SEARCH_SEMANTIC = True
    monkeypatch.setattr(semantic, "available", lambda: True)
    served = [hit.title for hit in similar_hits(draft)]
    assert served[:2] == EXPECTED_ORDER[:2]
    monkeypatch.setattr(vectordb, "ready", lambda: False)  # the matrix, whatever the database
    assert [hit.title for hit in similar_hits(draft)] == served
