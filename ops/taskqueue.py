"""Tasks left behind by a task worker that died.

django-tasks-db marks a task RUNNING when a worker claims it and SUCCESSFUL or FAILED when it
ends. A worker killed in between (``kill -9``, the OOM killer, a power cut) leaves the task
RUNNING for ever: nothing runs it again, so a search index update or a mail it stood for is
lost. ``requeue_orphaned_tasks`` puts such tasks back in the queue; the systemd unit runs it
before each start of the worker, under the worker's own id, so a worker only ever takes back
its own tasks and several workers (on different machines) never take each other's.

The site's tasks are written to be run twice safely (index updates re-read the rows; mail tasks
check what was already sent), which is what makes running a half-done task again right.
"""

from __future__ import annotations

from django.db import transaction

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def requeue_orphaned(*, worker_id: str | None) -> list[str]:
    """Put RUNNING tasks last claimed by ``worker_id`` back in the queue (every RUNNING task
    when ``worker_id`` is None: only right when no worker is running). Returns their ids."""
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update()
        orphans = [
            task.pk
            for task in running.only("id", "worker_ids")
            if worker_id is None or (task.worker_ids and task.worker_ids[-1] == worker_id)
        ]
        if orphans:
            DBTaskResult.objects.filter(pk__in=orphans).update(status=TaskResultStatus.READY, started_at=None)
    return [str(pk) for pk in orphans]
