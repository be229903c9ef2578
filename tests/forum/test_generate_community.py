"""The synthetic community generator (benchmark data)."""

import random
from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from forum import markup
from forum.importers.synthetic import (
    RARE_WORD,
    Bodies,
    CommunityGenerator,
    TextGenerator,
    rare_paragraph,
    replies_for,
)
from forum.models import Category, Post, Topic


def generate(**kwargs):
    kwargs.setdefault("log", lambda message: None)
    return CommunityGenerator(**kwargs).run()


@pytest.mark.django_db
def test_generate_makes_topics_with_first_posts_and_consistent_counters():
    stats = generate(topics=60, users=10, batch_size=100)

    assert stats.topics == Topic.objects.count() == 60
    assert stats.posts == Post.objects.count()
    for topic in Topic.objects.all():
        assert topic.first_post.topic_id == topic.pk
        assert topic.reply_count == topic.posts.count() - 1
        assert topic.vote_count == sum(p.vote_count for p in topic.posts.exclude(pk=topic.first_post_id))
        assert topic.last_activity_at == topic.posts.order_by("-created_at").first().created_at
        if topic.accepted_answer_id:
            assert topic.accepted_answer.topic_id == topic.pk
            assert topic.status == Topic.Status.ANSWERED
    assert sum(c.topic_count for c in Category.objects.all()) == 60
    assert not Post.objects.filter(html__contains="<script").exists()
    for post in Post.objects.all():
        rendered = markup.render_markdown(post.source)
        assert (post.html, post.text) == (rendered.html, rendered.text)


@pytest.mark.django_db
def test_generate_has_a_200_reply_thread_and_the_rare_word_in_five_topics():
    generate(topics=40, users=10)

    assert Topic.objects.filter(reply_count=200).count() == 1
    rare_topics = Post.objects.filter(text__contains=RARE_WORD).values("topic").distinct().count()
    assert rare_topics == 5


@pytest.mark.django_db
def test_generate_is_deterministic_for_a_seed():
    generate(topics=15, users=5, seed=7)
    first = list(Topic.objects.order_by("external_id").values_list("title", "reply_count"))
    Topic.objects.update(first_post=None)
    Post.objects.all().delete()
    Topic.objects.all().delete()

    generate(topics=15, users=5, seed=7)

    assert list(Topic.objects.order_by("external_id").values_list("title", "reply_count")) == first


@pytest.mark.django_db
def test_generate_members_are_placeholders_that_cannot_log_in():
    generate(topics=5, users=5)

    from accounts.models import User

    members = User.objects.filter(username__startswith="gen-member-")
    assert members.count() == 5
    assert all(m.is_placeholder and not m.has_usable_password() for m in members)


@pytest.mark.django_db
def test_generate_refuses_a_database_with_a_generated_community():
    generate(topics=3, users=3)

    with pytest.raises(ValueError, match="already has a generated community"):
        generate(topics=3, users=3)


@pytest.mark.django_db
def test_generate_queries_do_not_grow_per_topic(django_assert_max_num_queries):
    with django_assert_max_num_queries(80):
        generate(topics=30, users=5, batch_size=100_000)


def test_paragraphs_separated_by_a_blank_line_render_as_the_concatenation_of_their_renders():
    """What lets the generator render each pool paragraph once: for every pair of paragraph
    kinds it can put next to each other, rendering the whole equals joining the parts."""
    text = TextGenerator(random.Random(11))
    kinds = {
        "prose": [text.prose() for _ in range(40)],
        "list": [text.bullet_list() for _ in range(15)],
        "code": [text.code_block() for _ in range(15)],
        "rare": [rare_paragraph(RARE_WORD)],
    }
    for first_kind, firsts in kinds.items():
        for second_kind, seconds in kinds.items():
            if first_kind == second_kind == "list":
                continue  # never adjacent: see the next test
            for a, b in zip(firsts, reversed(seconds), strict=False):
                whole = markup.render_markdown(f"{a}\n\n{b}")
                html = markup.render_markdown(a).html + markup.render_markdown(b).html
                assert whole.html == html
                assert whole.text == markup.html_to_text(html)


