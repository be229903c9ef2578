"""The "Scheduled jobs" report in the Wagtail admin: every run of the periodic jobs, failures
first to the eye (filter by status or job). For Staff only; others get a 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views.reports import ReportView

import django_filters

from core.spreadsheets import FormulaSafeExportMixin
from forum import permissions
from ops.jobs import JOBS
from ops.models import JobRun


def can_see_job_runs(user) -> bool:
    """Staff (and superusers) look after the site's periodic work."""
    return permissions.is_staff(user)


class JobRunFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=JobRun.Status.choices)
    job = django_filters.ChoiceFilter(choices=[(job.name, job.name) for job in JOBS])

    class Meta:
        model = JobRun
        fields = ["status", "job"]


class JobRunReportView(FormulaSafeExportMixin, ReportView):
    page_title = "Scheduled jobs"
    header_icon = "history"
    index_url_name = "ops_admin:job_runs"
    index_results_url_name = "ops_admin:job_runs_results"
    filterset_class = JobRunFilterSet
    list_export = ["job", "attempt", "status", "started_at", "finished_at", "error_summary"]

    def dispatch(self, request, *args, **kwargs):
        if not can_see_job_runs(request.user):
            raise PermissionDenied("Only staff can see the scheduled jobs.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def columns(self):
        return [
            Column("job", label="Job"),
            Column("attempt", label="Attempt"),
            StatusTagColumn(
                "status",
                label="Status",
                accessor="get_status_display",
                primary=lambda run: run.status != JobRun.Status.FAILED,
            ),
            DateColumn("started_at", label="Started"),
            DateColumn("finished_at", label="Finished"),
            Column("error_summary", label="Error"),
        ]

    def get_queryset(self):
        return JobRun.objects.defer("output").order_by("-started_at", "-id")
