"""The periodic jobs: declared once, each run recorded, failures retried and shown to staff."""

import dataclasses
import datetime

from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.utils import timezone

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from ops.jobs import JOBS, get_job
from ops.models import JobRun
from ops.scheduler import build_scheduler, run_job

REQUIRED = {
    "send_digests",
    "send_accept_reminders",
    "flush_view_counts",
    "refresh_popularity",
    "publish_scheduled",
    "prune_db_task_results",
    "prune_search_log",
    "retry_webhooks",
}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def failing(**overrides):
    """A job whose command refuses its arguments (CommandError), as a broken job would."""
    return dataclasses.replace(get_job("prune_search_log"), args=("--days", "0"), **overrides)


def test_every_periodic_command_is_declared_once_with_a_valid_schedule():
    commands = get_commands()
    assert {job.command for job in JOBS} >= REQUIRED
    assert len({job.name for job in JOBS}) == len(JOBS)
    for job in JOBS:
        assert job.command in commands, job.command
        CronTrigger.from_crontab(job.schedule)  # raises on a malformed schedule


def test_unknown_job_name_is_refused():
    with pytest.raises(KeyError, match="no_such_job"):
        get_job("no_such_job")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "job", [job for job in JOBS if job.name != "prune_task_results"], ids=lambda job: job.name
)
def test_each_declared_job_runs_and_is_recorded(job):
    run = run_job(job)
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert run.finished_at >= run.started_at and run.error == ""
    assert JobRun.objects.get(pk=run.pk).job == job.name


@pytest.mark.django_db
def test_task_results_are_pruned_when_tasks_are_queued_in_the_database(settings):
    settings.TASKS = DATABASE_TASKS
    job = get_job("prune_task_results")
    assert job.is_enabled()
    assert run_job(job).status == JobRun.Status.SUCCEEDED


def test_task_results_job_is_off_when_tasks_run_in_process():
    assert not get_job("prune_task_results").is_enabled()
    scheduler = build_scheduler(scheduler_class=BackgroundScheduler)
    assert scheduler.get_job("prune_task_results") is None
    assert scheduler.get_job("send_digests") is not None


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_retried():
    retries = []
    run = run_job(failing(), retry=lambda job, attempt: retries.append((job.name, attempt)))
    assert run.status == JobRun.Status.FAILED
    assert "CommandError" in run.error and "--days must be at least 1" in run.error_summary
    assert retries == [("prune_search_log", 2)]


@pytest.mark.django_db
def test_the_last_attempt_is_not_retried():
    retries = []
    run = run_job(failing(max_attempts=3), attempt=3, retry=lambda job, attempt: retries.append(attempt))
    assert run.status == JobRun.Status.FAILED and run.attempt == 3
    assert retries == []


@pytest.mark.django_db
def test_the_scheduler_holds_every_enabled_job_and_schedules_a_retry_after_a_failure(settings):
    settings.TASKS = DATABASE_TASKS
    scheduler = build_scheduler(scheduler_class=BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        assert {job.id for job in scheduler.get_jobs()} == {job.name for job in JOBS if job.is_enabled()}
        retry = scheduler.get_job("prune_search_log").kwargs["retry"]
        before = timezone.now()
        run_job(failing(retry_delay_seconds=120), retry=retry)
        scheduled = scheduler.get_job("prune_search_log:retry")
        assert scheduled.kwargs["attempt"] == 2
        assert scheduled.next_run_time >= before + datetime.timedelta(seconds=119)
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.django_db
def test_run_scheduler_run_now_records_a_run(capsys):
    call_command("run_scheduler", "--run-now", "flush_view_counts")
    assert "flush_view_counts succeeded" in capsys.readouterr().out
    assert JobRun.objects.get().status == JobRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_run_scheduler_run_now_fails_loudly_for_unknown_jobs():
    with pytest.raises(CommandError, match="No periodic job named 'nope'"):
        call_command("run_scheduler", "--run-now", "nope")
    assert not JobRun.objects.exists()


def test_run_scheduler_lists_the_jobs_with_their_next_runs(capsys):
    call_command("run_scheduler", "--list")
    out = capsys.readouterr().out
    for job in JOBS:
        assert job.name in out
    assert "off here" in out and "next " in out


@pytest.mark.django_db
def test_prune_job_runs_keeps_recent_runs(settings):
    settings.JOB_RUN_RETENTION_DAYS = 30
    old = JobRun.objects.create(job="x", status=JobRun.Status.SUCCEEDED)
    JobRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - datetime.timedelta(days=31))
    recent = JobRun.objects.create(job="x", status=JobRun.Status.SUCCEEDED)
    call_command("prune_job_runs")
    assert list(JobRun.objects.values_list("pk", flat=True)) == [recent.pk]


# --- staff see the failures ------------------------------------------------------------------


@pytest.fixture
def runs(db):
    failed = run_job(failing())
    succeeded = run_job(get_job("flush_view_counts"))
    return failed, succeeded


def test_staff_see_failed_runs_in_the_report(client, staff, runs):
    client.force_login(staff)
    response = client.get("/admin/scheduled-jobs/?status=failed")
    html = response.content.decode()
    assert response.status_code == 200
    table = html[html.index('<table class="listing') :]
    assert "prune_search_log" in table and "--days must be at least 1" in table
    assert "flush_view_counts" not in table


def test_staff_dashboard_shows_recent_failures(client, staff, runs):
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert "Scheduled jobs that failed in the last day" in html and "prune_search_log" in html


def test_dashboard_shows_no_panel_when_nothing_failed(client, staff, db):
    run_job(get_job("flush_view_counts"))
    client.force_login(staff)
    assert "Scheduled jobs that failed" not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("who", ["moderator", "editor"])
def test_others_cannot_see_the_report(client, request, runs, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/admin/scheduled-jobs/")
    assert response.status_code in (302, 403)
    assert "prune_search_log" not in response.content.decode()
    assert "Scheduled jobs that failed" not in client.get("/admin/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, runs):
    response = client.get("/admin/scheduled-jobs/")
    assert response.status_code == 302 and "login" in response["Location"]
