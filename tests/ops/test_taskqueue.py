"""Tasks left RUNNING by a dead worker go back in the queue (ops/taskqueue.py)."""

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from search import tasks

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queued(settings):
    """Three queued index tasks: one claimed by worker A, one by worker B, one still waiting."""
    settings.TASKS = DATABASE_TASKS
    results = [tasks.delete_documents.enqueue("default", "forum.Topic", [str(n)]) for n in (1, 2, 3)]
    rows = [DBTaskResult.objects.get(pk=result.id) for result in results]
    rows[0].claim("worker-a")
    rows[1].claim("worker-b")
    return rows


def statuses(rows):
    return [DBTaskResult.objects.get(pk=row.pk).status for row in rows]


def test_a_worker_takes_back_only_its_own_running_tasks(queued):
    call_command("requeue_orphaned_tasks", "--worker-id", "worker-a")
    assert statuses(queued) == [TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.READY]
    requeued = DBTaskResult.objects.get(pk=queued[0].pk)
    assert requeued.started_at is None
    assert requeued in DBTaskResult.objects.ready()  # the next worker loop picks it up


def test_all_requeues_every_running_task(queued, capsys):
    call_command("requeue_orphaned_tasks", "--all")
    assert statuses(queued) == [TaskResultStatus.READY] * 3
    assert "Requeued 2 task(s) left running by any worker." in capsys.readouterr().out


def test_finished_tasks_are_left_alone(queued):
    queued[0].set_successful(1)
    call_command("requeue_orphaned_tasks", "--worker-id", "worker-a")
    assert statuses(queued)[0] == TaskResultStatus.SUCCESSFUL


def test_an_unknown_worker_requeues_nothing(queued, capsys):
    call_command("requeue_orphaned_tasks", "--worker-id", "worker-z")
    assert statuses(queued) == [TaskResultStatus.RUNNING, TaskResultStatus.RUNNING, TaskResultStatus.READY]
    assert "Requeued 0 task(s)" in capsys.readouterr().out


@pytest.mark.parametrize("arguments", [[], ["--all", "--worker-id", "worker-a"], ["--worker-id", ""]])
def test_exactly_one_of_worker_id_and_all(queued, arguments):
    with pytest.raises(CommandError, match="exactly one"):
        call_command("requeue_orphaned_tasks", *arguments)
    assert statuses(queued)[:2] == [TaskResultStatus.RUNNING] * 2  # nothing changed
