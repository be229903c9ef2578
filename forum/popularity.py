"""How popular a topic is: ONE formula, stored on ``Topic.popularity``.

The score rewards what shows that many customers need a thread, and lets it fade with time so
that last year's burst does not outrank this week's:

    engagement = 1.0 * log2(1 + views)
               + 3.0 * me_too
               + 2.0 * max(reply_votes, 0)
               + 1.0 * replies
               + 2.0 * followers
    popularity = engagement * 0.5 ** (age_days / HALF_LIFE_DAYS)

* Views count logarithmically: a thousand views is a strong signal, but views are cheap
  (crawlers, refreshes) and must not drown out people who took an action.
* "Me too" is the strongest signal (someone has exactly this question); followers and reply
  votes (someone found an answer useful) come next; replies show discussion, weakly.
* ``age_days`` is the time since the topic's last activity (new replies keep a thread alive),
  and the score halves every ``HALF_LIFE_DAYS`` days.

``refresh_popularity()`` recomputes and stores it (``manage.py refresh_popularity`` and the
``forum.tasks.refresh_popularity_task`` task call it); FAQ promotion candidates and "popular"
sorting read the stored value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

WEIGHT_VIEWS = 1.0
WEIGHT_METOO = 3.0
WEIGHT_REPLY_VOTES = 2.0
WEIGHT_REPLIES = 1.0
WEIGHT_FOLLOWERS = 2.0
HALF_LIFE_DAYS = 60.0
BATCH_SIZE = 1000


def popularity_score(
    *, views: int, metoo: int, reply_votes: int, replies: int, followers: int, age_days: float
) -> float:
    """The formula in the module docstring; never negative, rounded to 4 places."""
    engagement = (
        WEIGHT_VIEWS * math.log2(1 + max(views, 0))
        + WEIGHT_METOO * max(metoo, 0)
        + WEIGHT_REPLY_VOTES * max(reply_votes, 0)
        + WEIGHT_REPLIES * max(replies, 0)
        + WEIGHT_FOLLOWERS * max(followers, 0)
    )
    decay = 0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS)
    return round(engagement * decay, 4)


def topic_popularity(topic, *, now: datetime | None = None) -> float:
    """The score of one topic from its stored counters."""
    now = now or timezone.now()
    last = max(topic.last_activity_at or topic.created_at, topic.created_at)
    age_days = (now - last).total_seconds() / 86400
    return popularity_score(
        views=topic.view_count,
        metoo=topic.metoo_count,
        reply_votes=topic.vote_count,
        replies=topic.reply_count,
        followers=topic.follower_count,
        age_days=age_days,
    )


def refresh_popularity(*, topic_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Recompute and store the popularity of the given topics (all when ``None``); returns how
    many rows changed. Reads counters in batches and writes only the scores that moved."""
    from forum.models import Topic

    now = now or timezone.now()
    queryset = Topic.objects.order_by("pk").only(
        "pk",
        "view_count",
        "metoo_count",
        "vote_count",
        "reply_count",
        "follower_count",
        "created_at",
        "last_activity_at",
        "popularity",
    )
    if topic_ids is not None:
        queryset = queryset.filter(pk__in=list(topic_ids))
    changed = 0
    batch: list = []
    for topic in queryset.iterator(chunk_size=BATCH_SIZE):
        score = topic_popularity(topic, now=now)
        if score != topic.popularity:
            topic.popularity = score
            topic.popularity_updated_at = now
            batch.append(topic)
        if len(batch) >= BATCH_SIZE:
            changed += _write(batch)
            batch = []
    if batch:
        changed += _write(batch)
    return changed


def _write(topics: list) -> int:
    from forum.models import Topic

    with transaction.atomic():
        Topic.objects.bulk_update(topics, ["popularity", "popularity_updated_at"])
    return len(topics)
