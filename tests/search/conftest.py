"""Fixtures for the search feature tests: the same tests run on every search backend.

``search_backend`` is parametrised over the database backend and, as soon as the project's
whoosh backend module exists, over whoosh too (nothing is skipped: the parameter list grows).
"""

from __future__ import annotations

import importlib.util

import pytest

from search import spelling
from search.services import search_log_discard


def _available_backends() -> dict[str, dict]:
    backends = {"database": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}}
    if importlib.util.find_spec("search.backends.whoosh") is not None:
        backends["whoosh"] = {"BACKEND": "search.backends.whoosh"}
    return backends


BACKENDS = _available_backends()


@pytest.fixture(params=sorted(BACKENDS))
def search_backend(request, settings, tmp_path, db):
    """Selects one search backend as the default for the test; yields its short name."""
    conf = dict(BACKENDS[request.param])
    if request.param == "whoosh":
        conf["PATH"] = tmp_path / "whoosh"
    settings.WAGTAILSEARCH_BACKENDS = {"default": conf}
    settings.SEARCH_LOG_BUFFER_SIZE = 1
    spelling.forget_vocabulary()
    search_log_discard()
    yield request.param
    spelling.forget_vocabulary()
    search_log_discard()


@pytest.fixture(autouse=True)
def _empty_search_log_buffer():
    """Entries buffered by an earlier test must not be written into this one's database."""
    search_log_discard()
    yield
    search_log_discard()
