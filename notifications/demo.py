"""Demo notifications, preferences and profile text. Runs after the forum's seeders and uses
whatever topics they made; creates nothing twice. The forum's demo content notifies people
through the real events; sample notifications are added only when that gave the demo customer
none."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from forum.models import Post, Topic
from notifications.models import Delivery, EventType, Notification
from notifications.services import preferences_set

BIOS = {
    "customer": "Runs a small bakery and the shop's web orders. Asks a lot of questions about exports.",
    "staff": "Support engineer. I answer here every weekday, 9 to 5 CET.",
    "moderator": "Keeping the community friendly and spam-free.",
    "editor": "I turn the best answers into FAQ articles.",
}


def seed(log=print) -> None:
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=BIOS)}
    for username, bio in BIOS.items():
        user = users.get(username)
        if user is not None and not user.bio:
            user.bio = bio
            user.save(update_fields=["bio"])
    customer, staff = users.get("customer"), users.get("staff")
    if customer is None:
        return
    preferences_set(user=customer, deliveries={EventType.MENTIONS: Delivery.IMMEDIATELY})
    # The forum's seeders send their events after commit, and those events notify people
    # for real: look only once they have run, and fill in only if the customer got nothing.
    transaction.on_commit(lambda: _seed_notifications(customer, staff, log))


def _seed_notifications(customer, staff, log) -> list[Notification]:
    if Notification.objects.filter(recipient=customer).exists():
        return []
    topics = list(Topic.objects.visible().select_related("category").order_by("-created_at")[:6])
    if not topics:
        log("  no forum topics yet: skipped demo notifications")
        return []
    now = timezone.now()
    kinds = [
        (Notification.Kind.ANSWER, timedelta(minutes=12), False, ""),
        (Notification.Kind.OFFICIAL, timedelta(hours=2), False, ""),
        (Notification.Kind.MENTION, timedelta(hours=5), False, ""),
        (Notification.Kind.STATUS, timedelta(days=1), True, "In progress"),
        (Notification.Kind.REPLY, timedelta(days=2), True, ""),
        (Notification.Kind.NEW_TOPIC, timedelta(days=3), True, ""),
    ]
    created = []
    for (kind, age, read, detail), topic in zip(kinds, topics * 2, strict=False):
        reply = Post.objects.visible().filter(topic=topic).exclude(pk=topic.first_post_id).first()
        post = topic.first_post if kind == Notification.Kind.NEW_TOPIC else reply
        actor = post.author if post is not None and post.author_id != customer.pk else staff
        created.append(
            Notification.objects.create(
                recipient=customer,
                actor=actor,
                kind=kind,
                topic=topic,
                post=post,
                detail=detail,
                created_at=now - age,
                read_at=(now - age + timedelta(minutes=30)) if read else None,
                email_state=Notification.EmailState.SENT if not read else Notification.EmailState.NONE,
            )
        )
    log(f"  created {len(created)} notifications for the demo customer")
    return created
