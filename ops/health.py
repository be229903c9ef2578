"""``/health/`` for the proxy and monitors: django-health-check's database, cache and storage
checks, plus two of the site's own: the task queue is being worked, and the search index reads.

``GET /health/?format=json`` (or ``Accept: application/json``) answers 200 when all pass and
500 naming the failing check otherwise; messages never carry secrets.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView


@dataclasses.dataclass
class TaskBacklog(HealthCheck):
    """The oldest task waiting in django-tasks-db's queue is younger than
    ``HEALTH_TASK_BACKLOG_MAX_AGE`` seconds (else the worker is stopped or far behind), and no
    more than ``HEALTH_TASK_BACKLOG_MAX`` tasks wait. Passes at once when tasks run in-process."""

    def run(self) -> None:
        from django_tasks import task_backends
        from django_tasks_db import DatabaseBackend

        if not isinstance(task_backends["default"], DatabaseBackend):
            return
        from django_tasks_db.models import DBTaskResult, get_date_max

        try:
            ready = DBTaskResult.objects.ready()
            waiting = ready.count()
            oldest = ready.order_by("enqueued_at").values_list("enqueued_at", "run_after").first()
        finally:
            connections.close_all()  # this probe's thread; nothing else would close it
        if oldest is None:
            return
        enqueued_at, run_after = oldest
        since = enqueued_at if run_after == get_date_max() else max(enqueued_at, run_after)
        age = (timezone.now() - since).total_seconds()
        if age > settings.HEALTH_TASK_BACKLOG_MAX_AGE:
            raise ServiceUnavailable(
                f"{waiting} task(s) waiting, the oldest for {age:.0f} s: is the task worker (db_worker) running?"
            )
        if waiting > settings.HEALTH_TASK_BACKLOG_MAX:
            raise ServiceWarning(f"{waiting} tasks waiting (more than {settings.HEALTH_TASK_BACKLOG_MAX})")


@dataclasses.dataclass
class SearchIndex(HealthCheck):
    """The search backend answers a query; a whoosh index must exist (``update_index`` builds it)."""

    timeout = datetime.timedelta(seconds=10)

    def run(self) -> None:
        from wagtail.search.backends import get_search_backend

        from forum.models import Topic

        try:
            backend = get_search_backend()
            handle = getattr(backend, "handle", None)  # the whoosh backend's index folder
            if handle is not None and handle.read_pointer() is None:
                raise ServiceUnavailable("The search index has not been built: run manage.py update_index")
            list(backend.search("health", Topic.objects.all())[:1])
        except ServiceUnavailable:
            raise
        except Exception as exc:
            raise ServiceUnavailable(f"The search index cannot be read ({type(exc).__name__})") from exc
        finally:
            connections.close_all()


class HealthView(HealthCheckView):
    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "health_check.checks.Storage",
        TaskBacklog,
        SearchIndex,
    )
