"""The fast paths of a whoosh rebuild give what the plain ones gave: rows read by primary key
(no OFFSET), documents built with the field lookups cached, field lengths read per column."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modelsearch.index import get_indexed_models
from wagtail.search.backends import get_search_backend

import pytest

from forum.models import Topic
from search.backends import whoosh
from search.management.commands.update_index import Command as UpdateIndex
from tests.factories import PostFactory, TopicFactory, UserFactory


@pytest.fixture
def index_dir(settings, tmp_path, db) -> Path:
    path = tmp_path / "whoosh-index"
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.whoosh", "PATH": path}}
    return path


def _topics(count: int) -> list[Topic]:
    topics = [
        TopicFactory(title=f"Sync question number {n}", body=f"Body {n} about export") for n in range(count)
    ]
    answered = topics[0]
    reply = PostFactory(topic=answered, source="Restart the sync", author=UserFactory())
    answered.accepted_answer = reply
    answered.save()
    answered.tags.add("sync", "export")
    return topics


@pytest.mark.django_db
def test_chunks_read_every_row_once_in_pk_order_without_offset():
    topics = _topics(7)
    with CaptureQueriesContext(connection) as queries:
        chunks = list(whoosh._chunks(Topic.get_indexed_objects(), 3))

    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [t.pk for c in chunks for t in c] == sorted(t.pk for t in topics)
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)


@pytest.mark.django_db
def test_update_index_reads_chunks_by_primary_key(index_dir):
    _topics(5)
    command = UpdateIndex()
    chunks = list(command.queryset_chunks(Topic.get_indexed_objects().order_by("pk"), 2))
    assert [len(c) for c in chunks] == [2, 2, 1]

    call_command("update_index", "--chunk_size", "2", stdout=StringIO())
    assert get_search_backend().search("sync", Topic).count() == 5


@pytest.mark.django_db
def test_documents_are_those_of_modelsearch_get_value():
    _topics(4)
    for model in get_indexed_models():
        fast = whoosh.DocumentBuilder(model)
        plain = whoosh.DocumentBuilder(model)
        plain._value = lambda field, obj: field.get_value(obj)
        for obj in model.get_indexed_objects():
            assert fast.build(obj) == plain.build(obj)


@pytest.mark.django_db
def test_field_lengths_read_per_column_match_whoosh_reads_one_by_one(index_dir):
    from whoosh.codec import whoosh3

    _topics(6)
    backend = get_search_backend()
    backend.rebuild(procs=1)
    reader = backend._open_index().reader()
    checked = 0
    for segment_reader, _offset in reader.leaf_readers():
        perdoc = segment_reader._perdoc
        for fieldname in segment_reader.indexed_field_names():
            column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            for docnum in range(segment_reader.doc_count_all()):
                if column is None:
                    expected = 0
                else:
                    raw = column[docnum]
                    expected = whoosh3.byte_to_length(raw) if raw else None
                assert perdoc.doc_field_length(docnum, fieldname) == expected
                checked += 1
    reader.close()
    assert checked > 50
