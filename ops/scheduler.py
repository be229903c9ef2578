"""Runs the periodic jobs of ops/jobs.py on APScheduler, in one process
(``manage.py run_scheduler``). Every run is recorded as a ``JobRun``; a failed run is retried
after ``retry_delay_seconds`` until ``max_attempts`` runs have failed, and the failures show in
the admin's "Scheduled jobs" report."""

from __future__ import annotations

import datetime
import io
import logging
import traceback
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from ops.jobs import JOBS, Job
from ops.models import JobRun

logger = logging.getLogger(__name__)

KEEP_CHARS = 20_000  # of output and traceback per run

Retry = Callable[[Job, int], None]


def run_job(job: Job, *, attempt: int = 1, retry: Retry | None = None) -> JobRun:
    """Run ``job`` once and record it. On failure, ``retry(job, next_attempt)`` is called
    while attempts remain; the exception is logged, never raised (the scheduler carries on)."""
    _close_stale_connections()
    run = JobRun.objects.create(job=job.name, attempt=attempt, status=JobRun.Status.RUNNING)
    output = io.StringIO()
    logger.info("job %s: attempt %d started", job.name, attempt)
    try:
        call_command(job.command, *job.args, stdout=output, stderr=output)
    except Exception:
        run.status = JobRun.Status.FAILED
        run.error = traceback.format_exc()[-KEEP_CHARS:]
        last = attempt >= job.max_attempts
        logger.exception(
            "job %s: attempt %d of %d failed%s",
            job.name,
            attempt,
            job.max_attempts,
            "" if last or retry is None else f"; retrying in {job.retry_delay_seconds} s",
        )
        if not last and retry is not None:
            retry(job, attempt + 1)
    else:
        run.status = JobRun.Status.SUCCEEDED
        logger.info("job %s: attempt %d succeeded", job.name, attempt)
    finally:
        run.finished_at = timezone.now()
        run.output = output.getvalue()[-KEEP_CHARS:]
        run.save(update_fields=["status", "error", "finished_at", "output"])
        _close_stale_connections()
    return run


def _close_stale_connections() -> None:
    """Drop connections that timed out or broke while the scheduler slept; never inside a
    transaction (a caller's, or a test's), where Django would close the live connection."""
    if not connection.in_atomic_block:
        close_old_connections()


def build_scheduler(jobs: Iterable[Job] = JOBS, scheduler_class=None):
    """An APScheduler scheduler with every job on its crontab schedule: one run of a job at a
    time, missed runs coalesced into one, late runs within five minutes still made."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=settings.TIME_ZONE,
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )

    def retry(job: Job, attempt: int) -> None:
        scheduler.add_job(
            run_job,
            trigger="date",
            run_date=timezone.now() + datetime.timedelta(seconds=job.retry_delay_seconds),
            args=[job],
            kwargs={"attempt": attempt, "retry": retry},
            id=f"{job.name}:retry",
            name=f"{job.name} (attempt {attempt})",
            replace_existing=True,
        )

    for job in jobs:
        if not job.is_enabled():
            logger.info("job %s: not scheduled with these settings", job.name)
            continue
        scheduler.add_job(
            run_job,
            trigger=CronTrigger.from_crontab(job.schedule, timezone=settings.TIME_ZONE),
            args=[job],
            kwargs={"retry": retry},
            id=job.name,
            name=job.description or job.name,
        )
    return scheduler
