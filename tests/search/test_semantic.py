"""Semantic similar questions (search/semantic.py): vectors written and kept current, the
per-process matrix, blending with word matching, and visibility."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

import numpy as np
import pytest

from search import semantic
from search.models import TopicVector
from search.selectors import similar_hits
from tests.factories import TopicFactory
from tests.search.helpers import make_topic

pytestmark = pytest.mark.skipif(
    not semantic.available(), reason="the MiniLM weights are not installed (make install installs them)"
)


@pytest.fixture
def semantic_on(settings):
    settings.SEARCH_SEMANTIC = True
    settings.SEARCH_SEMANTIC_WEIGHT = 0.85
    semantic.reset_store()
    yield
    semantic.reset_store()


def vector_of(topic) -> np.ndarray:
    return np.frombuffer(bytes(TopicVector.objects.get(topic=topic).vector), dtype=np.float32)


@pytest.mark.django_db
def test_embed_topics_writes_unit_vectors_and_skips_unchanged_titles(semantic_on):
    first = TopicFactory(title="Can I leave the airport during a layover?")
    second = TopicFactory(title="Printer driver crashes on startup")
    TopicVector.objects.all().delete()
    assert semantic.embed_topics() == 2
    assert abs(float(np.linalg.norm(vector_of(first))) - 1.0) < 1e-4
    assert semantic.embed_topics() == 0  # nothing changed
    second.title = "Scanner driver crashes on startup"
    second.save()
    assert semantic.embed_topics([first.pk, second.pk]) == 1
    assert TopicVector.objects.get(topic=second).text_hash == semantic.text_hash(
        semantic.topic_text(second.title)
    )


@pytest.mark.django_db
def test_similar_titles_are_near_and_unrelated_ones_are_not(semantic_on):
    layover = TopicFactory(title="Do I need a transit visa for a layover in Frankfurt?")
    printer = TopicFactory(title="Printer driver crashes on startup")
    semantic.embed_topics()
    draft = semantic.draft_vector("Can I change planes in Germany without a visa?")
    assert float(vector_of(layover) @ draft) > float(vector_of(printer) @ draft) + 0.2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_or_retitled_topic_gets_its_vector_after_commit(semantic_on):
    topic = TopicFactory(title="Refund for a late parcel")
    assert TopicVector.objects.filter(topic=topic).exists()  # the immediate task ran on commit
    before = vector_of(topic).copy()
    topic.title = "Battery drains overnight"
    topic.save()
    assert not np.allclose(before, vector_of(topic))
    count = TopicVector.objects.count()
    topic.save(update_fields=["view_count"])  # no new title: no task
    assert TopicVector.objects.count() == count


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_embedded_when_semantic_is_off(settings):
    settings.SEARCH_SEMANTIC = False
    TopicFactory(title="Refund for a late parcel")
    assert not TopicVector.objects.exists()


@pytest.mark.django_db
def test_store_reads_all_rows_then_only_new_ones(semantic_on, django_assert_max_num_queries):
    a = TopicFactory(title="Refund for a late parcel")
    semantic.embed_topics()
    store = semantic.store()
    assert store.size == 1 and store.row_of == {a.pk: 0}
    with django_assert_max_num_queries(1):  # only "anything newer?"
        semantic.store()
    b = TopicFactory(title="Battery drains overnight")
    semantic.embed_topics()
    store = semantic.store()
    assert store.size == 2 and set(store.row_of) == {a.pk, b.pk}
    nearest = store.nearest(semantic.draft_vector("my battery is empty every morning"), 2)
    assert [pk for pk, _ in nearest] == [b.pk, a.pk]


def test_store_nearest_and_grow_without_a_database():
    store = semantic.VectorStore()
    assert store.nearest(np.ones(semantic.DIMENSIONS, dtype=np.float32), 5) == []
    store._grow(3)
    for i in range(3):
        store.matrix[i] = 0
        store.matrix[i, i] = 1
        store.ids[i] = 10 + i
        store.row_of[10 + i] = i
    store.size = 3
    query = np.zeros(semantic.DIMENSIONS, dtype=np.float32)
    query[2], query[0] = 0.9, 0.1
    assert [pk for pk, _ in store.nearest(query, 2)] == [12, 10]
    assert [pk for pk, _ in store.nearest(query, 10)] == [12, 10, 11]
    assert store.cosine(query, [11, 12, 99]) == pytest.approx({11: 0.0, 12: 0.9})


@pytest.mark.django_db
def test_similar_questions_find_a_thread_by_meaning_with_no_shared_word(search_backend, semantic_on):
    make_topic("Do I need a transit visa for a layover in Frankfurt?", "Flying via Germany.")
    for title in ("Printer driver crashes on startup", "Refund for a late parcel", "Change my plan"):
        make_topic(title)
    semantic.embed_topics()
    draft = "Can I change planes in Germany without a visa?"
    titles = [hit.title for hit in similar_hits(draft)]
    assert titles[0] == "Do I need a transit visa for a layover in Frankfurt?"


@pytest.mark.django_db
def test_semantic_similar_questions_never_return_hidden_topics(search_backend, semantic_on):
    hidden = make_topic("Do I need a transit visa for a layover in Frankfurt?", is_hidden=True)
    make_topic("Printer driver crashes on startup")
    semantic.embed_topics()
    assert TopicVector.objects.filter(topic=hidden).exists()  # in the matrix, yet never shown
    titles = [hit.title for hit in similar_hits("Can I change planes in Germany without a visa?")]
    assert "Do I need a transit visa for a layover in Frankfurt?" not in titles


@pytest.mark.django_db
def test_semantic_similar_questions_skip_deleted_topics(search_backend, semantic_on):
    gone = make_topic("Do I need a transit visa for a layover in Frankfurt?")
    semantic.embed_topics()
    semantic.store()  # read into this process's matrix
    gone.delete()
    assert [hit.title for hit in similar_hits("transit visa layover Germany")] == []


@pytest.mark.django_db
def test_weight_zero_keeps_the_word_matching_order(search_backend, semantic_on, settings):
    make_topic("Printer driver crashes on startup every morning")
    make_topic("Printer driver crashes on model 7")
    semantic.embed_topics()
    off = [h.title for h in similar_hits("printer driver crashes on startup")]
    settings.SEARCH_SEMANTIC_WEIGHT = 0.0
    on = [h.title for h in similar_hits("printer driver crashes on startup")]
    assert on == off


@pytest.mark.django_db
def test_on_without_the_weights_falls_back_to_word_matching(search_backend, settings, monkeypatch):
    settings.SEARCH_SEMANTIC = True
    monkeypatch.setattr(semantic, "available", lambda: False)
    assert semantic.enabled() is False
    make_topic("Printer driver crashes on startup")
    assert [h.title for h in similar_hits("printer crashes")] == ["Printer driver crashes on startup"]


@pytest.mark.django_db
def test_update_index_embeds_titles_and_reports_the_rate(search_backend, semantic_on):
    TopicFactory(title="Refund for a late parcel")
    TopicVector.objects.all().delete()
    out = io.StringIO()
    call_command("update_index", stdout=out)
    assert TopicVector.objects.count() == 1
    assert "titles/s" in out.getvalue() and "Semantic vectors: 1 written" in out.getvalue()


@pytest.mark.parametrize("value", ["abc", "1.5", "-0.1"])
def test_semantic_weight_setting_rejects_bad_values(value):
    env = {**os.environ, "SEARCH_SEMANTIC_WEIGHT": value, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SEARCH_SEMANTIC_WEIGHT must be" in result.stderr
    assert ImproperlyConfigured.__name__ in result.stderr
