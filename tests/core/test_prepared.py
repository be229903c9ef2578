"""core.prepared: a query compiled once per shape gives what the queryset gives, for every value."""

from __future__ import annotations

import threading
from unittest import mock

from django.db.models.sql.compiler import SQLCompiler

import pytest

from core.prepared import MAX_SHAPES, prepared
from forum.models import Post, Topic
from tests.factories import PostFactory, TopicFactory

pytestmark = pytest.mark.django_db


@prepared
def topic_with_author(pk: int):
    return Topic.objects.select_related("author", "category").filter(pk=pk)


@prepared
def post_rows(topic_id: int, skip: int):
    return (
        Post.objects.filter(topic_id=topic_id).exclude(pk=skip).order_by("id").values_list("pk", "topic_id")
    )


@prepared
def posts_by_pk(pks: list[int]):
    return Post.objects.filter(pk__in=pks).select_related("author").order_by("pk")


@prepared
def first_n_topics(n: int):
    # The slice is written into the SQL text, not passed as a parameter: never prepared.
    return Topic.objects.order_by("pk")[:n]


@pytest.fixture(autouse=True)
def fresh_shapes():
    for query in (topic_with_author, post_rows, posts_by_pk, first_n_topics):
        query.forget()
    yield


def compiles():
    """Count the SQL compilations Django does (a prepared call after the first does none)."""
    return mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql)


def test_each_value_gets_its_own_row_with_the_joined_objects():
    one, two = TopicFactory(), TopicFactory()
    for topic in (one, two, one):
        [found] = topic_with_author(topic.pk)
        assert found.pk == topic.pk
        assert found.title == topic.title
        assert found.author.username == topic.author.username
        assert found.category.name == topic.category.name
    assert topic_with_author(10**9) == []


def test_after_the_first_call_of_a_shape_nothing_is_compiled_and_one_query_runs(django_assert_num_queries):
    one, two = TopicFactory(), TopicFactory()
    topic_with_author(one.pk)
    with compiles() as as_sql, django_assert_num_queries(1):
        [found] = topic_with_author(two.pk)
    assert found.pk == two.pk
    # select_related objects were made from the same row: reading them costs no query.
    with django_assert_num_queries(0):
        assert found.author.pk == two.author_id
    assert as_sql.call_count == 0


def test_values_rows_equal_the_querysets_for_several_arguments():
    topic = TopicFactory()
    posts = PostFactory.create_batch(3, topic=topic)
    other = PostFactory()
    for skip in (posts[0].pk, posts[2].pk, 0):
        expected = list(
            Post.objects.filter(topic_id=topic.pk)
            .exclude(pk=skip)
            .order_by("id")
            .values_list("pk", "topic_id")
        )
        assert post_rows(topic.pk, skip) == expected
    elsewhere = list(
        Post.objects.filter(topic_id=other.topic_id).order_by("id").values_list("pk", "topic_id")
    )
    assert (other.pk, other.topic_id) in elsewhere
    assert post_rows(other.topic_id, 0) == elsewhere


def test_lists_are_prepared_per_length_and_an_empty_list_asks_nothing(django_assert_num_queries):
    posts = PostFactory.create_batch(4)
    pks = [p.pk for p in posts]
    assert [p.pk for p in posts_by_pk(pks[:2])] == pks[:2]
    assert [p.pk for p in posts_by_pk(pks[2:])] == pks[2:]
    assert [p.pk for p in posts_by_pk(pks)] == pks
    assert [p.pk for p in posts_by_pk(pks[1:3])] == pks[1:3]
    with django_assert_num_queries(0):
        assert posts_by_pk([]) == []


def test_a_value_written_into_the_sql_text_is_never_prepared():
    TopicFactory.create_batch(3)
    all_pks = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    assert [t.pk for t in first_n_topics(1)] == all_pks[:1]
    # Same shape, another value: a prepared query would have kept LIMIT 1.
    assert [t.pk for t in first_n_topics(3)] == all_pks[:3]


def test_arguments_that_are_not_integers_run_the_queryset_as_it_is():
    topic = TopicFactory()
    with compiles() as as_sql:
        assert [t.pk for t in topic_with_author(str(topic.pk))] == [topic.pk]
        assert [t.pk for t in topic_with_author(str(topic.pk))] == [topic.pk]
    assert as_sql.call_count == 2


def test_shapes_are_bounded():
    posts = PostFactory.create_batch(2)
    pks = [p.pk for p in posts]
    for length in range(1, MAX_SHAPES + 5):
        # Lists of every length up to past the bound: beyond it, queries still answer right.
        ids = (pks * length)[:length]
        assert {p.pk for p in posts_by_pk(ids)} == set(ids)
    assert len(posts_by_pk._local.compiled) == MAX_SHAPES


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_thread_compiles_its_own_and_gets_its_own_rows():
    topics = TopicFactory.create_batch(4)
    results: dict[int, list[int]] = {}

    def read(index: int) -> None:
        from django.db import connection

        try:
            results[index] = [topic_with_author(t.pk)[0].pk for t in topics[index:] + topics[:index]]
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(4):
        assert results[index] == [t.pk for t in topics[index:] + topics[:index]]
