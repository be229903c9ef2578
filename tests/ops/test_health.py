"""/health/: database, cache, storage, the task queue and the search index, each named."""

import datetime

from django.core.management import call_command
from django.utils import timezone

import pytest
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from ops.health import SearchIndex, TaskBacklog

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def enqueue(minutes_ago: int = 0, **fields):
    from django_tasks_db.models import DBTaskResult, get_date_max

    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="ops.tests.nothing",
        backend_name="default",
        run_after=fields.pop("run_after", get_date_max()),
        **fields,
    )
    DBTaskResult.objects.filter(pk=result.pk).update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return result


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS  # django-tasks drops its backends when the setting changes


def test_task_backlog_passes_with_in_process_tasks(db):
    enqueue(minutes_ago=120)
    TaskBacklog().run()  # the immediate backend has no queue to fall behind on


def test_task_backlog_passes_with_a_fresh_queue(db, database_tasks):
    enqueue(minutes_ago=1)
    TaskBacklog().run()


def test_task_backlog_fails_when_the_oldest_task_waits_too_long(db, database_tasks, settings):
    settings.HEALTH_TASK_BACKLOG_MAX_AGE = 600
    enqueue(minutes_ago=1)
    enqueue(minutes_ago=11)
    with pytest.raises(ServiceUnavailable, match=r"2 task\(s\) waiting.*db_worker"):
        TaskBacklog().run()


def test_task_backlog_ignores_finished_and_future_tasks(db, database_tasks):
    enqueue(minutes_ago=60, status="SUCCESSFUL")
    enqueue(minutes_ago=60, run_after=timezone.now() + datetime.timedelta(hours=1))
    TaskBacklog().run()


def test_task_backlog_warns_on_too_many_waiting(db, database_tasks, settings):
    settings.HEALTH_TASK_BACKLOG_MAX = 2
    for _ in range(3):
        enqueue()
    with pytest.raises(ServiceWarning, match="3 tasks waiting"):
        TaskBacklog().run()


def test_search_index_fails_before_the_index_is_built(db):
    with pytest.raises(ServiceUnavailable, match="update_index"):
        SearchIndex().run()


def test_search_index_passes_once_built(db):
    call_command("update_index", verbosity=0)
    SearchIndex().run()


def test_search_index_fails_when_the_backend_cannot_answer(db, settings):
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "wagtail.search.backends.elasticsearch8", "URLS": ["http://127.0.0.1:1"]}
    }
    with pytest.raises(ServiceUnavailable, match="cannot be read"):
        SearchIndex().run()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_health_endpoint_answers_200_naming_every_check(client):
    call_command("update_index", verbosity=0)
    response = client.get("/health/?format=json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body.values()) == {"OK"}
    names = " ".join(body)
    for check in ("Database", "Cache", "Storage", "TaskBacklog", "SearchIndex"):
        assert check in names
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_health_endpoint_answers_500_naming_the_failing_check(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    failing = {name: status for name, status in response.json().items() if status != "OK"}
    assert list(failing) == ["SearchIndex()"] and "update_index" in failing["SearchIndex()"]
