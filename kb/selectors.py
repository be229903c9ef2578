"""Reads for the FAQ. Public lists only ever contain live, public pages; topic lists skip
hidden topics."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber, Substr
from django.http import HttpRequest
from django.utils import timezone

from forum.models import Topic, TopicEvent
from kb.models import FaqArticlePage, FaqIndexPage, FaqSectionPage, HelpfulVote, popularity_ordering

HOME_POPULAR_ARTICLES = 6


def faq_index() -> FaqIndexPage | None:
    return FaqIndexPage.objects.order_by("path").first()


def public_articles() -> QuerySet[FaqArticlePage]:
    return FaqArticlePage.objects.live().public()


def popular_articles(*, limit: int = HOME_POPULAR_ARTICLES) -> list[FaqArticlePage]:
    """The most viewed live articles (then the most found helpful)."""
    return list(public_articles().order_by("-view_count", "-helpful_yes_count", "path")[:limit])


def section_articles(section: FaqSectionPage) -> QuerySet[FaqArticlePage]:
    """A section's live articles: the editor's pinned order first, then by popularity."""
    return public_articles().child_of(section).order_by(*popularity_ordering())


def top_articles(sections: list[FaqSectionPage], per_section: int) -> dict[int, list[FaqArticlePage]]:
    """The first ``per_section`` live articles of each section (``section_articles`` order),
    for all sections in one query: a row number per section, over the articles' parent path."""
    if not sections or per_section <= 0:
        return {}
    depth = sections[0].depth
    parent_length = depth * FaqArticlePage.steplen
    paths = {section.path: section.pk for section in sections if section.depth == depth}
    rows = (
        public_articles()
        .filter(depth=depth + 1)
        .annotate(parent_path=Substr("path", 1, parent_length))
        .filter(parent_path__in=list(paths))
        .annotate(
            section_rank=Window(RowNumber(), partition_by=[F("parent_path")], order_by=popularity_ordering())
        )
        .filter(section_rank__lte=per_section)
        .order_by("parent_path", "section_rank")
    )
    found: dict[int, list[FaqArticlePage]] = {pk: [] for pk in paths.values()}
    for article in rows:
        found[paths[article.parent_path]].append(article)
    return found


def article_counts(sections: list[FaqSectionPage]) -> dict[int, int]:
    """Live articles per section, in one query."""
    counts: dict[int, int] = {}
    if not sections:
        return counts
    paths = {section.path: section.pk for section in sections}
    step = FaqArticlePage.steplen
    for path in public_articles().filter(depth=sections[0].depth + 1).values_list("path", flat=True):
        section_pk = paths.get(path[:-step])
        if section_pk is not None:
            counts[section_pk] = counts.get(section_pk, 0) + 1
    return counts


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


def visitor_vote(*, request: HttpRequest, article: FaqArticlePage) -> HelpfulVote | None:
    """The visitor's own helpful vote on ``article`` (never creates a session)."""
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    votes = HelpfulVote.objects.filter(article_id=article.pk)
    if user is not None:
        return votes.filter(user=user).first()
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key:
        return None
    return votes.filter(user__isnull=True, session_key=session_key).first()
