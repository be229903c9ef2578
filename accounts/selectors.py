"""Reads for public profiles. Only public content counts: hidden posts and hidden topics are
never counted nor listed, whoever is looking."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from forum.models import Post, Topic


@dataclass(frozen=True)
class ProfileStats:
    questions: int
    replies: int
    accepted: int
    official: int


def profile_stats(user) -> ProfileStats:
    """Counts of ``user``'s public questions, replies, and replies that are accepted or
    official answers, in two queries."""
    topic_counts = Topic.objects.visible().filter(author=user).aggregate(questions=Count("pk"))
    post_counts = (
        Post.objects.visible(with_topic=True)
        .filter(author=user)
        .exclude(topic__first_post=F("pk"))
        .aggregate(
            replies=Count("pk"),
            accepted=Count("pk", filter=Q(topic__accepted_answer=F("pk"))),
            official=Count("pk", filter=Q(topic__official_answer=F("pk"))),
        )
    )
    return ProfileStats(
        questions=topic_counts["questions"],
        replies=post_counts["replies"],
        accepted=post_counts["accepted"],
        official=post_counts["official"],
    )


def public_posts(user) -> QuerySet[Post]:
    """``user``'s visible posts (questions and replies) in visible topics, newest first."""
    return (
        Post.objects.visible(with_topic=True)
        .filter(author=user)
        .select_related("topic", "topic__category")
        .order_by("-created_at", "-id")
    )
