"""Staff responsiveness figures on hand-made timelines (forum/reports/responsiveness.py)."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

import pytest

from forum.models import Topic
from forum.reports import responsiveness
from tests.factories import CategoryFactory, TopicFactory

NOW = timezone.now().replace(microsecond=0)


def make_topic(category, *, age_days=1.0, first_reply_hours=None, answer_hours=None, **kwargs):
    created = NOW - timedelta(days=age_days)
    topic = TopicFactory(category=category, created_at=created, **kwargs)
    updates = {}
    if first_reply_hours is not None:
        updates.update(
            has_staff_reply=True, first_staff_reply_at=created + timedelta(hours=first_reply_hours)
        )
    if answer_hours is not None:
        updates["answered_at"] = created + timedelta(hours=answer_hours)
    if updates:
        Topic.objects.filter(pk=topic.pk).update(**updates)
    return topic


def percentile_cont(values, p):
    """Reference implementation of PostgreSQL's percentile_cont."""
    values = sorted(values)
    pos = (len(values) - 1) * p
    low = int(pos)
    if low + 1 >= len(values):
        return values[low]
    return values[low] + (values[low + 1] - values[low]) * (pos - low)


@pytest.mark.django_db
def test_percentiles_interpolate_like_percentile_cont():
    cat = CategoryFactory()
    hours = [1, 2, 3, 4, 10]
    for h in hours:
        make_topic(cat, first_reply_hours=h)
    result = responsiveness.percentiles(
        responsiveness.topics_in_window(days=7, now=NOW), start="created_at", end="first_staff_reply_at"
    )
    timing = result[cat.pk]
    assert timing.count == 5
    assert timing.median == timedelta(hours=3)
    # position 0.9 * 4 = 3.6: 4h + 0.6 * (10h - 4h) = 7.6h
    assert timing.p90 == timedelta(hours=7.6)
    assert timing.p90 == timedelta(hours=percentile_cont(hours, 0.9))


@pytest.mark.django_db
def test_percentiles_even_count_and_single_topic_per_category():
    even, single, empty = CategoryFactory(), CategoryFactory(), CategoryFactory()
    for h in [4, 1, 3, 2]:
        make_topic(even, answer_hours=h)
    make_topic(single, answer_hours=5)
    make_topic(empty)  # no answer yet: not counted in the timing
    result = responsiveness.percentiles(
        responsiveness.topics_in_window(days=7, now=NOW), start="created_at", end="answered_at"
    )
    assert result[even.pk].median == timedelta(hours=2.5)
    assert result[even.pk].p90 == timedelta(hours=percentile_cont([1, 2, 3, 4], 0.9))
    assert result[single.pk].median == result[single.pk].p90 == timedelta(hours=5)
    assert empty.pk not in result


@pytest.mark.django_db
def test_responsiveness_windows_counts_and_total_row():
    cat = CategoryFactory(name="Billing")
    make_topic(cat, age_days=2, first_reply_hours=1, answer_hours=5, status=Topic.Status.ANSWERED)
    make_topic(cat, age_days=3, first_reply_hours=3, answer_hours=9, status=Topic.Status.SOLVED)
    make_topic(cat, age_days=5)  # open, waiting for staff
    make_topic(cat, age_days=20, first_reply_hours=48, status=Topic.Status.IN_PROGRESS)  # only in 30 days
    make_topic(cat, age_days=1, first_reply_hours=100, is_hidden=True)  # hidden: never counted

    week = {row.category_id: row for row in responsiveness.responsiveness(days=7, now=NOW)}
    assert (week[cat.pk].topics, week[cat.pk].open, week[cat.pk].answered, week[cat.pk].solved) == (
        3,
        1,
        1,
        1,
    )
    assert week[cat.pk].waiting == 1
    assert week[cat.pk].first_reply.median == timedelta(hours=2)
    assert week[cat.pk].answer.median == timedelta(hours=7)

    month = {row.category_id: row for row in responsiveness.responsiveness(days=30, now=NOW)}
    assert month[cat.pk].topics == 4
    assert month[cat.pk].first_reply.count == 3
    assert month[cat.pk].first_reply.median == timedelta(hours=3)
    assert month[responsiveness.ALL].topics == 4
    assert month[responsiveness.ALL].name == "All categories"


