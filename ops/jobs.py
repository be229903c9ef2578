"""The periodic jobs, declared once. ``manage.py run_scheduler`` runs them (ops/scheduler.py);
``manage.py run_scheduler --list`` prints this table with each job's next run.

Schedules are crontab expressions in ``TIME_ZONE``. Each job is a management command, so an
operator can run any of them by hand with the same name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable


def database_task_queue() -> bool:
    """Tasks are queued in the database (TASKS_BACKEND=database), so there are results to prune."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def imap_polling_configured() -> bool:
    """An inbound mailbox is configured (INBOUND_IMAP_HOST), so there is mail to poll."""
    from django.conf import settings

    return bool(settings.INBOUND_IMAP_HOST)


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    schedule: str  # crontab: minute hour day-of-month month day-of-week
    command: str
    args: tuple[str, ...] = ()
    description: str = ""
    max_attempts: int = 3  # a failed run is retried this many times in all
    retry_delay_seconds: int = 120
    enabled: Callable[[], bool] | None = None  # None: always; else the scheduler asks at start

    def is_enabled(self) -> bool:
        return self.enabled is None or self.enabled()


JOBS: tuple[Job, ...] = (
    Job(
        "flush_view_counts",
        "*/5 * * * *",
        "flush_view_counts",
        description="Write the topic and FAQ article views buffered in the cache to the database.",
    ),
    Job(
        "publish_scheduled",
        "*/5 * * * *",
        "publish_scheduled",
        description="Wagtail: publish pages whose go-live time has come, unpublish expired ones.",
    ),
    Job(
        "refresh_popularity",
        "17 * * * *",
        "refresh_popularity",
        description="Recompute every topic's popularity score.",
    ),
    Job(
        "send_digests",
        "0 7 * * *",
        "send_digests",
        description="Mail each member one digest of their waiting notifications; resend failed mail.",
    ),
    Job(
        "send_accept_reminders",
        "0 9 * * *",
        "send_accept_reminders",
        description="Remind askers to accept an answer (ACCEPT_REMINDER_DAYS after the last reply).",
    ),
    Job(
        "prune_task_results",
        "30 3 * * *",
        "prune_db_task_results",
        args=("--min-age-days", "14", "--queue-name", "*"),
        description="Delete finished background-task results older than 14 days.",
        enabled=database_task_queue,
    ),
    Job(
        "prune_search_log",
        "45 3 * * *",
        "prune_search_log",
        description="Delete search log entries older than SEARCH_LOG_RETENTION_DAYS.",
    ),
    Job(
        "poll_mentions",
        "*/5 * * * *",
        "poll_mentions",
        description="Poll the mention sources that are due (each keeps its own interval and back-off).",
        max_attempts=1,  # a failing source backs off by itself; the next run comes in five minutes
    ),
    Job(
        "retry_webhooks",
        "* * * * *",
        "retry_webhooks",
        description="Send the webhook deliveries that are due (retries with back-off, queued messages).",
        max_attempts=1,  # each delivery keeps its own schedule; the next run comes in a minute
    ),
    Job(
        "poll_mailbox",
        "* * * * *",
        "poll_mailbox",
        description="Hand new mail in the inbound IMAP mailbox to the inbound pipeline (INBOUND_IMAP_BATCH_SIZE a run).",
        max_attempts=1,  # the next run comes in a minute; what failed stays in the mailbox for it
        enabled=imap_polling_configured,
    ),
    Job(
        "prune_job_runs",
        "0 4 * * *",
        "prune_job_runs",
        description="Delete the scheduler's own run records older than JOB_RUN_RETENTION_DAYS.",
    ),
)


def get_job(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(f"No periodic job named {name!r}; known: {', '.join(job.name for job in JOBS)}")
