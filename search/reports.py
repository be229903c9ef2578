"""Wagtail admin reports over the search log, for Editors and Staff.

"Content gaps" lists the most frequent searches made on the search page that found nothing
(what the FAQ should answer next). The ask form's similar-question lookups are left out: they
are made while people type, so they are mostly unfinished words ("can i downloa"), and an
asker who finds nothing goes on to ask, which is no gap. "Top searches" lists the most frequent
searches overall, from the search page and the ask form together, or either one alone. Both
cover the last 30 days by default (7, 30 or 90 on request).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min
from django.utils import timezone

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView

import django_filters

from accounts import permissions as account_permissions
from core.spreadsheets import FormulaSafeExportMixin
from search.models import SearchLogEntry

PERIODS = (("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"))
DEFAULT_PERIOD_DAYS = 30


def can_view_search_reports(user) -> bool:
    """Editors and Staff (and superusers) see the search reports; nobody else."""
    return account_permissions.can_view_staff_reports(user)


class SearchLogFilterSet(WagtailFilterSet):
    period = django_filters.ChoiceFilter(
        label="Period", choices=PERIODS, method="filter_period", empty_label="Last 30 days"
    )
    source = django_filters.ChoiceFilter(
        label="Where", choices=SearchLogEntry.Source.choices, empty_label="All searches"
    )

    class Meta:
        model = SearchLogEntry
        fields = ["period", "source"]

    def filter_period(self, queryset, name, value):
        return queryset  # applied in the view, which also applies the default


class ContentGapsFilterSet(WagtailFilterSet):
    period = SearchLogFilterSet.base_filters["period"]

    class Meta:
        model = SearchLogEntry
        fields = ["period"]

    def filter_period(self, queryset, name, value):
        return queryset  # applied in the view, which also applies the default


class BaseSearchLogReport(FormulaSafeExportMixin, ReportView):
    header_icon = "search"
    filterset_class = SearchLogFilterSet
    paginate_by = 50
    zero_results_only = False
    list_export = ["query", "searches", "last_searched"]
    export_headings = {"query": "Query", "searches": "Searches", "last_searched": "Last searched"}
    columns = [
        Column("query", label="Query"),
        Column("searches", label="Searches"),
        DateColumn("last_searched", label="Last searched"),
    ]

    def dispatch(self, request, *args, **kwargs):
        if not can_view_search_reports(request.user):
            raise PermissionDenied("Only editors and staff see the search reports.")
        return super().dispatch(request, *args, **kwargs)

    def period_days(self) -> int:
        value = self.request.GET.get("period", "")
        return int(value) if value in dict(PERIODS) else DEFAULT_PERIOD_DAYS

    def get_queryset(self):
        since = timezone.now() - timedelta(days=self.period_days())
        queryset = SearchLogEntry.objects.filter(created_at__gte=since)
        if self.zero_results_only:
            queryset = queryset.filter(result_count=0, source=SearchLogEntry.Source.PAGE)
        return queryset

    def get_filtered_queryset(self):
        return (
            self.filter_queryset(self.get_queryset())
            .values("query")
            .annotate(
                searches=Count("id"), last_searched=Max("created_at"), fewest_results=Min("result_count")
            )
            .order_by("-searches", "query")
        )


class ContentGapsReport(BaseSearchLogReport):
    page_title = "Search content gaps"
    index_url_name = "search_reports:content_gaps"
    index_results_url_name = "search_reports:content_gaps_results"
    zero_results_only = True
    filterset_class = ContentGapsFilterSet
    no_results_message = "No search came back empty in this period."


class TopSearchesReport(BaseSearchLogReport):
    page_title = "Top searches"
    index_url_name = "search_reports:top_searches"
    index_results_url_name = "search_reports:top_searches_results"
    no_results_message = "Nobody searched in this period."
    list_export = ["query", "searches", "fewest_results", "last_searched"]
    export_headings = {**BaseSearchLogReport.export_headings, "fewest_results": "Fewest results"}
    columns = [
        Column("query", label="Query"),
        Column("searches", label="Searches"),
        Column("fewest_results", label="Fewest results"),
        DateColumn("last_searched", label="Last searched"),
    ]
