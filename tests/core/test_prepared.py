"""core.prepared: a query compiled once per shape gives what the queryset gives, for every value."""

from __future__ import annotations

import threading
from unittest import mock

from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler

import pytest

from core.prepared import MAX_SHAPES, prepared
from forum.models import Post, Topic
from tests.factories import CategoryFactory, PostFactory, TopicFactory

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


@prepared
def topics_by_slug_or_title(text: str):
    # The same string twice among the parameters, as Wagtail's site lookup has its host name.
    return Topic.objects.filter(Q(slug=text) | Q(title=text)).order_by("pk")


@prepared
def topics_by_slugs(slugs: list[str]):
    return Topic.objects.filter(slug__in=slugs).order_by("pk")


@prepared
def titles_starting(prefix: str):
    # startswith escapes the value and adds a wildcard: the stand-in is not among the
    # parameters as it was given, so this is never prepared.
    return Topic.objects.filter(title__startswith=prefix).order_by("pk")


@prepared(keys=2)
def listed(order: str, hidden: bool, category_id: int):
    return Topic.objects.filter(is_hidden=hidden, category_id=category_id).order_by(order, "pk")


@prepared
def runs_of_attempt(attempt: int):
    from ops.models import JobRun

    # A small-integer column: no stand-in fits it, so Django would leave it out of the SQL.
    return JobRun.objects.filter(attempt=attempt).order_by("pk")


@pytest.fixture(autouse=True)
def fresh_shapes():
    for query in (
        topic_with_author,
        post_rows,
        posts_by_pk,
        first_n_topics,
        topics_by_slug_or_title,
        topics_by_slugs,
        titles_starting,
        listed,
        runs_of_attempt,
    ):
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


def test_a_string_where_the_field_takes_a_number_runs_the_queryset_as_it_is():
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


def test_strings_are_prepared_even_where_one_value_fills_several_parameters(django_assert_num_queries):
    one = TopicFactory(title="Resetting the router", slug="reset-router")
    two = TopicFactory(title="reset-hub", slug="hub-reset")
    assert [t.pk for t in topics_by_slug_or_title("reset-router")] == [one.pk]
    with compiles() as as_sql, django_assert_num_queries(1):
        assert [t.pk for t in topics_by_slug_or_title("reset-hub")] == [two.pk]
    assert as_sql.call_count == 0
    assert [t.pk for t in topics_by_slug_or_title("Resetting the router")] == [one.pk]
    assert topics_by_slug_or_title("nothing-like-it") == []
    # Quotes and wildcards are values, not SQL.
    assert topics_by_slug_or_title("x' OR '1'='1") == []
    assert topics_by_slug_or_title("%") == []


def test_lists_of_strings_are_prepared_per_length():
    topics = [TopicFactory(slug=f"topic-{n}") for n in range(3)]
    assert [t.pk for t in topics_by_slugs(["topic-0", "topic-2"])] == [topics[0].pk, topics[2].pk]
    with compiles() as as_sql:
        assert [t.pk for t in topics_by_slugs(["topic-1", "nope"])] == [topics[1].pk]
    assert as_sql.call_count == 0
    assert [t.pk for t in topics_by_slugs(["topic-0", "topic-1", "topic-2"])] == [t.pk for t in topics]
    # A list mixing numbers and strings is no shape: run as it is.
    assert topics_by_slugs(["topic-0", 5]) == [topics[0]]


def test_a_string_the_lookup_rewrites_is_never_prepared():
    one = TopicFactory(title="Alpha one")
    two = TopicFactory(title="Beta two")
    with compiles() as as_sql:
        assert [t.pk for t in titles_starting("Alpha")] == [one.pk]
        assert [t.pk for t in titles_starting("Beta")] == [two.pk]
        assert titles_starting("%") == []
    # One compilation that found the stand-in missing, then each call built as usual.
    assert as_sql.call_count == 1 + 3


def test_keys_choose_the_form_and_each_combination_is_compiled_once():
    category = CategoryFactory()
    old = TopicFactory(category=category, title="b old")
    new = TopicFactory(category=category, title="a new")
    gone = TopicFactory(category=category, title="c gone", is_hidden=True)
    assert [t.pk for t in listed("title", False, category.pk)] == [new.pk, old.pk]
    assert [t.pk for t in listed("-title", False, category.pk)] == [old.pk, new.pk]
    assert [t.pk for t in listed("title", True, category.pk)] == [gone.pk]
    with compiles() as as_sql:
        assert [t.pk for t in listed("-title", False, category.pk)] == [old.pk, new.pk]
        assert listed("title", False, category.pk + 1000) == []
    assert as_sql.call_count == 0
    assert len(listed._local.compiled) == 3


def test_windows_and_counts_equal_the_querysets_slices_and_count(django_assert_num_queries):
    category = CategoryFactory()
    topics = TopicFactory.create_batch(7, category=category)
    TopicFactory.create_batch(2)  # elsewhere
    expected = [t.pk for t in sorted(topics, key=lambda t: t.title)]
    assert listed.count("title", False, category.pk) == 7
    for offset, limit in ((0, 3), (3, 3), (6, 3), (9, 3), (2, 1)):
        rows = listed.window("title", False, category.pk, offset=offset, limit=limit)
        assert [t.pk for t in rows] == expected[offset : offset + limit]
    with compiles() as as_sql, django_assert_num_queries(2):
        assert listed.count("title", False, category.pk) == 7
        assert len(listed.window("title", False, category.pk, offset=0, limit=5)) == 5
    assert as_sql.call_count == 0
    assert listed.count("title", True, category.pk) == 0
    assert listed.window("title", False, category.pk, offset=0, limit=0) == []
    with pytest.raises(ValueError):
        listed.window("title", False, category.pk, offset=-1, limit=3)
    # Unprepared arguments fall back to the queryset's own slice and count.
    assert [t.pk for t in first_n_topics.window(5, offset=1, limit=2)] == [
        t.pk for t in Topic.objects.order_by("pk")[:5][1:3]
    ]
    assert first_n_topics.count(5) == 5


def test_a_column_too_small_for_the_stand_in_runs_the_queryset_as_it_is():
    from ops.models import JobRun

    first, second = JobRun.objects.create(job="a", attempt=1), JobRun.objects.create(job="b", attempt=2)
    assert runs_of_attempt(1) == [first]
    assert runs_of_attempt(2) == [second]
    assert runs_of_attempt(3) == []
