"""Reads for the mentions queue, its detail page, the product-page list and the report."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mentions.models import Mention, Source

OPEN = (Mention.Status.NEW, Mention.Status.NEEDS_REPLY)


def overdue_hours() -> int:
    return int(getattr(settings, "MENTIONS_REPLY_OVERDUE_HOURS", 4))


@dataclass(frozen=True)
class QueueFilters:
    source: int | None = None
    kind: str = ""
    sentiment: str = ""
    category: int | None = None
    status: str = "open"  # "open" (new or needs reply), "all", or one status
    assigned: str = ""  # "", "me", "nobody"

    @classmethod
    def from_query(cls, query) -> QueueFilters:
        def number(name):
            value = (query.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 12 else None

        def choice(name, allowed, default=""):
            value = (query.get(name) or "").strip()
            return value if value in allowed else default

        return cls(
            source=number("source"),
            kind=choice("kind", Mention.Kind.values),
            sentiment=choice("sentiment", Mention.Sentiment.values),
            category=number("category"),
            status=choice("status", ["open", "all", *Mention.Status.values], "open"),
            assigned=choice("assigned", ["me", "nobody"]),
        )


def queue(filters: QueueFilters, *, viewer) -> QuerySet[Mention]:
    """Mentions for the triage queue, newest first; reposts are folded into their original."""
    qs = Mention.objects.filter(duplicate_of__isnull=True).select_related(
        "source", "category", "assigned_to", "topic"
    )
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN)
    elif filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source_id=filters.source)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.assigned == "me":
        qs = qs.filter(assigned_to=viewer)
    elif filters.assigned == "nobody":
        qs = qs.filter(assigned_to__isnull=True)
    return qs.order_by("-created_at", "-id")


def needs_attention(mention: Mention, *, now=None) -> str:
    """Why a mention is highlighted: "negative", "overdue" (a question or problem with no reply
    after the set hours), or "" when it is not."""
    if mention.status not in OPEN:
        return ""
    now = now or timezone.now()
    if mention.kind in (
        Mention.Kind.QUESTION,
        Mention.Kind.PROBLEM,
    ) and mention.created_at <= now - timedelta(hours=overdue_hours()):
        return "overdue"
    if mention.sentiment == Mention.Sentiment.NEGATIVE:
        return "negative"
    return ""


def open_count() -> int:
    return Mention.objects.filter(duplicate_of__isnull=True, status__in=OPEN).count()


def status_counts() -> dict[str, int]:
    rows = (
        Mention.objects.filter(duplicate_of__isnull=True).values("status").annotate(n=Count("id")).order_by()
    )
    counts = dict.fromkeys(Mention.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def failing_sources() -> QuerySet[Source]:
    return Source.objects.filter(is_active=True, error_count__gt=0).order_by("-error_count")


def similar_for(mention: Mention, limit: int = 5):
    """Community topics and FAQ articles most like the mention (the similar-questions path),
    so staff can answer with a link."""
    from search.selectors import similar_hits

    query = mention.title or " ".join(mention.text.split()[:30])
    try:
        return similar_hits(query[:200], limit=limit)
    except Exception:  # the index may be rebuilding; the page still works without suggestions
        return []


def for_product_pages(*, category_slug: str = "", limit: int = 10) -> QuerySet[Mention]:
    """Mentions staff approved for product pages, newest first."""
    qs = Mention.objects.filter(show_on_product_pages=True, duplicate_of__isnull=True).select_related(
        "source"
    )
    if category_slug:
        qs = qs.filter(Q(category__slug=category_slug) | Q(source__category__slug=category_slug))
    return qs.order_by("-published_at", "-created_at")[:limit]


@dataclass(frozen=True)
class ResponseTimes:
    days: int
    mentions: int
    responded: int
    median_hours: float | None
    p90_hours: float | None


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def response_times(days: int = 30) -> ResponseTimes:
    """Time from a mention coming in to staff's first response (a reply or bringing it home)."""
    since = timezone.now() - timedelta(days=days)
    rows = list(
        Mention.objects.filter(duplicate_of__isnull=True, created_at__gte=since)
        .exclude(status=Mention.Status.DISMISSED)
        .values_list("created_at", "first_response_at")
    )
    waits = [(done - came).total_seconds() / 3600 for came, done in rows if done]
    return ResponseTimes(
        days=days,
        mentions=len(rows),
        responded=len(waits),
        median_hours=round(statistics.median(waits), 1) if waits else None,
        p90_hours=round(_percentile(waits, 90), 1) if waits else None,
    )
