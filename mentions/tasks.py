"""Background work for mentions: polling the sources that are due (run it every few minutes
from the scheduler; each source keeps its own interval and back-off)."""

from __future__ import annotations

from django_tasks import task


@task()
def poll_due_sources() -> dict:
    from mentions import services

    results = services.poll_due()
    return {
        "sources": len(results),
        "new": sum(r.new for r in results),
        "failed": sum(1 for r in results if r.error),
    }
