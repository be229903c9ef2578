"""Background work for the search index. Tasks take ids, never objects, so they can be queued
in the database and run later by ``manage.py db_worker``."""

from __future__ import annotations

from django.apps import apps

from modelsearch.backends import get_search_backend

from django_tasks import task


@task()
def index_documents(backend_name: str, model_label: str, pks: list[str]) -> int:
    """Re-read the objects from the database and (re)index them; ids that are gone or no
    longer indexable are removed from the index. Returns how many ids were handled."""
    backend = get_search_backend(backend_name)
    model = apps.get_model(model_label)
    if hasattr(backend, "update_ids"):
        backend.update_ids(model, list(pks))
        return len(pks)
    # Wagtail's own backends (database, Elasticsearch): add what is indexable, delete the rest.
    objects = {str(obj.pk): obj for obj in model.get_indexed_objects().filter(pk__in=list(pks))}
    for pk in pks:
        obj = objects.get(str(pk))
        if obj is not None:
            backend.add(obj.get_indexed_instance() or obj)
        else:
            backend.delete(model(pk=pk))
    return len(pks)


@task()
def delete_documents(backend_name: str, model_label: str, pks: list[str]) -> int:
    """Remove documents from the index by primary key."""
    backend = get_search_backend(backend_name)
    model = apps.get_model(model_label)
    if hasattr(backend, "write"):
        backend.write([("delete", model, list(pks))])
    else:
        for pk in pks:
            backend.delete(model(pk=pk))
    return len(pks)


@task()
def rebuild_index(backend_name: str) -> int:
    """Rebuild a whoosh index from the database (scheduled when an index folder is found
    empty). Returns the number of documents indexed."""
    backend = get_search_backend(backend_name)
    return backend.rebuild()


@task()
def embed_topics(pks: list[int]) -> int:
    """Write the semantic vectors of these topics whose title changed (``search.semantic``).
    Returns how many were written; nothing when semantic similar questions are off."""
    from search import semantic

    if not semantic.enabled():
        return 0
    return semantic.embed_topics([int(pk) for pk in pks])
