"""Demo reactions and moderation, on top of the demo topics (``forum.demo``): votes and "me too"
from demo members, open flags in the moderation queue (one post at two flags, one below the
threshold), a post hidden by a moderator, and a banned spammer. Everything goes through the
services, so counters are true. Safe to run again: it adds only what is missing."""

from __future__ import annotations

import contextlib

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from allauth.account.models import EmailAddress

from accounts.demo import DEMO_PASSWORD
from forum import permissions
from forum.models import Post, Topic
from forum.services import moderation, reactions

VOTERS = ["customer", "priya", "jonas", "mei", "omar"]
SPAMMER = ("dealbot", "dealbot@example.com", "Best Deals 24/7")
SPAM_POSTS = [
    "Tired of slow sync? Get **90% off** premium VPN accounts today only at cheap-deals.example!!!",
    "Best prices on designer watches, free shipping worldwide, visit watches-outlet.example now.",
    "Earn $500 a day from home, no experience needed. DM me for the secret method.",
]
OFF_TOPIC = "Unrelated, but does anyone know a good pizza place near the Berlin office?"


def _member(username: str):
    return get_user_model().objects.filter(username=username).first()


def _spammer(log):
    User = get_user_model()
    username, email, name = SPAMMER
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email, "display_name": name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        log(f"  created account {email} (a spammer, to be banned)")
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _post_reply(author, topic: Topic, source: str) -> Post:
    from forum.services import posts as post_services

    existing = Post.objects.filter(author=author, topic=topic, source=source).first()
    if existing is not None:
        return existing
    return post_services.post_create(author=author, topic=topic, source=source)


def _flag(user, post: Post, reason: str, note: str = "") -> None:
    # Flagged on an earlier run, or no longer allowed: nothing to add.
    with contextlib.suppress(ValidationError, PermissionDenied):
        moderation.post_flag(user=user, post=post, reason=reason, note=note)


def seed(log=print) -> None:
    from forum import demo

    topics = list(
        Topic.objects.filter(title__in=[spec["title"] for spec in demo.TOPICS]).order_by("created_at")
    )
    if not topics:
        log("  no demo topics yet: skipping demo reactions and moderation")
        return
    members = {name: _member(name) for name in [*VOTERS, "moderator", "staff"]}
    if any(user is None for user in members.values()):
        log("  demo members missing: skipping demo reactions and moderation")
        return

    # Votes on replies and "me too" on topics, spread deterministically over the demo members.
    votes = 0
    replies = (
        Post.objects.visible()
        .filter(topic__in=topics)
        .exclude(pk__in=[t.first_post_id for t in topics])
        .exclude(author__username=SPAMMER[0])
        .exclude(source=OFF_TOPIC)  # this seeder's own posts come later; keep reruns identical
    )
    for index, reply in enumerate(replies.select_related("topic").order_by("pk")):
        for offset in range(1 + index % 3):
            voter = members[VOTERS[(index + offset) % len(VOTERS)]]
            if permissions.allowed(permissions.check_vote, voter, reply):
                reactions.post_toggle_vote(user=voter, post=reply, set_to=True)
                votes += 1
    for index, topic in enumerate(topics):
        for offset in range(index % 4):
            user = members[VOTERS[(index * 2 + offset) % len(VOTERS)]]
            if permissions.allowed(permissions.check_metoo, user, topic):
                reactions.topic_toggle_metoo(user=user, topic=topic, set_to=True)

    open_topics = [t for t in topics if not t.is_locked and not t.duplicate_of_id and not t.is_hidden]
    if len(open_topics) < 3:
        log("  too few open demo topics for the moderation demo")
        return

    # A spammer's posts: one at two open flags (waiting in the queue), one hidden by a
    # moderator, one hidden automatically at the threshold; then the spammer is banned.
    spammer = _spammer(log)
    if spammer.is_banned:
        spam = list(Post.objects.filter(author=spammer).order_by("pk"))
    else:
        spam = [_post_reply(spammer, open_topics[i], SPAM_POSTS[i]) for i in range(3)]
    if len(spam) == 3:
        _flag(members["customer"], spam[0], "spam")
        _flag(members["priya"], spam[0], "other", "Advertising links, not an answer.")
        moderation.post_hide(user=members["moderator"], post=spam[1], reason="Advertising")
        for name in ("jonas", "mei", "omar"):
            _flag(members[name], spam[2], "spam")
    if not spammer.is_banned:
        moderation.user_ban(user=members["moderator"], target=spammer, reason="Posting advertising links")
        log(f"  banned {spammer.username}")

    # An off-topic reply from a regular member with one open flag.
    off_topic = _post_reply(members["omar"], open_topics[0], OFF_TOPIC)
    _flag(members["mei"], off_topic, "off_topic")

    queue = Post.objects.filter(flag_count__gt=0).count()
    log(f"  reactions: {votes} votes ensured; moderation queue: {queue} posts with open flags")
