"""Keep the similar-questions cache honest: any change to topics, categories or pages (saved,
deleted, published, unpublished, or re-indexed by a background task) moves the cache
generation, so answers cached before the change are not served after it."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wagtail.signals import page_published, page_unpublished

from django_tasks.signals import task_finished

from forum.events import topic_visibility_changed
from forum.models import Category, Topic


@receiver(post_save, sender=Topic, dispatch_uid="search_topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="search_topic_deleted")
@receiver(post_save, sender=Category, dispatch_uid="search_category_saved")
@receiver(post_delete, sender=Category, dispatch_uid="search_category_deleted")
@receiver(page_published, dispatch_uid="search_page_published")
@receiver(page_unpublished, dispatch_uid="search_page_unpublished")
def content_changed(**kwargs) -> None:
    from search.selectors import bump_generation

    bump_generation()


@receiver(task_finished, dispatch_uid="search_index_task_finished")
def index_task_finished(sender, task_result, **kwargs) -> None:
    """Services that change rows with ``update()`` (hiding a topic, say) send no ``post_save``
    but queue an index update; when such a task has run, cached answers are stale too."""
    path = getattr(task_result.task, "module_path", "")
    if path.startswith(("modelsearch.", "search.")) or "index" in path:
        content_changed()


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


@receiver(topic_visibility_changed, dispatch_uid="search_topic_visibility_vocabulary")
def topic_visibility_vocabulary(sender, **kwargs) -> None:
    """A hidden topic's title and tags must not come back as "Did you mean" suggestions."""
    from search import spelling

    spelling.forget_vocabulary()
