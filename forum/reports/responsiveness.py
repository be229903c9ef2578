"""How fast staff respond: the queue of topics waiting for staff, and per-category response
times (median and 90th percentile) over a window of days.

The figures:

* **time to first staff reply**: ``Topic.first_staff_reply_at - Topic.created_at``;
* **time to answer**: ``Topic.answered_at - Topic.created_at`` (the first official or
  accepted answer);
* **counts**: topics created in the window that are open (open or in progress), answered,
  solved, and still waiting for a staff reply.

Only topics created in the window and not hidden count. Percentiles follow PostgreSQL's
``percentile_cont`` (linear interpolation between the two nearest ranks). They are computed by
the database with window functions (``ROW_NUMBER`` and ``COUNT`` per category), which
PostgreSQL and SQLite both have: the query returns only the (at most two) rows around each
percentile's rank in each category, never the whole timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from forum.models import Category, Topic

WINDOWS = (7, 30)
PERCENTILES = (50, 90)
CLOSED_STATUSES = (Topic.Status.SOLVED, Topic.Status.CLOSED, Topic.Status.DUPLICATE, Topic.Status.NOT_PLANNED)
ALL = "all"


class SecondsBetween(Func):
    """``end - start`` in seconds, computed natively by the database (Django's own datetime
    subtraction on SQLite calls a Python function per row, far slower on a big window)."""

    arity = 2
    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


@dataclass
class Timing:
    """Percentiles of one duration over a set of topics (``None`` when no topic has one)."""

    count: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None


@dataclass
class CategoryFigures:
    category_id: int | str
    name: str
    topics: int = 0
    open: int = 0
    answered: int = 0
    solved: int = 0
    waiting: int = 0
    first_reply: Timing = field(default_factory=Timing)
    answer: Timing = field(default_factory=Timing)


def staff_queue() -> QuerySet[Topic]:
    """Visible topics no staff member has replied to yet, still needing one, oldest first."""
    return (
        Topic.objects.visible()
        .filter(has_staff_reply=False)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("category", "author")
        .order_by("created_at", "pk")
    )


def topics_in_window(*, days: int, now: datetime | None = None) -> QuerySet[Topic]:
    now = now or timezone.now()
    return Topic.objects.visible().filter(created_at__gte=now - timedelta(days=days), created_at__lte=now)


def percentiles(
    topics: QuerySet[Topic], *, start: str, end: str, by_category: bool = True
) -> dict[int | str, Timing]:
    """The median and 90th percentile of ``end - start`` over ``topics`` (those with ``end``
    set), per category (or for all of them, under the key ``"all"``)."""
    duration = SecondsBetween(F(end), F(start))
    partition = [F("category_id")] if by_category else None
    ranked = (
        topics.filter(**{f"{end}__isnull": False})
        .order_by()
        .annotate(
            duration=duration,
            rank=Window(RowNumber(), partition_by=partition, order_by=[duration.asc(), F("pk").asc()]),
            total=Window(Count("pk"), partition_by=partition),
        )
    )
    # Zero-based position of each percentile: floor(p * (n - 1)), in integer arithmetic.
    picks = Q()
    for p in PERCENTILES:
        low = ExpressionWrapper((F("total") - 1) * p / 100, output_field=IntegerField())
        ranked = ranked.annotate(**{f"low{p}": low})
        picks |= Q(rank=F(f"low{p}") + 1) | Q(rank=F(f"low{p}") + 2)
    rows = ranked.filter(picks).values("category_id", "rank", "total", "duration")

    by_group: dict[int | str, dict[int, float]] = {}
    totals: dict[int | str, int] = {}
    for row in rows:
        key = row["category_id"] if by_category else ALL
        by_group.setdefault(key, {})[row["rank"] - 1] = row["duration"]
        totals[key] = row["total"]
    result: dict[int | str, Timing] = {}
    for key, values in by_group.items():
        n = totals[key]
        timing = Timing(count=n)
        timing.median = _interpolate(values, n, 50)
        timing.p90 = _interpolate(values, n, 90)
        result[key] = timing
    return result


def _interpolate(values: dict[int, float], n: int, p: int) -> timedelta | None:
    position = (n - 1) * p / 100
    low = (n - 1) * p // 100
    if low not in values:
        return None
    seconds = values[low]
    if low + 1 < n and low + 1 in values:
        seconds += (values[low + 1] - values[low]) * (position - low)
    return timedelta(milliseconds=round(seconds * 1000))


def status_counts(topics: QuerySet[Topic], *, by_category: bool = True) -> dict[int | str, dict[str, int]]:
    """Topics, open, answered, solved and waiting-for-staff counts in one grouped query."""
    aggregates = {
        "topics": Count("pk"),
        "open": Count("pk", filter=Q(status__in=[Topic.Status.OPEN, Topic.Status.IN_PROGRESS])),
        "answered": Count("pk", filter=Q(status=Topic.Status.ANSWERED)),
        "solved": Count("pk", filter=Q(status=Topic.Status.SOLVED)),
        "waiting": Count("pk", filter=Q(has_staff_reply=False) & ~Q(status__in=CLOSED_STATUSES)),
    }
    if not by_category:
        return {ALL: topics.aggregate(**aggregates)}
    rows = topics.order_by().values("category_id").annotate(**aggregates)
    return {row.pop("category_id"): row for row in rows}


def responsiveness(*, days: int, now: datetime | None = None) -> list[CategoryFigures]:
    """Per-category figures for topics created in the last ``days`` days, then a total row
    (``category_id == "all"``). Categories with no topics in the window are left out."""
    topics = topics_in_window(days=days, now=now)
    names = dict(Category.objects.values_list("pk", "name"))
    counts = status_counts(topics)
    first = percentiles(topics, start="created_at", end="first_staff_reply_at")
    answer = percentiles(topics, start="created_at", end="answered_at")
    rows = []
    for category_id, figures in sorted(counts.items(), key=lambda item: names.get(item[0], "")):
        rows.append(
            CategoryFigures(
                category_id=category_id,
                name=names.get(category_id, "?"),
                **figures,
                first_reply=first.get(category_id, Timing()),
                answer=answer.get(category_id, Timing()),
            )
        )
    total_counts = status_counts(topics, by_category=False)[ALL]
    rows.append(
        CategoryFigures(
            category_id=ALL,
            name="All categories",
            **total_counts,
            first_reply=percentiles(
                topics, start="created_at", end="first_staff_reply_at", by_category=False
            ).get(ALL, Timing()),
            answer=percentiles(topics, start="created_at", end="answered_at", by_category=False).get(
                ALL, Timing()
            ),
        )
    )
    return rows


def format_duration(value: timedelta | None) -> str:
    """``3d 4h``, ``5h 12m``, ``2h``, ``14m``, or an em dash when there is nothing to show."""
    if value is None:
        return "\u2014"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


__all__ = [
    "WINDOWS",
    "CategoryFigures",
    "Timing",
    "format_duration",
    "percentiles",
    "responsiveness",
    "staff_queue",
    "status_counts",
]
