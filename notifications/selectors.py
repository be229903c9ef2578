"""Reads for notifications."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from forum import permissions
from forum.querysets import post_visible_q, topic_visible_q
from notifications.models import Notification


def visible_to(qs: QuerySet[Notification], user) -> QuerySet[Notification]:
    """Leave out notifications about content hidden since they were made, unless ``user`` may
    still see it (its author, moderators and staff): the same rule as
    ``forum.permissions.check_view_topic`` / ``check_view_post``, as a filter."""
    if permissions.is_moderator(user):
        return qs
    return qs.filter(topic_visible_q(user, prefix="topic__", include_own=True)).filter(
        Q(post__isnull=True) | post_visible_q(user, prefix="post__")
    )


def inbox(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, newest first, with what the inbox shows joined in."""
    qs = visible_to(Notification.objects.filter(recipient=user), user).select_related(
        "actor", "topic", "topic__category", "post"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count_with_topic(request, topic) -> int:
    """Like ``unread_count`` (and remembered the same way), in the same one query: how many of the
    unread notifications are about ``topic``. The topic page uses it to skip the write that marks
    them read when there is none (most views of most topics)."""
    user = request.user
    if not user.is_authenticated:
        request._unread_notification_count = 0
        return 0
    counts = visible_to(Notification.objects.filter(recipient=user, read_at__isnull=True), user).aggregate(
        total=Count("pk"), here=Count("pk", filter=Q(topic_id=topic.pk))
    )
    request._unread_notification_count = counts["total"] or 0
    return counts["here"] or 0


def unread_count(request) -> int:
    """The signed-in user's unread count: one query, remembered for the rest of the request."""
    cached = getattr(request, "_unread_notification_count", None)
    if cached is None:
        user = request.user
        cached = (
            visible_to(Notification.objects.filter(recipient=user, read_at__isnull=True), user).count()
            if user.is_authenticated
            else 0
        )
        request._unread_notification_count = cached
    return cached
