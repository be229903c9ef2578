import datetime

from django.core.management import call_command
from django.utils import timezone

import pytest

from forum.models import Topic
from forum.popularity import HALF_LIFE_DAYS, popularity_score, refresh_popularity, topic_popularity
from tests.factories import TopicFactory

NOW = timezone.now()


def _score(**kwargs):
    base = {"views": 0, "metoo": 0, "reply_votes": 0, "replies": 0, "followers": 0, "age_days": 0}
    return popularity_score(**{**base, **kwargs})


def test_popularity_ordering_on_hand_made_cases():
    cases = {
        "burst of me-too this week": _score(views=200, metoo=12, replies=4, followers=3, age_days=2),
        "many views, no action": _score(views=5000, age_days=2),
        "well voted answer last month": _score(views=300, reply_votes=8, replies=6, age_days=30),
        "old classic from last year": _score(
            views=20000, metoo=30, reply_votes=20, replies=25, followers=15, age_days=365
        ),
        "fresh and untouched": _score(views=3, age_days=0),
    }
    ranked = sorted(cases, key=cases.get, reverse=True)
    assert ranked == [
        "burst of me-too this week",
        "well voted answer last month",
        "many views, no action",
        "old classic from last year",
        "fresh and untouched",
    ]


def test_popularity_prefers_people_acting_over_views():
    assert _score(metoo=5) > _score(views=1000)


def test_popularity_halves_every_half_life():
    fresh = _score(metoo=10)
    assert _score(metoo=10, age_days=HALF_LIFE_DAYS) == pytest.approx(fresh / 2, rel=1e-3)


def test_popularity_is_never_negative():
    assert _score(reply_votes=-50, age_days=-3) == 0


@pytest.mark.django_db
def test_topic_popularity_ages_from_last_activity():
    old = TopicFactory(metoo_count=4, created_at=NOW - datetime.timedelta(days=200), last_activity_at=NOW)
    stale = TopicFactory(
        metoo_count=4,
        created_at=NOW - datetime.timedelta(days=200),
        last_activity_at=NOW - datetime.timedelta(days=200),
    )
    assert topic_popularity(old, now=NOW) > topic_popularity(stale, now=NOW)


@pytest.mark.django_db
def test_refresh_popularity_stores_scores_and_orders_topics():
    quiet = TopicFactory(title="Quiet", view_count=10)
    busy = TopicFactory(title="Busy", view_count=10, metoo_count=6, follower_count=2)
    assert refresh_popularity(now=NOW) == 2
    assert list(Topic.objects.order_by("-popularity").values_list("title", flat=True)) == ["Busy", "Quiet"]
    busy.refresh_from_db()
    assert busy.popularity_updated_at == NOW
    assert refresh_popularity(now=NOW) == 0  # nothing moved
    assert quiet.pk


@pytest.mark.django_db
def test_refresh_popularity_command_and_task():
    topic = TopicFactory(metoo_count=3)
    call_command("refresh_popularity")
    topic.refresh_from_db()
    assert topic.popularity > 0
    Topic.objects.filter(pk=topic.pk).update(metoo_count=10)
    from forum.tasks import refresh_popularity_task

    refresh_popularity_task.enqueue(topic_ids=[topic.pk])
    topic.refresh_from_db()
    assert topic.popularity > 20


@pytest.mark.django_db
def test_refresh_popularity_command_rejects_bad_ids():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("refresh_popularity", "0")


@pytest.mark.django_db
def test_a_new_reply_refreshes_the_topics_popularity(django_capture_on_commit_callbacks):
    from forum import events

    topic = TopicFactory(metoo_count=5)
    assert topic.popularity == 0
    with django_capture_on_commit_callbacks(execute=True):
        events.reply_created.send(sender=Topic, topic=topic, post=None, actor=None)
    topic.refresh_from_db()
    assert topic.popularity > 0
