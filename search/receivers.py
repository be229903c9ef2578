"""Search's listeners: the index follows the forum's events (``search.indexing``), and cached
search answers follow the index: when an index task has written, the ``search`` cache scope
(``forum.cache``) moves. The tasks that write are named here, not guessed from their module."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from django_tasks.signals import task_finished

from forum.models import Topic
from search import indexing

# The tasks that write an index (ours, and modelsearch's for the models indexed on save).
INDEX_WRITERS = frozenset(
    {
        "search.tasks.index_documents",
        "search.tasks.delete_documents",
        "search.tasks.rebuild_index",
        "modelsearch.tasks.insert_or_update_object_task",
    }
)


@receiver(task_finished, dispatch_uid="search_index_task_finished")
def index_task_finished(sender, task_result, **kwargs) -> None:
    """An index task has run (here or in a worker): cached search answers are stale."""
    if getattr(task_result.task, "module_path", "") in INDEX_WRITERS:
        from search.selectors import bump_generation

        bump_generation()


@receiver(post_save, sender=Topic, dispatch_uid="search_topic_vector")
def topic_vector_outdated(sender, instance, created, update_fields=None, **kwargs) -> None:
    """Semantic similar questions on: a new or retitled topic gets its vector written after
    commit, through the task queue (``search.tasks.embed_topics``)."""
    from search import semantic

    if update_fields is not None and "title" not in update_fields:
        return
    if kwargs.get("raw") or not semantic.enabled():
        return
    from search.tasks import embed_topics

    pk = instance.pk
    transaction.on_commit(lambda: embed_topics.enqueue([pk]))


indexing.connect()