def test_two_adjacent_lists_do_not_compose_so_bodies_never_have_them():
    a, b = "* one\n* two", "* three\n* four"
    joined = markup.render_markdown(a).html + markup.render_markdown(b).html
    assert markup.render_markdown(f"{a}\n\n{b}").html != joined  # one loose list

    bodies = Bodies(TextGenerator(random.Random(2)), 50)
    for _ in range(3000):
        body = bodies.body()
        assert "</ul>\n<ul>" not in body.html


def test_composed_bodies_are_exactly_what_forum_markup_renders():
    bodies = Bodies(TextGenerator(random.Random(5)), 200)
    for n in range(600):
        body = bodies.body(extra=RARE_WORD if n % 50 == 0 else None)
        rendered = markup.render_markdown(body.source)
        assert (body.html, body.text) == (rendered.html, rendered.text)


def test_bodies_check_samples_against_a_full_render(monkeypatch):
    bodies = Bodies(TextGenerator(random.Random(5)), 20)
    monkeypatch.setattr(markup, "render_markdown", lambda source: markup.Rendered(html="<p>x</p>", text="x"))
    with pytest.raises(RuntimeError, match="composed HTML differs"):
        for _ in range(Bodies.CHECK_EVERY + 1):
            bodies.body()


def test_replies_for_has_mean_eight():
    rng = random.Random(1)
    draws = [replies_for(rng) for _ in range(20000)]
    assert 7.5 < sum(draws) / len(draws) < 8.5
    assert max(draws) <= 60


def test_text_generator_titles_read_like_questions():
    text = TextGenerator(random.Random(3))
    titles = [text.title(Topic.Kind.QUESTION) for _ in range(50)]
    assert all(5 < len(t) <= 200 for t in titles)
    assert any(t.endswith("?") for t in titles)


@pytest.mark.django_db
def test_generate_command_reports_rates_and_rebuilds_index_once(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "forum.management.commands.generate_community.call_command", lambda name, **kw: calls.append(name)
    )
    out = StringIO()

    call_command("generate_community", "--topics", "20", "--users", "5", stdout=out)

    assert "rows/s" in out.getvalue()
    assert "topics/s" in out.getvalue()
    assert calls == ["update_index"]


@pytest.mark.django_db
def test_generate_command_rejects_bad_input():
    with pytest.raises(CommandError, match="--topics"):
        call_command("generate_community", "--topics", "0", stdout=StringIO())
    with pytest.raises(CommandError, match="--users"):
        call_command("generate_community", "--topics", "5", "--users", "1", stdout=StringIO())
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_generate_command_refuses_a_second_run():
    call_command("generate_community", "--topics", "3", "--users", "3", "--no-index", stdout=StringIO())

    with pytest.raises(CommandError, match="fresh database"):
        call_command("generate_community", "--topics", "3", "--users", "3", "--no-index", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("activity", "topic_live_activity"),
        ("newest", "topic_live_created"),
        ("votes", "topic_live_votes"),
        ("metoo", "topic_live_metoo"),
    ],
)
def test_generated_topic_list_is_read_from_a_live_topics_index(sort, index):
    """The visible-topics list must walk an index in order, not scan and sort every topic
    (``NOT is_hidden`` cannot use an index that merely starts with ``is_hidden``)."""
    from django.db import connection

    from forum.selectors import SORTS

    generate(topics=30, users=5)
    queryset = Topic.objects.filter(is_hidden=False).order_by(*SORTS[sort][1])[:25]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert index in plan
            assert "TEMP B-TREE" not in plan
        else:
            # Tiny tables: make every alternative to an ordered index walk look expensive, so
            # a Sort (or an incremental one) in the plan means no index gives this order.
            for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
                cursor.execute(f"SET {knob} = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
                cursor.execute(f"RESET {knob}")
            assert "Sort" not in plan


@pytest.mark.django_db
def test_generated_category_list_is_read_from_the_live_category_index():
    from django.db import connection

    generate(topics=30, users=5)
    category = Category.objects.first()
    queryset = Topic.objects.filter(is_hidden=False, category=category).order_by("-last_activity_at", "-id")[
        :25
    ]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "topic_live_category" in plan
            assert "TEMP B-TREE" not in plan
        else:
            # Tiny tables: make every alternative to an ordered index walk look expensive, so
            # a Sort (or an incremental one) in the plan means no index gives this order.
            for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
                cursor.execute(f"SET {knob} = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
                cursor.execute(f"RESET {knob}")
            assert "Sort" not in plan
