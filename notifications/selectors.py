"""Reads for notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def inbox(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, newest first, with what the inbox shows joined in."""
    qs = Notification.objects.filter(recipient=user).select_related(
        "actor", "topic", "topic__category", "post"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(request) -> int:
    """The signed-in user's unread count: one query, remembered for the rest of the request."""
    cached = getattr(request, "_unread_notification_count", None)
    if cached is None:
        user = request.user
        cached = (
            Notification.objects.filter(recipient=user, read_at__isnull=True).count()
            if user.is_authenticated
            else 0
        )
        request._unread_notification_count = cached
    return cached
