"""forum.cards: the topic row and the post card built without the template engine show what the
templates showed, escape every value, and cost no query of their own."""

from __future__ import annotations

from datetime import timedelta

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import timesince_filter
from django.utils import timezone

import pytest

from forum import cards, selectors
from forum.models import Post, Topic
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def loaded(topic: Topic) -> Topic:
    [found] = selectors.with_tags(Topic.objects.select_related("category", "author").filter(pk=topic.pk))
    return found


def test_the_row_escapes_title_category_author_and_tags():
    author = UserFactory(display_name=f"Eve {SCRIPT}")
    topic = TopicFactory(
        title=f"Help {SCRIPT}", author=author, category=CategoryFactory(name=f"Cat {SCRIPT}")
    )
    topic.tags.add(f"tag{SCRIPT}")
    html = cards.topic_row(loaded(topic), "/community/")
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4
    assert f'href="{topic.get_absolute_url()}"' in html
    assert f'href="{topic.category.get_absolute_url()}"' in html


def test_the_row_shows_each_badge_only_when_it_applies():
    topic = TopicFactory()
    plain = cards.topic_row(loaded(topic), "/community/")
    for badge in ("badge-official", "badge-accepted", "badge-locked", "badge-hidden", "is-hidden"):
        assert badge not in plain
    answer = PostFactory(topic=topic)
    Topic.objects.filter(pk=topic.pk).update(
        official_answer=answer, accepted_answer=answer, is_locked=True, is_hidden=True
    )
    marked = cards.topic_row(loaded(topic), "/community/")
    for badge in (
        "badge-official",
        "badge-accepted",
        "badge-locked",
        "badge-hidden",
        "topic-row kind-question is-hidden",
    ):
        assert badge in marked


def test_the_row_names_a_deleted_asker_and_links_tags_to_the_given_list():
    topic = TopicFactory()
    topic.tags.add("billing")
    Topic.objects.filter(pk=topic.pk).update(author=None)
    html = cards.topic_row(loaded(topic), "/community/c/general/")
    assert "asked by a deleted user" in html
    assert '<a class="tag" href="/community/c/general/?tag=billing">billing</a>' in html


def test_dates_read_as_the_template_filters_wrote_them():
    when = timezone.now() - timedelta(days=3, hours=2)
    topic = TopicFactory()
    Topic.objects.filter(pk=topic.pk).update(last_activity_at=when)
    html = cards.topic_row(loaded(topic), "/community/")
    local = timezone.template_localtime(when)
    expected = f'<time datetime="{local.isoformat()}" title="{date_filter(local, "j M Y, H:i")}">{timesince_filter(local)} ago</time>'
    assert expected in html


def test_the_card_escapes_names_and_reasons_but_keeps_the_stored_html():
    author = UserFactory(display_name=f"Eve {SCRIPT}", staff_title=f"Boss {SCRIPT}")
    topic = TopicFactory()
    post = PostFactory(topic=topic, author=author, is_official=True)
    Post.objects.filter(pk=post.pk).update(
        is_hidden=True, hidden_reason=f"spam {SCRIPT}", html="<p><em>kept</em></p>"
    )
    post = Post.objects.select_related("author").get(pk=post.pk)
    labels = {"post": post, "official": True, "accepted": False, "accepted_by": None}
    html = cards.post_card(post, topic, labels, False, f"Acme {SCRIPT}")
    assert "<script>" not in html
    assert "<p><em>kept</em></p>" in html
    assert f'id="answer-{post.pk}"' in html
    assert "is-official-answer" in html
    assert "post-signature" in html
    assert "Hidden: spam &lt;script&gt;" in html


def test_the_card_marks_asker_answers_email_and_edits():
    asker = UserFactory()
    topic = TopicFactory(author=asker)
    post = PostFactory(topic=topic, author=asker)
    Post.objects.filter(pk=post.pk).update(via="email", edit_count=2, edited_at=timezone.now())
    Topic.objects.filter(pk=topic.pk).update(official_answer=post)
    post = Post.objects.select_related("author").get(pk=post.pk)
    topic.refresh_from_db()
    html = cards.post_card(post, topic, None, None, "Acme")
    assert f'id="post-{post.pk}"' in html
    assert '<span class="badge">Asker</span>' in html
    assert "✓ Official answer</span>" in html
    assert '<span class="via-marker" title="Sent by email">by email</span>' in html
    assert f'class="edited-marker" href="/community/p/{post.pk}/revisions/"' in html
    assert "replied <time" in html


def test_a_card_of_a_deleted_author_and_the_question_cost_no_query(django_assert_num_queries):
    topic = TopicFactory()
    question = Post.objects.select_related("author").get(pk=topic.first_post_id)
    reply = PostFactory(topic=topic)
    Post.objects.filter(pk=reply.pk).update(author=None)
    reply = Post.objects.select_related("author").get(pk=reply.pk)
    with django_assert_num_queries(0):
        asked = cards.post_card(question, topic, None, None, "Acme")
        gone = cards.post_card(reply, topic, None, None, "Acme")
    assert "asked <time" in asked
    assert "A deleted user" in gone


def test_the_full_date_equals_the_date_filter_in_every_month_and_hour():
    start = timezone.template_localtime(timezone.now()).replace(day=1, hour=0, minute=5)
    for step in range(0, 24 * 400, 37):
        local = start + timedelta(hours=step)
        assert cards.full_date(local) == date_filter(local, "j M Y, H:i")


def test_since_equals_the_timesince_filter_from_seconds_to_years():
    now = timezone.now()
    steps = [0, 30, 59, 61, 3599, 3600, 7322, 86399, 86400, 86400 * 6, 86400 * 7, 86400 * 13, 86400 * 31]
    steps += [86400 * d for d in range(32, 1200, 17)] + [-60, -86400]
    for seconds in steps:
        local = timezone.template_localtime(now - timedelta(seconds=seconds))
        assert cards.since(local) == timesince_filter(local), seconds
    assert cards.since(None) == timesince_filter(None) == ""


def test_the_fast_formatter_escapes_exactly_as_format_html():
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    class Marked:
        def __html__(self):
            return "<b>marked</b>"

    values = [SCRIPT, "a & b \"q\" 'x'", mark_safe("<i>kept</i>"), 42, None, gettext_lazy("Hidden"), Marked()]
    for value in values:
        assert cards._html("<p title='{}'>{}</p>", value, value) == format_html(
            "<p title='{}'>{}</p>", value, value
        )
        assert cards._html("<p>{v}</p>", v=value) == format_html("<p>{v}</p>", v=value)
