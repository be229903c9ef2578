"""Staff triage: every action allowed for staff and refused for everyone else, with clear
messages and nothing changed on refusal."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

import pytest

from forum.models import Post, Topic
from mentions import selectors, services
from mentions.models import Mention, MentionEvent
from tests.factories import CategoryFactory, UserFactory, editor_user, moderator_user, staff_user

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return CategoryFactory(name="Mobile app", slug="mobile-app")


@pytest.fixture
def outsiders(customer, moderator, editor):
    return [customer, moderator, editor]


# --- services: both ways ------------------------------------------------------------------


def test_staff_reply_records_text_address_time_and_first_response(staff):
    mention = factories.mention()
    services.mention_reply(
        actor=staff, mention=mention, text="Try Settings → Sync.", reply_url="https://blog.example/c/1"
    )
    mention.refresh_from_db()
    assert mention.status == Mention.Status.REPLIED
    assert mention.reply_text == "Try Settings → Sync."
    assert mention.reply_url == "https://blog.example/c/1"
    assert mention.replied_by == staff and mention.first_response_at == mention.replied_at
    assert MentionEvent.objects.filter(mention=mention, action="reply").exists()


@pytest.mark.parametrize(
    "text, url, field",
    [("", "", "reply_text"), ("x" * 5001, "", "reply_text"), ("ok", "javascript:alert(1)", "reply_url")],
)
def test_reply_with_bad_input_is_refused_and_nothing_changes(staff, text, url, field):
    mention = factories.mention()
    with pytest.raises(ValidationError) as info:
        services.mention_reply(actor=staff, mention=mention, text=text, reply_url=url)
    assert field in info.value.message_dict
    mention.refresh_from_db()
    assert mention.status == Mention.Status.NEW and mention.reply_text == ""


def test_everyone_but_staff_is_refused_every_action(outsiders, category, staff):
    mention = factories.mention()
    for user in outsiders:
        for action in (
            lambda u: services.mention_reply(actor=u, mention=mention, text="hi"),
            lambda u: services.mention_set_status(actor=u, mention=mention, status="dismissed"),
            lambda u: services.mention_assign(actor=u, mention=mention, assignee=staff),
            lambda u: services.mentions_dismiss(actor=u, ids=[mention.pk]),
            lambda u: services.mention_set_shown(actor=u, mention=mention, shown=True),
            lambda u: services.mention_bring_home(actor=u, mention=mention, category=category),
        ):
            with pytest.raises(PermissionDenied, match="Only staff can triage mentions."):
                action(user)
    mention.refresh_from_db()
    assert mention.status == Mention.Status.NEW and mention.assigned_to is None
    assert not mention.show_on_product_pages and mention.topic is None
    assert not MentionEvent.objects.exists() and not Topic.objects.exists()


def test_status_moves_follow_the_rules(staff):
    mention = factories.mention()
    services.mention_set_status(actor=staff, mention=mention, status="needs_reply")
    assert mention.status == "needs_reply"
    services.mention_set_status(actor=staff, mention=mention, status="dismissed")
    services.mention_set_status(actor=staff, mention=mention, status="new")  # reopened
    assert Mention.objects.get(pk=mention.pk).status == "new"
    with pytest.raises(ValidationError, match="Use the reply or bring-home actions"):
        services.mention_set_status(actor=staff, mention=mention, status="replied")
    services.mention_reply(actor=staff, mention=mention, text="Answered")
    with pytest.raises(ValidationError, match="cannot become"):
        services.mention_set_status(actor=staff, mention=mention, status="needs_reply")


def test_mentions_are_assigned_to_staff_only(staff, customer):
    mention = factories.mention()
    with pytest.raises(PermissionDenied, match="staff members only"):
        services.mention_assign(actor=staff, mention=mention, assignee=customer)
    services.mention_assign(actor=staff, mention=mention, assignee=staff)
    assert Mention.objects.get(pk=mention.pk).assigned_to == staff
    services.mention_assign(actor=staff, mention=mention, assignee=None)
    assert Mention.objects.get(pk=mention.pk).assigned_to is None


def test_bulk_dismiss_changes_only_open_mentions(staff):
    open_ones = [factories.mention() for _ in range(3)]
    replied = factories.mention(status=Mention.Status.REPLIED)
    done = services.mentions_dismiss(actor=staff, ids=[m.pk for m in open_ones] + [replied.pk, 999999])
    assert done == 3
    assert set(Mention.objects.filter(status="dismissed").values_list("pk", flat=True)) == {
        m.pk for m in open_ones
    }
    assert Mention.objects.get(pk=replied.pk).status == "replied"


def test_bring_home_creates_an_attributed_topic_with_the_reply_as_official_answer(staff, category):
    mention = factories.mention(
        title="How do I stop the Acme Cloud app draining my battery?",
        text="It uses 30% a day on my phone. Any setting for that?",
        url="https://social.example/@lena/42",
    )
    services.mention_reply(actor=staff, mention=mention, text="Turn off **photo backup** in Settings.")
    mention.refresh_from_db()
    topic = services.mention_bring_home(actor=staff, mention=mention, category=category)
    topic.refresh_from_db()
    assert topic.title == "How do I stop the Acme Cloud app draining my battery?"
    assert topic.category == category
    assert topic.author.is_placeholder and topic.author.name.startswith("Lena Park")
    assert not topic.author.has_usable_password()
    question = topic.first_post
    assert "It uses 30% a day" in question.text
    assert 'href="https://social.example/@lena/42"' in question.html
    assert "Originally posted by" in question.text
    answer = Post.objects.get(topic=topic, author=staff)
    assert answer.is_official and topic.official_answer_id == answer.pk
    assert "photo backup" in answer.text
    mention.refresh_from_db()
    assert mention.status == Mention.Status.BROUGHT_HOME and mention.topic == topic
    with pytest.raises(ValidationError, match="already a community topic"):
        services.mention_bring_home(actor=staff, mention=mention, category=category)
    assert Topic.objects.count() == 1


def test_bring_home_never_posts_as_a_real_member(staff, category):
    member = UserFactory(username="lena-park-clash")
    mention = factories.mention()
    from mentions import services as s

    original = s._placeholder_for
    s._placeholder_for = lambda m: member
    try:
        with pytest.raises(PermissionDenied, match="outside authors only"):
            services.mention_bring_home(actor=staff, mention=mention, category=category)
    finally:
        s._placeholder_for = original
    assert not Topic.objects.exists()
    assert Mention.objects.get(pk=mention.pk).status == Mention.Status.NEW


def test_the_same_outside_author_gets_one_placeholder(staff, category):
    first = factories.mention(title="Acme Cloud question number one here")
    second = factories.mention(title="Acme Cloud question number two here")
    a = services.mention_bring_home(actor=staff, mention=first, category=category)
    b = services.mention_bring_home(actor=staff, mention=second, category=category)
    assert a.author_id == b.author_id


def test_a_bad_bring_home_title_is_refused_and_nothing_is_half_saved(staff, category):
    mention = factories.mention()
    with pytest.raises(ValidationError):
        services.mention_bring_home(actor=staff, mention=mention, category=category, title="short")
    assert not Topic.objects.exists()
    mention.refresh_from_db()
    assert mention.status == Mention.Status.NEW and mention.topic is None


# --- selectors ----------------------------------------------------------------------------


def test_negative_and_overdue_mentions_are_highlighted(settings):
    settings.MENTIONS_REPLY_OVERDUE_HOURS = 4
    old_question = factories.mention(kind="question", created_at=timezone.now() - timedelta(hours=5))
    fresh_question = factories.mention(kind="question")
    negative = factories.mention(kind="other", sentiment="negative")
    praise = factories.mention(
        kind="praise", sentiment="positive", created_at=timezone.now() - timedelta(days=2)
    )
    assert selectors.needs_attention(old_question) == "overdue"
    assert selectors.needs_attention(fresh_question) == ""
    assert selectors.needs_attention(negative) == "negative"
    assert selectors.needs_attention(praise) == ""


def test_response_times_cover_replies_and_bring_home(staff, category):
    now = timezone.now()
    a = factories.mention(created_at=now - timedelta(hours=3))
    b = factories.mention(created_at=now - timedelta(hours=1))
    factories.mention()  # no response yet
    Mention.objects.filter(pk=a.pk).update(first_response_at=now - timedelta(hours=1))  # 2 h
    Mention.objects.filter(pk=b.pk).update(first_response_at=now)  # 1 h
    times = selectors.response_times(30)
    assert (times.mentions, times.responded) == (3, 2)
    assert times.median_hours == 1.5
    assert times.p90_hours == 1.9


def test_queue_filters(staff):
    src = factories.source()
    match = factories.mention(source=src, kind="problem", sentiment="negative", assigned_to=staff)
    factories.mention(kind="praise", sentiment="positive")
    factories.mention(status=Mention.Status.DISMISSED)
    f = selectors.QueueFilters.from_query(
        {"source": str(src.pk), "kind": "problem", "sentiment": "negative", "assigned": "me"}
    )
    assert list(selectors.queue(f, viewer=staff)) == [match]
    assert selectors.queue(selectors.QueueFilters(), viewer=staff).count() == 2  # open only
    assert selectors.queue(selectors.QueueFilters(status="all"), viewer=staff).count() == 3
    junk = selectors.QueueFilters.from_query(
        {"source": "1 OR 1=1", "kind": "<script>", "status": "\x00", "category": "9" * 40}
    )
    assert junk == selectors.QueueFilters()


# --- the admin pages ----------------------------------------------------------------------


def test_queue_and_detail_pages_are_for_staff_only(client, staff, customer, moderator, editor):
    mention = factories.mention()
    pages = [reverse("mentions:queue"), reverse("mentions:detail", args=[mention.pk])]
    for user in (moderator, editor):
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code in (302, 403), url
    client.force_login(customer)
    for url in pages:
        assert client.get(url).status_code in (302, 403)
    client.force_login(staff)
    for url in pages:
        assert client.get(url).status_code == 200


def test_queue_page_lists_newest_first_with_filters_and_empty_state(client, staff):
    client.force_login(staff)
    response = client.get(reverse("mentions:queue"))
    assert "Nothing waiting" in response.content.decode()
    older = factories.mention(
        title="Older Acme Cloud mention", created_at=timezone.now() - timedelta(hours=2)
    )
    newer = factories.mention(title="Newer Acme Cloud mention", sentiment="negative")
    body = client.get(reverse("mentions:queue")).content.decode()
    assert body.index("Newer Acme Cloud mention") < body.index("Older Acme Cloud mention")
    assert "mq-negative" in body
    body = client.get(reverse("mentions:queue") + "?sentiment=negative").content.decode()
    assert "Newer Acme Cloud mention" in body and "Older Acme Cloud mention" not in body
    body = client.get(reverse("mentions:queue") + "?kind=idea").content.decode()
    assert "No mentions match these filters." in body
    assert client.get(reverse("mentions:queue") + "?page=abc&source=x").status_code == 200
    assert client.get(reverse("mentions:queue") + "?page=abc&source=%00").status_code == 400  # NUL
    assert older and newer


def test_detail_page_shows_similar_topics_and_sanitised_text(
    client, staff, category, django_capture_on_commit_callbacks
):
    from forum.services import topics as topic_services

    with django_capture_on_commit_callbacks(execute=True):  # the index is written after commit
        topic_services.topic_create(
            author=staff,
            title="Android app stops syncing after update",
            source="Try this.",
            category=category,
        )
    mention = factories.mention(title="Acme Cloud Android app stops syncing", html="<p>It stops syncing</p>")
    client.force_login(staff)
    body = client.get(reverse("mentions:detail", args=[mention.pk])).content.decode()
    assert "Android app stops syncing after update" in body
    assert client.get(reverse("mentions:detail", args=[999999])).status_code == 404


def test_admin_actions_work_for_staff_and_refuse_others(client, staff, customer, category):
    mention = factories.mention()
    client.force_login(customer)
    response = client.post(reverse("mentions:reply", args=[mention.pk]), {"reply_text": "hi"})
    assert response.status_code in (302, 403)
    assert Mention.objects.get(pk=mention.pk).status == Mention.Status.NEW
    client.force_login(staff)
    response = client.post(
        reverse("mentions:reply", args=[mention.pk]), {"reply_text": "", "reply_url": "nope"}, follow=True
    )
    assert "Your reply: This field is required." in response.content.decode()
    assert Mention.objects.get(pk=mention.pk).status == Mention.Status.NEW
    client.post(reverse("mentions:reply", args=[mention.pk]), {"reply_text": "See our FAQ"})
    assert Mention.objects.get(pk=mention.pk).status == Mention.Status.REPLIED
    response = client.post(
        reverse("mentions:bring_home", args=[mention.pk]),
        {"title": "A question from elsewhere about Acme", "category": category.pk, "kind": "question"},
    )
    assert response.status_code == 302
    assert Mention.objects.get(pk=mention.pk).topic.title == "A question from elsewhere about Acme"
    other = factories.mention()
    response = client.post(reverse("mentions:assign", args=[other.pk]), {"assignee": "abc"}, follow=True)
    assert "Choose a staff member." in response.content.decode()
    client.post(reverse("mentions:bulk_dismiss"), {"ids": [str(other.pk), "x", "1" * 30]})
    assert Mention.objects.get(pk=other.pk).status == Mention.Status.DISMISSED
    response = client.post(reverse("mentions:status", args=[other.pk]), {"status": "bogus"}, follow=True)
    assert "Use the reply or bring-home actions" in response.content.decode()


def test_menu_counts_open_mentions_for_staff_only(client, staff, moderator):
    factories.mention()
    client.force_login(staff)
    assert "Triage queue (1)" in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(moderator)
    assert "Triage queue" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_sources_admin_validates_keywords_address_and_interval(client, staff, settings):
    settings.MENTIONS_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(staff)
    response = client.post(
        reverse("mentions_sources:add"),
        {
            "name": "Bad",
            "feed_url": "http://127.0.0.1/feed",
            "keywords": " , ",
            "poll_minutes": "1",
            "is_active": "on",
        },
    )
    body = response.content.decode()
    assert "Refused: 127.0.0.1 is a private, loopback or reserved address." in body
    assert "Give at least one keyword" in body
    assert "Poll between every 5 minutes and once a week." in body
    from mentions.models import Source

    assert not Source.objects.exists()
    response = client.post(
        reverse("mentions_sources:add"),
        {
            "name": "Blogs",
            "feed_url": "https://blogs.example/feed",
            "keywords": "Acme Cloud, acme cloud\nAcmeCloud",
            "poll_minutes": "30",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Source.objects.get().keywords == "Acme Cloud\nAcmeCloud"


def test_sources_admin_is_staff_only(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("mentions_sources:list")).status_code in (302, 403)


def test_demo_seeds_sources_and_a_dozen_mentions(db):
    from demo import forum as forum_demo  # noqa: F401 - categories come from the forum's seeder
    from demo import mentions as demo

    demo.seed(log=lambda *a: None)
    demo.seed(log=lambda *a: None)  # again: nothing doubles
    assert Mention.objects.filter(duplicate_of__isnull=True).count() >= 12
    assert Mention.objects.filter(duplicate_of__isnull=False).count() == 1
    kinds = set(Mention.objects.values_list("kind", flat=True))
    assert {"question", "problem", "praise", "idea"} <= kinds
    body = "".join(Mention.objects.values_list("html", flat=True))
    assert "<script" not in body and "onerror" not in body


def test_staff_user_helpers_exist():
    # the factories the tests above use
    assert callable(staff_user) and callable(moderator_user) and callable(editor_user)


def test_responsiveness_report_shows_mentions_time_to_first_response(client, staff, editor):
    now = timezone.now()
    answered = factories.mention(created_at=now - timedelta(hours=3))
    Mention.objects.filter(pk=answered.pk).update(first_response_at=now - timedelta(hours=1))
    client.force_login(staff)
    body = client.get(reverse("forum_responsiveness")).content.decode()
    assert "Mentions elsewhere" in body and "2.0 h" in body
    client.force_login(editor)  # editors see the report, not the mentions
    body = client.get(reverse("forum_responsiveness")).content.decode()
    assert "Staff responsiveness" in body and "Mentions elsewhere" not in body


def test_detail_page_escapes_a_mention_that_has_only_plain_text(client, staff):
    mention = factories.mention(html="", text='<script>alert("x")</script> Acme Cloud')
    client.force_login(staff)
    body = client.get(reverse("mentions:detail", args=[mention.pk])).content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;" in body
