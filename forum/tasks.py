"""Background work for the forum: popularity refreshes (task arguments are ids, never objects)."""

from __future__ import annotations

from django_tasks import task

from forum.popularity import refresh_popularity


@task()
def refresh_popularity_task(topic_ids: list[int] | None = None) -> int:
    """Recompute popularity for ``topic_ids`` (every topic when empty)."""
    return refresh_popularity(topic_ids=topic_ids or None)
