"""A Wagtail search backend on whoosh: the embedded default of this project.

Note for the search page and similar-questions code: use only the standard Wagtail API
(``Model.objects.filter(...).search(q)``, ``.autocomplete(q)``, ``.facet(name)``,
``.annotate_score(name)``, slicing, ``.count()``), so that any other backend works by changing
``SEARCH_BACKEND``. Snippets and "did you mean" are the site's own (``search/snippets.py``,
``search/spelling.py``), so they work on every backend.

Settings (``WAGTAILSEARCH_BACKENDS["default"]``):

``PATH``            the index folder (required; ``WHOOSH_INDEX_DIR`` in this project).
``LANGUAGE``        stemming and stop-word language (``"en"``), any in ``whoosh.lang``.
``WRITER_TIMEOUT``  seconds a write waits for whoosh's single writer lock (``10``) before the
                    write is retried later (queued as a task, or by a background thread when
                    tasks run in-process). A user never sees a ``LockError``.
``PROCS``           processes for a rebuild (``"auto"``: the CPU count, at most 4).
``MULTIPROC_MIN_DOCS``  rebuilds with fewer documents use one process (``5000``).
``LIMITMB``         memory per writer process in MB (``128``).
``BM25F_B``, ``BM25F_K1``  BM25F parameters (``0.75``, ``1.2``).
``AUTO_RECOVER``    rebuild a missing or broken index from the database on open (``True``).

How the index is laid out on disk: ``PATH/CURRENT`` names the live generation folder
(``PATH/gen-…``); a rebuild writes a new generation, then swaps ``CURRENT`` atomically, so
searches keep working while ``update_index`` runs. Writes made during a rebuild are journaled
and replayed into the new generation. Each process opens the index once and keeps one searcher
per thread, refreshed only when the index changed on disk.

The package, one job per module:

``schema``    analysis, the schema, filter values and ``DocumentBuilder`` (instance -> document)
``storage``   the index on disk: generations, pointer, file lock, journal, retries, rebuilds
``query``     the query compilers (modelsearch query objects and filters -> whoosh queries)
``results``   results, docsets for filters, facets
``scoring``   BM25F over whole posting blocks with numpy (same scores as whoosh, faster)
``patches``   the two patches to whoosh, with the version check
``backend``   ``SearchBackend``: settings, opening and recovering the index, searching, writing

The setting ``"BACKEND": "search.backends.whoosh"`` names this package; it exports
``SearchBackend``.
"""

from search.backends.whoosh import patches

patches.apply()

from search.backends.whoosh import scoring  # noqa: E402
from search.backends.whoosh.backend import SearchBackend, _chunks  # noqa: E402
from search.backends.whoosh.schema import DocumentBuilder  # noqa: E402
from search.backends.whoosh.storage import WhooshIndexRebuilder  # noqa: E402

__all__ = ["DocumentBuilder", "SearchBackend", "WhooshIndexRebuilder", "_chunks", "scoring"]
