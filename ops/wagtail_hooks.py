"""The admin's "Scheduled jobs" report (Reports menu) and a dashboard panel of recent failures."""

import datetime

from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from ops import admin_views
from ops.models import JobRun


@hooks.register("register_admin_urls")
def register_ops_admin_urls():
    view = admin_views.JobRunReportView
    urls = [
        path("", view.as_view(), name="job_runs"),
        path("results/", view.as_view(results_only=True), name="job_runs_results"),
    ]
    return [path("scheduled-jobs/", include((urls, "ops_admin"), namespace="ops_admin"))]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_see_job_runs(request.user)


@hooks.register("register_reports_menu_item")
def register_job_runs_menu_item():
    return StaffMenuItem(
        "Scheduled jobs",
        reverse("ops_admin:job_runs"),
        name="scheduled-jobs",
        icon_name="history",
        order=1000,
    )


class FailedJobsPanel(Component):
    """Failed runs of the last day on the staff's dashboard; nothing when all went well."""

    name = "failed_jobs"
    order = 50

    def __init__(self, runs):
        self.runs = runs

    def render_html(self, parent_context=None):
        rows = format_html_join(
            "",
            "<li><strong>{}</strong> (attempt {}) at {}: {}</li>",
            (
                (
                    run.job,
                    run.attempt,
                    timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M"),
                    run.error_summary,
                )
                for run in self.runs
            ),
        )
        return format_html(
            '<section class="panel w-panel"><h2>Scheduled jobs that failed in the last day</h2><ul>{}</ul>'
            '<p><a href="{}?status=failed">All failed runs</a></p></section>',
            rows,
            reverse("ops_admin:job_runs"),
        )


@hooks.register("construct_homepage_panels")
def add_failed_jobs_panel(request, panels):
    if not admin_views.can_see_job_runs(request.user):
        return
    since = timezone.now() - datetime.timedelta(days=1)
    runs = list(
        JobRun.objects.filter(status=JobRun.Status.FAILED, started_at__gte=since).defer("output")[:10]
    )
    if runs:
        panels.append(FailedJobsPanel(runs))
