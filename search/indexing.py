"""The one road from a change to the search index.

Topics are not indexed on save (``Topic.search_auto_update`` is False): the forum's services
send events (``forum.events``) after commit, and ``on_committed`` below turns the events of one
transaction into ONE queued task (``search.tasks.index_documents``) with the ids of the topics
whose indexed fields changed. The task re-reads those topics and writes them in one batch; a
worker runs it (``TASKS_BACKEND=database``), or it runs in-process after the commit in the
embedded default. When it has written, it moves the ``search`` cache scope (``forum.cache``) so
cached search answers follow the index. A deleted topic is removed the same way.

Which events change a topic's document (title, question, answers, tags, category, kind, status,
hidden, has_answer): see ``INDEXED_BY``. Replies, votes, "me too"s, follows and flags do not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from forum import events
from forum.models import Topic


def _edited(kwargs) -> bool:
    post, topic = kwargs.get("post"), kwargs.get("topic")
    if kwargs.get("is_question") or kwargs.get("title_changed"):
        return True
    return (
        post is not None
        and topic is not None
        and post.pk in (topic.official_answer_id, topic.accepted_answer_id)
    )


def _always(kwargs) -> bool:
    return True


INDEXED_BY = {
    events.topic_created: _always,
    events.post_edited: _edited,
    events.official_answer_changed: _always,
    events.accepted_answer_changed: _always,
    events.status_changed: _always,
    events.duplicate_changed: _always,
    events.topic_moved: _always,
    events.topic_visibility_changed: _always,
    events.post_visibility_changed: _always,  # a hidden answer leaves the topic's answer text
}


def topics_to_index(batch) -> list[str]:
    """The ids of the topics whose documents the events of one transaction changed."""
    pks: dict[str, None] = {}
    for signal, kwargs in batch:
        wants = INDEXED_BY.get(signal)
        if wants is None or not wants(kwargs):
            continue
        topic = kwargs.get("topic")
        pk = topic.pk if topic is not None else getattr(kwargs.get("post"), "topic_id", None)
        if pk:
            pks[str(pk)] = None
    return list(pks)


def _backends() -> list[str]:
    return list(getattr(settings, "WAGTAILSEARCH_BACKENDS", {"default": {}}))


def on_committed(sender, **kwargs) -> None:
    """One transaction's events: one index task for the topics they changed (none if none)."""
    from search.tasks import index_documents

    batch = kwargs["events"]
    pks = topics_to_index(batch)
    if pks:
        for backend in _backends():
            index_documents.enqueue(backend, Topic._meta.label, pks)


def on_topic_deleted(sender, instance, **kwargs) -> None:
    from search.tasks import delete_documents

    pk = str(instance.pk)
    transaction.on_commit(
        lambda: [delete_documents.enqueue(backend, Topic._meta.label, [pk]) for backend in _backends()]
    )


def connect() -> None:
    from django.db.models.signals import post_delete

    events.committed.connect(on_committed, dispatch_uid="search.indexing.committed")
    post_delete.connect(on_topic_deleted, sender=Topic, dispatch_uid="search.indexing.topic_deleted")
