"""Following topics and categories.

Rules: following is idempotent (following twice is one row; unfollowing what you do not follow
changes nothing); ``Topic.follower_count`` moves only with atomic ``F()`` updates and only when
a row was really created or deleted, so it stays exact when requests race. The asker and every
replier follow a topic automatically (``topic_create`` and ``post_create`` call
``topic_follow``). Notifications read the ``Follow`` rows.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from forum import events, permissions
from forum.models import Category, Follow, Topic


def topic_follow(*, user, topic: Topic, check: bool = True) -> bool:
    """Follow ``topic``; True when a new follow was created."""
    if check:
        permissions.check_follow_topic(user, topic)
    try:
        with transaction.atomic():
            _, created = Follow.objects.get_or_create(user=user, topic=topic)
    except IntegrityError:  # a concurrent request created it first
        return False
    if created:
        Topic.objects.filter(pk=topic.pk).update(follower_count=F("follower_count") + 1)
        events.send_after_commit(events.follow_changed, sender=Topic, topic=topic, actor=user, on=True)
    return created


def topic_unfollow(*, user, topic: Topic) -> bool:
    """Stop following ``topic``; True when a follow was removed."""
    if not permissions.is_signed_in(user):
        permissions.check_follow_topic(user, topic)
    deleted, _ = Follow.objects.filter(user=user, topic=topic).delete()
    if deleted:
        Topic.objects.filter(pk=topic.pk, follower_count__gt=0).update(follower_count=F("follower_count") - 1)
        events.send_after_commit(events.follow_changed, sender=Topic, topic=topic, actor=user, on=False)
    return bool(deleted)


def category_follow(*, user, category: Category) -> bool:
    """Follow every new topic in ``category``; True when a new follow was created."""
    permissions.check_follow_category(user, category)
    try:
        with transaction.atomic():
            _, created = Follow.objects.get_or_create(user=user, category=category)
    except IntegrityError:
        return False
    return created


def category_unfollow(*, user, category: Category) -> bool:
    """Stop following ``category``; True when a follow was removed."""
    permissions.check_follow_category(user, category)
    deleted, _ = Follow.objects.filter(user=user, category=category).delete()
    return bool(deleted)


def is_following_topic(user, topic: Topic) -> bool:
    return permissions.is_signed_in(user) and Follow.objects.filter(user=user, topic=topic).exists()


def is_following_category(user, category: Category) -> bool:
    return permissions.is_signed_in(user) and Follow.objects.filter(user=user, category=category).exists()
