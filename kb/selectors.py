"""Reads for the FAQ. Public lists only ever contain live, public pages; topic lists skip
hidden topics."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone

from forum.models import Topic, TopicEvent
from kb.models import FaqArticlePage, FaqIndexPage, popular_articles


def faq_index() -> FaqIndexPage | None:
    return FaqIndexPage.objects.order_by("path").first()


def home_sections(user) -> dict:
    """The home page's FAQ part: ``popular_articles`` (each has ``url``, ``title``, ``summary``)."""
    return {"popular_articles": popular_articles()}


def promotion_candidates() -> QuerySet[Topic]:
    """Visible topics with an official or accepted answer that are not in the FAQ yet, most
    popular first (nominated topics first among equals). A duplicate is never a candidate:
    its original is the one to promote."""
    return (
        Topic.objects.visible()
        .filter(faq_page__isnull=True, duplicate_of__isnull=True)
        .exclude(status=Topic.Status.DUPLICATE)
        .filter(Q(official_answer__isnull=False) | Q(accepted_answer__isnull=False))
        .select_related("category")
        .order_by("-popularity", "-nominated_for_faq", "-id")
    )


def articles_due_for_review(*, today=None) -> QuerySet[FaqArticlePage]:
    """Live articles whose review date has passed, or whose source topic got a new official
    answer after the article was last published. Annotated with ``review_overdue`` and
    ``new_official_answer`` (booleans) for the report."""
    today = today or timezone.localdate()
    newer_official_event = TopicEvent.objects.filter(
        topic_id=OuterRef("source_topic_id"),
        kind=TopicEvent.Kind.OFFICIAL,
        created_at__gt=OuterRef("last_published_at"),
    )
    different_answer = Q(source_topic__official_answer__isnull=False) & (
        Q(source_answer__isnull=True) | ~Q(source_topic__official_answer=F("source_answer"))
    )
    newer = Q(newer_event=True) | Q(source_topic__official_answer__created_at__gt=F("last_published_at"))
    return (
        FaqArticlePage.objects.live()
        .annotate(newer_event=Exists(newer_official_event))
        .annotate(
            review_overdue=ExpressionWrapper(Q(review_by__lt=today), output_field=BooleanField()),
            new_official_answer=ExpressionWrapper(different_answer & newer, output_field=BooleanField()),
        )
        .filter(Q(review_overdue=True) | Q(new_official_answer=True))
        .select_related("source_topic")
        .order_by("review_by", "last_published_at", "pk")
    )