@pytest.mark.django_db
def test_responsiveness_total_row_spans_categories():
    a, b = CategoryFactory(), CategoryFactory()
    for h in (1, 2):
        make_topic(a, first_reply_hours=h)
    for h in (10, 20):
        make_topic(b, first_reply_hours=h)
    rows = {row.category_id: row for row in responsiveness.responsiveness(days=7, now=NOW)}
    assert rows[a.pk].first_reply.median == timedelta(hours=1.5)
    assert rows[b.pk].first_reply.median == timedelta(hours=15)
    assert rows[responsiveness.ALL].first_reply.median == timedelta(hours=6)
    assert rows[responsiveness.ALL].first_reply.p90 == timedelta(hours=percentile_cont([1, 2, 10, 20], 0.9))


@pytest.mark.django_db
def test_responsiveness_query_count_does_not_grow_with_topics(django_assert_max_num_queries):
    cats = [CategoryFactory() for _ in range(3)]
    for i in range(30):
        make_topic(cats[i % 3], first_reply_hours=i + 1, answer_hours=i + 2)
    with django_assert_max_num_queries(7):
        rows = responsiveness.responsiveness(days=30, now=NOW)
    assert len(rows) == 4


@pytest.mark.django_db
def test_staff_queue_lists_topics_without_staff_reply_oldest_first():
    cat = CategoryFactory()
    newer = make_topic(cat, age_days=1)
    older = make_topic(cat, age_days=4)
    make_topic(cat, age_days=2, first_reply_hours=1)  # staff replied
    make_topic(cat, age_days=6, status=Topic.Status.CLOSED)  # closed: no longer waiting
    make_topic(cat, age_days=7, is_hidden=True)  # hidden
    assert list(responsiveness.staff_queue()) == [older, newer]


@pytest.mark.django_db
def test_percentiles_match_reference_and_postgresql_percentile_cont():
    """Irregular timelines: the result equals percentile_cont (computed by PostgreSQL itself
    when the tests run there, by the reference implementation everywhere)."""
    cat = CategoryFactory()
    minutes = [7, 95, 13, 400, 61, 61, 2, 1500, 33, 250, 18]
    for m in minutes:
        make_topic(cat, first_reply_hours=m / 60)
    timing = responsiveness.percentiles(
        responsiveness.topics_in_window(days=7, now=NOW), start="created_at", end="first_staff_reply_at"
    )[cat.pk]
    for p, got in ((0.5, timing.median), (0.9, timing.p90)):
        expected = timedelta(minutes=percentile_cont(minutes, p))
        assert abs(got - expected) < timedelta(seconds=1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY first_staff_reply_at - created_at) "
                    "FROM forum_topic WHERE category_id = %s",
                    [p, cat.pk],
                )
                assert abs(cursor.fetchone()[0] - got) < timedelta(seconds=1)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\u2014"),
        (timedelta(minutes=14, seconds=50), "14m"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=5, minutes=12), "5h 12m"),
        (timedelta(days=3, hours=4, minutes=59), "3d 4h"),
        (timedelta(days=2), "2d"),
    ],
)
def test_format_duration(value, text):
    assert responsiveness.format_duration(value) == text


@pytest.mark.django_db
def test_admin_report_is_for_staff_and_editors_only(client, staff, editor, moderator, customer):
    make_topic(CategoryFactory(name="Billing"), first_reply_hours=2, answer_hours=3)
    waiting = make_topic(CategoryFactory(name="Mobile"), age_days=2)
    url = "/admin/responsiveness/"
    for user in (staff, editor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        content = response.content.decode()
        assert "Last 7 days" in content and "Last 30 days" in content and waiting.title in content
        assert "2h" in content and "Responsiveness" in content
    # Wagtail turns a refusal inside the admin into a redirect to the dashboard with a message.
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert "Responsiveness" not in client.get("/admin/").content.decode()  # no menu item either
    client.force_login(customer)  # no admin access at all
    assert client.get(url)["Location"].startswith("/admin/login/")
    client.logout()
    assert client.get(url)["Location"].startswith("/admin/login/")
