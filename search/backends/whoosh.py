"""A Wagtail search backend on whoosh: the embedded default of this project.

Note for the search page and similar-questions code: use only the standard Wagtail API
(``Model.objects.filter(...).search(q)``, ``.autocomplete(q)``, ``.facet(name)``,
``.annotate_score(name)``, slicing, ``.count()``), so that any other backend works by changing
``SEARCH_BACKEND``. Two optional helpers degrade gracefully on other backends; call them through
``getattr(get_search_backend(), "highlight", None)`` / ``"suggest"`` and treat ``None`` as
"not available":

- ``backend.highlight(text, query, *, max_chars=240) -> str``: an HTML snippet of ``text``
  around the query's (stemmed) terms, each match wrapped in ``<mark>``; the text is escaped,
  so the result is safe to mark safe. Returns an escaped prefix of ``text`` when nothing
  matches.
- ``backend.suggest(query) -> str | None``: "did you mean": the query with each word that does
  not occur in the index replaced by the closest indexed word (edit distance ≤ 2), or ``None``
  when every word is known or nothing close exists.

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
"""

from __future__ import annotations

import datetime
import decimal
import fcntl
import functools
import html
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.sql.constants import MULTI, SINGLE
from django.db.models.sql.query import Query as SqlQuery
from django.utils import timezone

from modelsearch.backends.base import (
    BaseIndex,
    BaseSearchBackend,
    BaseSearchQueryCompiler,
    BaseSearchResults,
    FilterError,
    FilterFieldError,
    get_model_root,
)
from modelsearch.index import (
    AutocompleteField,
    FilterField,
    RelatedFields,
    SearchField,
    get_indexed_models,
)
from modelsearch.query import And, Boost, Fuzzy, MatchAll, Not, Or, Phrase, PlainText

from whoosh import fields as wf
from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.columns import NumericColumn
from whoosh.index import LockError
from whoosh.lang import has_stemmer, stopwords_for_language
from whoosh.support.charset import accent_map

from search.backends import whoosh_fast

logger = logging.getLogger("search.whoosh")

INDEX_NAME = "MAIN"
POINTER_FILE = "CURRENT"
REBUILD_MARKER = "REBUILDING"
JOURNAL_FILE = "journal"
LOCK_FILE = ".lock"
NGRAM_MAX = 20
EPOCH = datetime.datetime(1970, 1, 1)
FLOAT_SCALE = 1_000_000  # floats are indexed as integers in millionths
# Fields boosted this much feed ``suggest``'s vocabulary: titles, tags, names, summaries; not the
# long body texts, which would make the spelling field the biggest in the index for no gain.
SPELLING_MIN_BOOST = 2.0

# Whoosh field names: "<prefix>__<qualified name>". One glob field type per prefix.
TEXT_PREFIX = "s__"
AUTOCOMPLETE_PREFIX = "a__"
INT_PREFIX = "fi__"
FLOAT_PREFIX = "ff__"
STR_PREFIX = "fs__"

INT_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "NullBooleanField",
    "DateField",
    "DateTimeField",
    "TimeField",
    "DurationField",
}
FLOAT_TYPES = {"FloatField", "DecimalField"}


# --- a whoosh fix -----------------------------------------------------------------------------


def _patch_length_reader_cache() -> None:
    """whoosh's per-segment reader caches the length column of a field, but not the answer
    "this field has no length column": every posting of a numeric or ID field then costs a
    file-system check while a segment is written or merged. Cache both answers (a segment's
    files never change once written)."""
    from whoosh.codec import whoosh3

    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_community_patched", False):
        return
    missing = object()

    def _cached_reader(self, fieldname, column):
        readers = self._readers
        reader = readers.get(fieldname, missing)
        if reader is missing:
            reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
            readers[fieldname] = reader
        return reader

    reader_class._cached_reader = _cached_reader
    reader_class._community_patched = True


_patch_length_reader_cache()


# --- analysis and schema ---------------------------------------------------------------------


def text_analyzer(language: str):
    """Words, lower-cased, accents folded, stop words removed, stemmed (BM25F text fields)."""
    chain = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    try:
        stoplist = stopwords_for_language(language)
    except (KeyError, ValueError):
        stoplist = None
    if stoplist:
        chain = chain | StopFilter(stoplist=stoplist, minsize=1)
    if has_stemmer(language):
        chain = chain | StemFilter(lang=language)
    return chain


def word_analyzer():
    """Words, lower-cased, accents folded: no stop words, no stemming (autocomplete queries)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def build_schema(language: str) -> wf.Schema:
    schema = wf.Schema(
        doc_id=wf.ID(unique=True, stored=True),
        doc_pk=wf.ID(stored=True),
        doc_pkn=wf.COLUMN(NumericColumn("q", default=0)),  # sort-only: no postings
        doc_ct=wf.KEYWORD(),
        doc_null=wf.KEYWORD(),
        # Unstemmed words of the main text fields: the vocabulary for "did you mean".
        doc_spell=wf.TEXT(analyzer=word_analyzer(), phrase=False),
    )
    schema.add(TEXT_PREFIX + "*", wf.TEXT(analyzer=text_analyzer(language), phrase=True), glob=True)
    schema.add(
        AUTOCOMPLETE_PREFIX + "*",
        wf.TEXT(analyzer=word_analyzer() | NgramFilter(1, NGRAM_MAX, at="start"), phrase=False),
        glob=True,
    )
    # shift_step=16: four terms per value instead of sixteen (range queries stay fast).
    numeric = {"bits": 64, "signed": True, "sortable": True, "shift_step": 16}
    schema.add(INT_PREFIX + "*", wf.NUMERIC(int, **numeric), glob=True)
    # Floats are stored as fixed-point integers (whoosh's sortable float columns are broken).
    schema.add(FLOAT_PREFIX + "*", wf.NUMERIC(int, **numeric), glob=True)
    schema.add(STR_PREFIX + "*", wf.ID(sortable=True), glob=True)
    return schema


# --- values ------------------------------------------------------------------------------------


def _model_label(model) -> str:
    if isinstance(model, type) and issubclass(model, models.Model):
        return f"{model._meta.app_label}_{model._meta.model_name}"
    return model.__name__.lower() if model is not None else "x"


def _qualified_name(field, model) -> str:
    """A field's name in the index, qualified by the model that defines it, so that the same
    field seen through a parent model (``Page.title``) and a child (``HomePage.title``) is one
    field, while unrelated models never share one."""
    return f"{_model_label(field.get_definition_model(model))}__{field.field_name}"


def _filter_kind(field, model) -> str:
    field_type = field.get_type(model)
    if field_type in INT_TYPES:
        return INT_PREFIX
    if field_type in FLOAT_TYPES:
        return FLOAT_PREFIX
    return STR_PREFIX


def _to_utc_naive(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(value):
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def clean_filter_value(prefix: str, value: Any) -> Any:
    """A Python value as stored in a filter field of the given kind (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, models.Model):
        value = value.pk
    if prefix == INT_PREFIX:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, datetime.datetime):
            return int((_to_utc_naive(value) - EPOCH).total_seconds() * 1_000_000)
        if isinstance(value, datetime.date):
            return int(
                (datetime.datetime(value.year, value.month, value.day) - EPOCH).total_seconds() * 1_000_000
            )
        if isinstance(value, datetime.time):
            return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
        if isinstance(value, datetime.timedelta):
            return int(value.total_seconds() * 1_000_000)
        if isinstance(value, str):
            if value.lower() in ("true", "false"):
                return int(value.lower() == "true")
            return int(value)
        return int(value)
    if prefix == FLOAT_PREFIX:
        return int(round(float(value) * FLOAT_SCALE))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def restore_filter_value(field_type: str, value: Any) -> Any:
    """The inverse of ``clean_filter_value`` for facet keys."""
    if value is None:
        return None
    if field_type in FLOAT_TYPES:
        value = int(value) / FLOAT_SCALE
        return decimal.Decimal(str(value)) if field_type == "DecimalField" else value
    if field_type in ("BooleanField", "NullBooleanField"):
        return bool(value)
    if field_type == "DateTimeField":
        dt = EPOCH + datetime.timedelta(microseconds=int(value))
        return dt.replace(tzinfo=datetime.UTC)
    if field_type == "DateField":
        return (EPOCH + datetime.timedelta(microseconds=int(value))).date()
    if field_type == "TimeField":
        micro = int(value)
        return (datetime.datetime.min + datetime.timedelta(microseconds=micro)).time()
    if field_type == "DurationField":
        return datetime.timedelta(microseconds=int(value))
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_as_text(v) for v in value.values())
    if isinstance(value, (list, tuple, set)) or hasattr(value, "__iter__") and not isinstance(value, bytes):
        try:
            return "\n".join(_as_text(v) for v in value)
        except TypeError:
            return str(value)
    return str(value)


def _related_objects(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, models.Manager):
        return list(value.all())
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return list(value)
    return [value]


def _content_types(model) -> list[str]:
    """The content type of a model and of each indexed parent (for searches on a parent)."""
    names = []
    current = model
    while current is not None:
        names.append(current.indexed_get_content_type())
        current = current.indexed_get_parent()
    return names


def document_id(model, pk) -> str:
    return f"{get_model_root(model).indexed_get_content_type()}:{pk}"


def _attribute_value(name: str, obj) -> Any:
    """What ``get_value`` returns for a name that is not a model field: the attribute, called
    if callable."""
    value = getattr(obj, name, None)
    return value() if callable(value) else value


class DocumentBuilder:
    """Turns a model instance into a whoosh document, following ``search_fields``."""

    def __init__(self, model):
        self.model = model
        self.content_types = _content_types(model)
        self.root_content_type = get_model_root(model).indexed_get_content_type()
        self.spelling_fields = {
            TEXT_PREFIX + _qualified_name(field, model)
            for field in model.get_searchable_search_fields()
            if float(field.boost or 1.0) >= SPELLING_MIN_BOOST
        }
        pk_field = model._meta.pk
        while pk_field.is_relation:  # a child model's pk is the link to its parent
            pk_field = pk_field.target_field
        self.int_pk = pk_field.get_internal_type() in INT_TYPES - {"BooleanField", "DateField"}
        self.getters: dict[tuple[int, type], Callable[[Any], Any]] = {}

    def _value(self, field, obj) -> Any:
        """``field.get_value(obj)``, with the lookup of what the field names done once per
        class: a method or property (no model field of that name) is read directly, without
        the ``FieldDoesNotExist`` that ``get_value`` raises and catches on every call."""
        key = (id(field), obj.__class__)
        getter = self.getters.get(key)
        if getter is None:
            try:
                field.get_field(obj.__class__)
            except FieldDoesNotExist:
                getter = functools.partial(_attribute_value, field.field_name)
            else:
                getter = field.get_value
            self.getters[key] = getter
        return getter(obj)

    def build(self, obj) -> dict:
        doc: dict[str, Any] = {
            "doc_id": f"{self.root_content_type}:{obj.pk}",
            "doc_pk": str(obj.pk),
            "doc_ct": list(self.content_types),
        }
        if self.int_pk:
            with suppress(TypeError, ValueError):
                doc["doc_pkn"] = int(obj.pk)
        nulls: list[str] = []
        text_parts: dict[str, list[str]] = {}
        self._add_fields(doc, text_parts, nulls, self.model, self.model.get_search_fields(), [obj], "")
        spell = []
        for name, parts in text_parts.items():
            text = "\n".join(p for p in parts if p)
            if text.strip():
                doc[name] = text
                if name in self.spelling_fields:
                    spell.append(text)
        if spell:
            doc["doc_spell"] = "\n".join(spell)
        if nulls:
            doc["doc_null"] = nulls
        return doc

    def _add_fields(self, doc, text_parts, nulls, model, search_fields, objects, prefix) -> None:
        for field in search_fields:
            if isinstance(field, RelatedFields):
                related = []
                for obj in objects:
                    related.extend(_related_objects(self._value(field, obj)))
                related_model = field.get_field(model).related_model
                name = f"{prefix}{_qualified_name(field, model)}__"
                self._add_fields(doc, text_parts, nulls, related_model, field.fields, related, name)
                continue
            qualified = prefix + _qualified_name(field, model)
            if isinstance(field, SearchField):
                parts = text_parts.setdefault(TEXT_PREFIX + qualified, [])
                parts.extend(_as_text(self._value(field, obj)) for obj in objects)
            elif isinstance(field, AutocompleteField):
                parts = text_parts.setdefault(AUTOCOMPLETE_PREFIX + qualified, [])
                parts.extend(_as_text(self._value(field, obj)) for obj in objects)
            elif isinstance(field, FilterField):
                kind = _filter_kind(field, model)
                values = []
                for obj in objects:
                    value = self._value(field, obj)
                    if isinstance(value, (list, tuple, set, models.QuerySet)):
                        values.extend(clean_filter_value(kind, v) for v in value)
                    else:
                        values.append(clean_filter_value(kind, value))
                values = [v for v in values if v is not None]
                name = kind + qualified
                if not values:
                    nulls.append(name)
                    continue
                doc[name] = values if len(values) > 1 else values[0]
                if kind == STR_PREFIX:
                    if len(values) > 1:
                        # Several values: each is a term; the sort column takes the first.
                        doc["_stored_" + name] = values[0]
                    else:
                        doc[name] = [values[0]]  # a list bypasses analysis: the exact value
                        doc["_stored_" + name] = values[0]


# --- the index on disk -------------------------------------------------------------------------


class _IndexHandle:
    """One process's view of one index folder: the open whoosh index of the live generation
    and one searcher per thread, reopened only when the folder changed."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self.generation: str | None = None
        self.index = None
        self.stamp = None
        self.local = threading.local()
        self.version = 0  # bumped on every reopen, so thread searchers notice
        self.flock_depth = 0

    # pointer

    def read_pointer(self) -> str | None:
        try:
            name = (self.path / POINTER_FILE).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name or None

    def write_pointer(self, name: str) -> None:
        tmp = self.path / f".{POINTER_FILE}.{uuid.uuid4().hex}"
        tmp.write_text(name)
        os.replace(tmp, self.path / POINTER_FILE)

    def _stamp(self, generation: str | None):
        try:
            pointer = os.stat(self.path / POINTER_FILE).st_mtime_ns
            folder = os.stat(self.path / generation).st_mtime_ns if generation else None
        except FileNotFoundError:
            return None
        return (pointer, folder)

    @contextmanager
    def file_lock(self):
        """An exclusive lock across processes (and threads) for swapping generations and
        recovering. Re-entrant within a thread."""
        with self.lock:
            if self.flock_depth:
                self.flock_depth += 1
                try:
                    yield
                finally:
                    self.flock_depth -= 1
                return
            self.path.mkdir(parents=True, exist_ok=True)
            with open(self.path / LOCK_FILE, "a+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self.flock_depth = 1
                try:
                    yield
                finally:
                    self.flock_depth = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self, schema_factory: Callable[[], wf.Schema]):
        """The live whoosh index, or ``None`` if there is none yet. Raises on a broken index."""
        with self.lock:
            generation = self.read_pointer()
            if generation is None:
                self.close()
                return None
            if self.index is None or generation != self.generation:
                self.close()
                self.index = windex.open_dir(str(self.path / generation), indexname=INDEX_NAME)
                self.generation = generation
                self.version += 1
            return self.index

    def close(self) -> None:
        with self.lock:
            self.index = None
            self.generation = None
            self.stamp = None
            self.version += 1

    def searcher(self, schema_factory, weighting):
        """This thread's searcher, refreshed if the index changed since it was opened."""
        index = self.open(schema_factory)
        if index is None:
            return None
        state = getattr(self.local, "state", None)
        stamp = self._stamp(self.generation)
        if state is None or state[0] != self.version:
            if state is not None:
                state[1].close()
            searcher = index.searcher(weighting=weighting)
            searcher.filter_cache = OrderedDict()
            self.local.state = [self.version, searcher, stamp]
            return searcher
        searcher = state[1]
        if stamp != state[2]:
            if not searcher.up_to_date():
                # A fresh searcher rather than ``refresh()``: reused segment readers would
                # miss deletions made since (an updated document would show twice).
                searcher.close()
                searcher = index.searcher(weighting=weighting)
                searcher.filter_cache = OrderedDict()
            state[1] = searcher
            state[2] = stamp
        return searcher

    def invalidate(self) -> None:
        """Forget this thread's searcher stamp so the next search checks the index."""
        state = getattr(self.local, "state", None)
        if state is not None:
            state[2] = None


_HANDLES: OrderedDict[str, _IndexHandle] = OrderedDict()
_HANDLES_LOCK = threading.Lock()
_MAX_HANDLES = 16


def get_handle(path: Path) -> _IndexHandle:
    """The process-wide handle for an index folder (kept for the life of the process)."""
    key = str(Path(path).resolve())
    with _HANDLES_LOCK:
        handle = _HANDLES.get(key)
        if handle is None:
            handle = _HANDLES[key] = _IndexHandle(Path(key))
            while len(_HANDLES) > _MAX_HANDLES:
                _HANDLES.popitem(last=False)[1].close()
        else:
            _HANDLES.move_to_end(key)
        return handle


def _new_generation_name() -> str:
    return f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"


# --- writing -----------------------------------------------------------------------------------


class _RetryThread(threading.Thread):
    """Applies writes that could not get the writer lock in time, once the lock is free.
    Used when tasks run in-process (nothing can be queued for later)."""

    def __init__(self, backend: SearchBackend, prepared: list):
        super().__init__(name="whoosh-retry", daemon=True)
        self.backend = backend
        self.prepared = prepared

    def run(self) -> None:
        deadline = time.monotonic() + 600
        delay = 0.25
        while time.monotonic() < deadline:
            try:
                self.backend._apply(self.prepared, timeout=5.0)
                return
            except LockError:
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception:
                logger.exception("search index update failed")
                return
        logger.error("search index update dropped after waiting 10 minutes for the writer lock")


class WhooshIndex(BaseIndex):
    """The single index of the backend (all models share one whoosh index, like the database
    backend). ``generation`` is set while a rebuild writes a new generation."""

    def __init__(self, backend: SearchBackend, generation: str | None = None, writer=None):
        super().__init__(backend)
        self.generation = generation
        self.writer = writer
        self.added = 0

    def get_key(self) -> str:
        return str(self.backend.path)

    def __str__(self) -> str:
        return f"whoosh index at {self.backend.path}"

    def add_model(self, model) -> None:
        pass  # the schema is dynamic: nothing to declare per model

    def refresh(self) -> None:
        self.backend.handle.invalidate()

    def reset(self) -> None:
        self.backend.reset_index()

    def add_items(self, model, items) -> None:
        items = list(items)
        if not items:
            return
        if self.writer is not None:  # rebuilding: documents go straight into the new generation
            builder = DocumentBuilder(model)
            for obj in items:
                self.writer.add_document(**builder.build(obj))
                self.added += 1
            return
        self.backend.write([("add", model, items)])

    def delete_item(self, item) -> None:
        if self.writer is not None:
            self.writer.delete_by_term("doc_id", document_id(type(item), item.pk))
            return
        self.backend.delete_ids(type(item), [item.pk])


def _patch_length_lookup() -> None:
    """whoosh reads a document's field length from the segment's length column one value at
    a time (a file read and an unpack for every posting while a segment is written, and for
    every hit while scoring). Read each field's column (one byte per document) once per
    segment reader instead; the values returned are the same."""
    from whoosh.codec import whoosh3

    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_community_lengths_patched", False):
        return
    original = reader_class.doc_field_length
    byte_to_length = whoosh3.byte_to_length
    lenfield = whoosh3._lenfield
    lengths_column = whoosh3.LENGTHS_COLUMN
    missing = object()

    def column_bytes(reader, fieldname):
        column = reader._cached_reader(lenfield(fieldname), lengths_column)
        try:
            if column is None or column._fixedlen != 1:
                return None
            return bytes(column._dbfile.get(column._basepos, column._count))
        except AttributeError:  # another column layout: keep whoosh's own lookup
            return None

    def doc_field_length(self, docnum, fieldname, default=0):
        cache = self.__dict__.get("_community_lengths")
        if cache is None:
            cache = self._community_lengths = {}
        lengths = cache.get(fieldname, missing)
        if lengths is missing:
            lengths = cache[fieldname] = column_bytes(self, fieldname)
        if lengths is None:
            return original(self, docnum, fieldname, default)
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return byte_to_length(lbyte) if lbyte else None

    reader_class.doc_field_length = doc_field_length
    reader_class._community_lengths_patched = True


_patch_length_lookup()


class WhooshIndexRebuilder:
    """Builds a complete new generation next to the live one, then swaps it in atomically.

    ``start()`` opens a writer on the new generation (whoosh's multi-process writer when
    ``procs > 1``); ``finish()`` commits it, points ``CURRENT`` at it, replays writes journaled
    while it ran, and removes generations older than the previous one."""

    def __init__(self, index: WhooshIndex, procs: int | None = None, expected_docs: int | None = None):
        self.index = index
        self.backend: SearchBackend = index.backend
        self.procs = procs
        self.expected_docs = expected_docs
        self.generation: str | None = None
        self.started = 0.0

    def start(self) -> WhooshIndex:
        backend = self.backend
        backend.path.mkdir(parents=True, exist_ok=True)
        self.generation = _new_generation_name()
        folder = backend.path / self.generation
        folder.mkdir()
        new_index = windex.create_in(str(folder), backend.build_schema(), indexname=INDEX_NAME)
        procs = self.procs if self.procs is not None else backend.rebuild_procs(self.expected_docs)
        kwargs = {"limitmb": backend.limitmb}
        if procs > 1:
            writer = new_index.writer(procs=procs, multisegment=True, **kwargs)
        else:
            writer = new_index.writer(**kwargs)
        (backend.path / REBUILD_MARKER).write_text(self.generation)
        self.started = time.monotonic()
        self.procs_used = procs
        return WhooshIndex(backend, generation=self.generation, writer=writer)

    def finish(self, rebuilt: WhooshIndex | None = None) -> None:
        backend = self.backend
        writer = rebuilt.writer if rebuilt is not None else None
        if writer is None:
            raise RuntimeError("finish() needs the index returned by start()")
        writer.commit()
        rebuilt.writer = None
        handle = backend.handle
        with handle.file_lock():
            previous = handle.read_pointer()
            handle.write_pointer(self.generation)
            marker = backend.path / REBUILD_MARKER
            if marker.exists() and marker.read_text().strip() == self.generation:
                marker.unlink()
        handle.close()
        backend.replay_journal(self.generation)
        backend.remove_old_generations(keep={self.generation, previous})

    def abort(self, rebuilt: WhooshIndex | None = None) -> None:
        if rebuilt is not None and rebuilt.writer is not None:
            rebuilt.writer.cancel()
            rebuilt.writer = None
        marker = self.backend.path / REBUILD_MARKER
        if marker.exists() and marker.read_text().strip() == self.generation:
            marker.unlink()
        if self.generation:
            shutil.rmtree(self.backend.path / self.generation, ignore_errors=True)


class _Rebuilder:
    """The ``rebuilder_class`` interface expected by ``update_index``: ``start()`` returns the
    index to fill, ``finish()`` swaps it in."""

    def __init__(self, index: WhooshIndex):
        self.inner = WhooshIndexRebuilder(index, expected_docs=count_indexed_documents())
        self.rebuilt: WhooshIndex | None = None

    def start(self) -> WhooshIndex:
        self.rebuilt = self.inner.start()
        return self.rebuilt

    def finish(self) -> None:
        self.inner.finish(self.rebuilt)


def count_indexed_documents() -> int:
    return sum(model.get_indexed_objects().count() for model in get_indexed_models())


# --- query compilation -------------------------------------------------------------------------


class WhooshSearchQueryCompiler(BaseSearchQueryCompiler):
    """Compiles a modelsearch query and the queryset's filters and ordering to whoosh queries."""

    DEFAULT_OPERATOR = "or"
    field_prefix = TEXT_PREFIX

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = self.queryset.model
        self._backend: SearchBackend | None = None

    # fields

    def _model_and_subclasses(self):
        return [m for m in get_indexed_models() if issubclass(m, self.model)] or [self.model]

    def _declared_fields(self, model) -> list:
        return model.get_searchable_search_fields()

    def search_fields(self) -> list[tuple[str, float]]:
        """(whoosh field, boost) for every text field to search, including fields of indexed
        subclasses (``Page.objects.search`` finds FAQ articles by their question text)."""
        result: dict[str, float] = {}

        def collect(model, declared, prefix="", only=None):
            for field in declared:
                if isinstance(field, RelatedFields):
                    if only is not None and field.field_name not in only:
                        continue
                    related_model = field.get_field(model).related_model
                    collect(related_model, field.fields, f"{prefix}{_qualified_name(field, model)}__")
                    continue
                if not self._field_matches_kind(field):
                    continue
                if only is not None and field.field_name not in only:
                    continue
                name = self.field_prefix + prefix + _qualified_name(field, model)
                boost = float(getattr(field, "boost", None) or 1.0)
                result.setdefault(name, boost)

        if self.fields:
            collect(self.model, self.model.get_search_fields(), only=set(self.fields))
        else:
            collect(self.model, self.model.get_search_fields())
            for model in self._model_and_subclasses():
                if model is not self.model:
                    collect(model, model.get_search_fields())
        return list(result.items())

    def _field_matches_kind(self, field) -> bool:
        return isinstance(field, SearchField)

    # text

    def analyze(self, text: str) -> list[str]:
        return [t.text for t in self._backend.text_analyzer(text)]

    def _per_field(self, make: Callable[[str, float], wq.Query | None], fields) -> wq.Query:
        subqueries = [q for q in (make(name, boost) for name, boost in fields) if q is not None]
        if not subqueries:
            return wq.NullQuery
        if len(subqueries) == 1:
            return subqueries[0]
        # Per-field BM25 scores are summed (each weighted by its field's boost), so a word
        # found in the title and the body counts more than one found in the body alone.
        return _Or(subqueries)

    def _combine(self, parts: list[wq.Query], operator: str, boost: float = 1.0) -> wq.Query:
        parts = [p for p in parts if p is not wq.NullQuery]
        if not parts:
            return wq.NullQuery
        if len(parts) == 1:
            query = parts[0]
        elif operator == "and":
            query = wq.And(parts)
        else:
            query = _Or(parts)
        if boost != 1.0:
            query = _boosted(query, boost)
        return query

    def _compile_plaintext(self, query: PlainText, fields, boost: float = 1.0) -> wq.Query:
        words = self.analyze(query.query_string)
        parts = [
            self._per_field(lambda name, b, w=word: wq.Term(name, w, boost=b), fields)
            for word in _unique(words)
        ]
        return self._combine(parts, query.operator, boost * (query.boost or 1.0))

    def _compile_fuzzy(self, query: Fuzzy, fields, boost: float = 1.0) -> wq.Query:
        words = self.analyze(query.query_string)
        parts = []
        for word in _unique(words):
            maxdist = 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2

            def make(name, b, w=word, d=maxdist):
                if d == 0:
                    return wq.Term(name, w, boost=b)
                return wq.FuzzyTerm(name, w, boost=b, maxdist=d, prefixlength=1)

            parts.append(self._per_field(make, fields))
        return self._combine(parts, query.operator, boost)

    def _compile_phrase(self, query: Phrase, fields, boost: float = 1.0) -> wq.Query:
        words = self.analyze(query.query_string)
        if not words:
            return wq.NullQuery

        def make(name, b):
            if len(words) == 1:
                return wq.Term(name, words[0], boost=b)
            return wq.Phrase(name, words, boost=b)

        query = self._per_field(make, fields)
        return _boosted(query, boost) if boost != 1.0 else query

    def compile_query(self, query, fields, boost: float = 1.0) -> wq.Query:
        if isinstance(query, MatchAll):
            return wq.Every()
        if isinstance(query, PlainText):
            return self._compile_plaintext(query, fields, boost)
        if isinstance(query, Fuzzy):
            return self._compile_fuzzy(query, fields, boost)
        if isinstance(query, Phrase):
            return self._compile_phrase(query, fields, boost)
        if isinstance(query, Boost):
            return self.compile_query(query.subquery, fields, boost * query.boost)
        if isinstance(query, And):
            parts = [self.compile_query(q, fields, boost) for q in query.subqueries]
            if any(p is wq.NullQuery for p in parts):
                return wq.NullQuery
            return wq.And(parts) if len(parts) > 1 else parts[0]
        if isinstance(query, Or):
            parts = [self.compile_query(q, fields, boost) for q in query.subqueries]
            parts = [p for p in parts if p is not wq.NullQuery]
            if not parts:
                return wq.NullQuery
            return wq.Or(parts) if len(parts) > 1 else parts[0]
        if isinstance(query, Not):
            inner = self.compile_query(query.subquery, fields, boost)
            if inner is wq.NullQuery:
                return wq.Every()
            if isinstance(inner, wq.Every):
                return wq.NullQuery
            return wq.And([wq.Every(), wq.Not(inner)])
        raise NotImplementedError(
            f"`{query.__class__.__name__}` is not supported by the whoosh search backend."
        )

    def get_text_query(self, backend: SearchBackend) -> wq.Query:
        self._backend = backend
        return self.compile_query(self.query, self.search_fields())

    # filters

    def _field_name_for_path(self, field_path) -> tuple[str, str]:
        """(whoosh name, Django type) of the filter field at the end of a ``search_fields`` path."""
        model = self.model
        prefix = ""
        for field in field_path[:-1]:
            prefix += f"{_qualified_name(field, model)}__"
            model = field.get_field(model).related_model
        last = field_path[-1]
        kind = _filter_kind(last, model)
        return kind + prefix + _qualified_name(last, model), last.get_type(model)

    def _resolve(self, value, many: bool):
        if (
            isinstance(value, SqlQuery)
            or hasattr(value, "query")
            and isinstance(getattr(value, "query", None), SqlQuery)
        ):
            sql = value if isinstance(value, SqlQuery) else value.query
            db_alias = self.queryset._db or DEFAULT_DB_ALIAS
            if many:
                rows = sql.get_compiler(db_alias).execute_sql(result_type=MULTI)
                return [row[0] for chunk in rows for row in chunk]
            row = sql.get_compiler(db_alias).execute_sql(result_type=SINGLE)
            return row[0] if row else None
        return value

    def _process_lookup(self, field_path, lookup, value):
        name, _field_type = self._field_name_for_path(field_path)
        kind = name.split("__", 1)[0] + "__"

        def term(v):
            v = clean_filter_value(kind, v)
            if v is None:
                return wq.Term("doc_null", name)
            if kind == STR_PREFIX:
                return wq.Term(name, v)
            return wq.NumericRange(name, v, v)

        if lookup == "exact":
            return term(self._resolve(value, many=False))
        if lookup == "in":
            values = list(self._resolve(value, many=True))
            if not values:
                return wq.NullQuery
            return wq.Or([term(v) for v in values]) if len(values) > 1 else term(values[0])
        if lookup == "isnull":
            missing = wq.Term("doc_null", name)
            return missing if value else wq.And([wq.Every(), wq.Not(missing)])
        if lookup in ("startswith", "prefix"):
            return wq.Prefix(name, clean_filter_value(STR_PREFIX, value))
        if lookup in ("lt", "lte", "gt", "gte", "range"):
            if lookup == "range":
                lower, upper = value
                start, end, startexcl, endexcl = lower, upper, False, False
            else:
                start = value if lookup in ("gt", "gte") else None
                end = value if lookup in ("lt", "lte") else None
                startexcl, endexcl = lookup == "gt", lookup == "lt"
            start = clean_filter_value(kind, start)
            end = clean_filter_value(kind, end)
            if kind == STR_PREFIX:
                return wq.TermRange(name, start, end, startexcl=startexcl, endexcl=endexcl)
            return wq.NumericRange(name, start, end, startexcl=startexcl, endexcl=endexcl)
        return None

    def _process_match_none(self):
        return wq.NullQuery

    def _connect_filters(self, filters, connector, negated):
        if not filters:
            return wq.NullQuery if negated else None
        if len(filters) == 1:
            combined = filters[0]
        elif connector == "AND":
            combined = wq.And(filters)
        else:
            combined = wq.Or(filters)
        if negated:
            return wq.And([wq.Every(), wq.Not(combined)])
        return combined

    def get_filter_query(self) -> wq.Query:
        """Content type plus the queryset's filters, as one unscored query."""
        parts: list[wq.Query] = [wq.Term("doc_ct", self.model.indexed_get_content_type())]
        filters = self._get_filters_from_queryset()
        if filters is not None:
            parts.append(filters)
        return wq.And(parts) if len(parts) > 1 else parts[0]

    # ordering

    def _order_by_fields(self) -> list[tuple[bool, Any]]:
        """(reverse, FilterField) for each ``order_by`` entry: names and ``F()`` expressions."""
        from django.db.models import F, OrderBy

        from modelsearch.backends.base import OrderByFieldError

        result = []
        for entry in self.queryset.query.order_by:
            if isinstance(entry, OrderBy) and isinstance(entry.expression, F):
                reverse, name = entry.descending, entry.expression.name
            elif isinstance(entry, str):
                reverse, name = entry.startswith("-"), entry.lstrip("-")
            else:
                raise OrderByFieldError(
                    f'Sorting search results with "{entry}" is not supported by this search backend.',
                    field_name=str(entry),
                )
            if name == "pk":
                name = self.model._meta.pk.attname
            field = self._get_filterable_field(name)
            if field is None:
                if name in ("id", self.model._meta.pk.attname):
                    result.append((reverse, None))
                    continue
                raise OrderByFieldError(
                    f'Cannot sort search results with field "{name}". Please add index.FilterField("{name}") '
                    f"to {self.model.__name__}.search_fields.",
                    field_name=name,
                )
            result.append((reverse, field))
        return result

    def _get_order_by(self):
        if self.order_by_relevance:
            return
        yield from self._order_by_fields()

    def get_sort(self):
        """A whoosh sort facet, or ``None`` to order by relevance. Without an explicit
        ordering, results come newest primary key first (as with Elasticsearch)."""
        if self.order_by_relevance:
            return None
        facets = []
        for reverse, field in self._order_by_fields():
            name = "doc_pkn" if field is None else self._field_name_for_path([field])[0]
            facets.append(sorting.FieldFacet(name, reverse=reverse))
        if not facets:
            facets.append(sorting.FieldFacet("doc_pkn", reverse=True))
        return facets[0] if len(facets) == 1 else sorting.MultiFacet(facets)


class WhooshAutocompleteQueryCompiler(WhooshSearchQueryCompiler):
    """Prefix matching on ``AutocompleteField``s (indexed as edge n-grams, not stemmed)."""

    field_prefix = AUTOCOMPLETE_PREFIX

    def _field_matches_kind(self, field) -> bool:
        return isinstance(field, AutocompleteField)

    def check(self):
        # ``fields`` name autocomplete fields here, not search fields.
        if self.fields:
            allowed = {f.field_name for f in self.model.get_autocomplete_search_fields()}
            for name in self.fields:
                if name not in allowed:
                    from modelsearch.backends.base import SearchFieldError

                    raise SearchFieldError(
                        f'Cannot autocomplete with field "{name}". Please add index.AutocompleteField("{name}") '
                        f"to {self.model.__name__}.search_fields.",
                        field_name=name,
                    )
        self._get_filters_from_queryset(check_only=True)
        list(self._get_order_by())

    def analyze(self, text: str) -> list[str]:
        return [t.text[:NGRAM_MAX] for t in self._backend.word_analyzer(text)]

    def compile_query(self, query, fields, boost: float = 1.0) -> wq.Query:
        """Plain text and match-all; a ``Phrase`` prefix-matches its words (Wagtail's admin page
        search hands autocomplete whatever ``parse_query_string`` made of a quoted query, and a
        refusal there was a 500); ``And``, ``Or`` and ``Boost`` of those. Other kinds (fuzzy,
        negation) are refused, as modelsearch's other backends refuse them."""
        if isinstance(query, Phrase):
            return super().compile_query(PlainText(query.query_string, operator="and"), fields, boost)
        if isinstance(query, (PlainText, MatchAll, And, Or, Boost)):
            return super().compile_query(query, fields, boost)
        raise NotImplementedError(f"`{query.__class__.__name__}` is not supported for autocomplete queries.")


class _Or(wq.Or):
    """``Or`` with whoosh's binary tree of union matchers: its default for small indexes
    preloads every posting of every clause into arrays, which costs more than it saves."""

    matcher_type = wq.Or.DEFAULT_MATCHER


def _boosted(query: wq.Query, boost: float) -> wq.Query:
    query = query.copy() if hasattr(query, "copy") else query
    query.boost = query.boost * boost
    return query


def _unique(words: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word, None)
    return list(seen)


# --- results -----------------------------------------------------------------------------------


class WhooshSearchResults(BaseSearchResults):
    supports_facet = True

    def _queries(self) -> tuple[wq.Query, wq.Query]:
        compiler: WhooshSearchQueryCompiler = self.query_compiler
        cached = getattr(compiler, "_whoosh_queries", None)
        if cached is None:
            cached = (compiler.get_text_query(self.backend), compiler.get_filter_query())
            compiler._whoosh_queries = cached
        return cached

    def _is_empty(self) -> bool:
        text_query, filter_query = self._queries()
        return text_query is wq.NullQuery or filter_query is wq.NullQuery

    def _search(self, searcher, **kwargs):
        """Run the text query restricted to the filter's documents. The filter's document set
        is cached on the searcher (it changes only when the index does), so the usual
        "topics that are not hidden" costs nothing after the first search."""
        text_query, filter_query = self._queries()
        allowed = filter_docset(searcher, filter_query)
        try:
            return searcher.search(text_query, filter=allowed, **kwargs)
        except AssertionError:
            # whoosh's block-quality skipping trips over some negated queries: search without it.
            return searcher.search(text_query, filter=allowed, optimize=False, **kwargs)

    def _do_search(self):
        if self._is_empty():
            return []
        sort = self.query_compiler.get_sort()
        start, stop = self.start, self.stop
        if stop is not None and stop <= start:
            return []

        def search(searcher):
            if sort is None:
                found = self._fast_search(searcher, stop)
                if found is not None:
                    return found[start:stop] if stop is not None else found[start:]
            kwargs = {"limit": stop, "scored": self._score_field is not None or sort is None}
            if sort is not None:
                kwargs["sortedby"] = sort
            results = self._search(searcher, **kwargs)
            hits = results[start:stop] if stop is not None else list(results)[start:]
            if stop is None or results.scored_length() < stop:
                # Every match was collected: that is the total, with no second pass.
                self.query_compiler._whoosh_total = results.scored_length()
            return [(hit["doc_pk"], hit.score) for hit in hits]

        hits = self.backend.with_searcher(search)
        if not hits:
            return []
        pks = [pk for pk, _ in hits]
        queryset = self.query_compiler.queryset
        objects = {str(obj.pk): obj for obj in queryset.filter(pk__in=pks)}
        ordered = []
        for pk, score in hits:
            obj = objects.get(pk)
            if obj is None:
                continue  # a stale index entry, or excluded by a database-only condition
            if self._score_field:
                setattr(obj, self._score_field, score)
            ordered.append(obj)
        return ordered

    def _fast_search(self, searcher, limit: int | None) -> list[tuple[str, float]] | None:
        """Relevance-ordered hits scored with numpy (``whoosh_fast``): the same scores and order
        as whoosh's own search, many times faster for common words; ``None`` when the query has
        a part that module does not score."""
        text_query, filter_query = self._queries()
        allowed = filter_docset(searcher, filter_query)
        found = whoosh_fast.score_query(searcher, self.backend.weighting, text_query, allowed, limit)
        if found is None:
            return None
        ranked, matched = found
        self.query_compiler._whoosh_total = int(matched.size)
        # The total and the facets count these (see _matching_docset): no second pass.
        self.query_compiler._whoosh_docset = (searcher, set(matched.tolist()))
        return [(searcher.stored_fields(docnum)["doc_pk"], score) for docnum, score in ranked]

    def _total(self) -> int:
        compiler = self.query_compiler
        cached = getattr(compiler, "_whoosh_total", None)
        if cached is not None:
            return cached
        if self._is_empty():
            total = 0
        else:
            total = self.backend.with_searcher(lambda searcher: len(self._matching_docset(searcher)))
        compiler._whoosh_total = total
        return total

    def _matching_docset(self, searcher) -> set[int]:
        """Every document the search matches (text query and filters), computed once per search
        and searcher: the total and each facet reuse it instead of searching again."""
        compiler = self.query_compiler
        cached = getattr(compiler, "_whoosh_docset", None)
        if cached is not None and cached[0] is searcher:
            return cached[1]
        text_query, filter_query = self._queries()
        docnums = query_docset(searcher, text_query) & filter_docset(searcher, filter_query)
        compiler._whoosh_docset = (searcher, docnums)
        return docnums

    def _do_count(self):
        count = self._total() - self.start
        if self.stop is not None:
            count = min(count, self.stop - self.start)
        return max(count, 0)

    def facet(self, field_name: str) -> OrderedDict:
        """Counts per value of a ``FilterField`` over all matching documents, most frequent
        first; ``None`` counts documents without a value."""
        compiler: WhooshSearchQueryCompiler = self.query_compiler
        field = compiler._get_filterable_field(field_name)
        if field is None:
            raise FilterFieldError(
                f'Cannot facet search results with field "{field_name}". Please add '
                f'index.FilterField("{field_name}") to {compiler.model.__name__}.search_fields.',
                field_name=field_name,
            )
        name, field_type = compiler._field_name_for_path([field])
        if self._is_empty():
            return OrderedDict()

        def count(searcher):
            docnums = self._matching_docset(searcher)
            counter: Counter = Counter()
            missing = docnums & filter_docset(searcher, wq.Term("doc_null", name))
            if missing:
                counter[None] = len(missing)
            present = docnums - missing
            if not present:
                return counter
            reader = searcher.reader()
            if name not in reader.indexed_field_names():
                return counter
            fieldobj = searcher.schema[name]
            if _is_multi_valued(field, compiler.model):
                for term in fieldobj.sortable_terms(reader, name):
                    matches = present.intersection(reader.postings(name, term).all_ids())
                    if matches:
                        counter[fieldobj.from_bytes(term)] += len(matches)
            else:
                counted = whoosh_fast.facet_counts(searcher, name, present)
                if counted is not None:
                    counter.update(counted)
                    return counter
                column = reader.column_reader(name, translate=True)
                for docnum in present:
                    counter[column[docnum]] += 1
            return counter

        counter = self.backend.with_searcher(count)
        ordered = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))
        return OrderedDict((restore_filter_value(field_type, key), n) for key, n in ordered)


_FILTER_CACHE_SIZE = 64


def filter_docset(searcher, query: wq.Query) -> set[int]:
    """The document numbers matching an unscored filter query, cached per searcher."""
    cache = getattr(searcher, "filter_cache", None)
    key = repr(query)
    if cache is not None and key in cache:
        cache.move_to_end(key)
        return cache[key]
    docs = query_docset(searcher, query)
    if cache is not None:
        cache[key] = docs
        while len(cache) > _FILTER_CACHE_SIZE:
            cache.popitem(last=False)
    return docs


def query_docset(searcher, query: wq.Query) -> set[int]:
    """The (unscored) documents matching a query, computed with set operations on posting
    lists for terms and boolean combinations (much faster than walking whoosh's matchers);
    other queries fall back to whoosh. Deleted documents are excluded."""
    reader = searcher.reader()

    def docs(q) -> set[int]:
        if type(q) is wq.Term:
            if (q.fieldname, q.text) not in reader:
                return set()
            return set(reader.postings(q.fieldname, q.text).all_ids())
        if isinstance(q, wq.Or):
            result: set[int] = set()
            for sub in q.subqueries:
                result |= docs(sub)
            return result
        if isinstance(q, wq.And):
            subs = [sub for sub in q.subqueries if not isinstance(sub, wq.Not)]
            negated = [sub.query for sub in q.subqueries if isinstance(sub, wq.Not)]
            result = docs(subs[0]) if subs else all_docs()
            for sub in subs[1:]:
                result &= docs(sub)
                if not result:
                    return result
            for sub in negated:
                result -= docs(sub)
            return result
        if isinstance(q, wq.Every):
            return all_docs()
        if q is wq.NullQuery:
            return set()
        return set(searcher.docs_for_query(q))

    def all_docs() -> set[int]:
        return set(reader.all_doc_ids())

    result = docs(query)
    if reader.has_deletions():
        result = {docnum for docnum in result if not reader.is_deleted(docnum)}
    return result


def _is_multi_valued(field, model) -> bool:
    try:
        django_field = field.get_field(model)
    except Exception:
        return False
    return bool(django_field.many_to_many or django_field.one_to_many)


# --- the backend -------------------------------------------------------------------------------


class SearchBackend(BaseSearchBackend):
    query_compiler_class = WhooshSearchQueryCompiler
    autocomplete_query_compiler_class = WhooshAutocompleteQueryCompiler
    results_class = WhooshSearchResults
    index_class = WhooshIndex
    rebuilder_class = _Rebuilder
    catch_indexing_errors = True

    def __init__(self, params: dict):
        super().__init__(params)
        params = dict(params)
        path = params.pop("PATH", None)
        if not path:
            raise ImproperlyConfigured("The whoosh search backend needs a PATH (the index folder).")
        self.path = Path(path)
        self.params = params
        self.language = str(params.get("LANGUAGE", "en"))
        self.writer_timeout = float(params.get("WRITER_TIMEOUT", 10.0))
        self.procs_setting = params.get("PROCS", "auto")
        self.multiproc_min_docs = int(params.get("MULTIPROC_MIN_DOCS", 5000))
        self.limitmb = int(params.get("LIMITMB", 128))
        self.auto_recover = bool(params.get("AUTO_RECOVER", True))
        self.weighting = scoring.BM25F(
            B=float(params.get("BM25F_B", 0.75)), K1=float(params.get("BM25F_K1", 1.2))
        )
        self.text_analyzer = text_analyzer(self.language)
        self.word_analyzer = word_analyzer()
        self.handle = get_handle(self.path)

    # configuration

    def build_schema(self) -> wf.Schema:
        return build_schema(self.language)

    def rebuild_procs(self, expected_docs: int | None) -> int:
        """Processes for a rebuild: one for small indexes or one core, else ``PROCS``."""
        cores = os.cpu_count() or 1
        procs = min(cores, 4) if self.procs_setting == "auto" else max(1, int(self.procs_setting))
        if expected_docs is not None and expected_docs < self.multiproc_min_docs:
            return 1
        return procs if cores > 1 else 1

    def get_index_for_model(self, model) -> WhooshIndex:
        return WhooshIndex(self)

    def alias(self) -> str | None:
        """The name of this backend in ``WAGTAILSEARCH_BACKENDS`` (for queued tasks)."""
        from modelsearch.conf import get_app_config

        for name, conf in get_app_config().get_search_backend_config().items():
            ours = conf.get("BACKEND") in (__name__, f"{__name__}.SearchBackend") and conf.get("PATH")
            if ours and Path(conf["PATH"]).resolve() == self.handle.path:
                return name
        return None

    # opening, recovering

    def _open_index(self):
        """The live index. A broken index is rebuilt from the database at once (searches
        then return results again). A missing index is created empty and filled from the
        database by a task scheduled after the current transaction commits, so the request
        that noticed it does no extra work."""
        try:
            index = self.handle.open(self.build_schema)
        except LockError:
            raise
        except Exception as exc:
            if not self.auto_recover:
                raise
            self.recover(f"cannot open the index: {exc!r}")
            return self.handle.open(self.build_schema)
        if index is None:
            if self._create_empty() and self.auto_recover:
                self._schedule_rebuild("no index yet")
            index = self.handle.open(self.build_schema)
        return index

    def _create_empty(self) -> bool:
        """Create an empty index if there is none; True if this call created it."""
        with self.handle.file_lock():
            if self.handle.read_pointer() is not None:
                return False
            generation = _new_generation_name()
            (self.path / generation).mkdir(parents=True)
            windex.create_in(str(self.path / generation), self.build_schema(), indexname=INDEX_NAME)
            self.handle.write_pointer(generation)
        self.handle.close()
        return True

    def _schedule_rebuild(self, reason: str) -> None:
        from django.db import transaction

        from search import tasks

        logger.warning("search index at %s: %s; a rebuild from the database is scheduled", self.path, reason)
        alias = self.alias()
        if alias is None:
            transaction.on_commit(self.rebuild)
        else:
            transaction.on_commit(lambda: tasks.rebuild_index.enqueue(alias))

    def recover(self, reason: str) -> None:
        """Rebuild the index from the database (one process at a time; a process that waited
        for another's rebuild uses its result)."""
        seen = self.handle.read_pointer()
        with self.handle.file_lock():
            current = self.handle.read_pointer()
            if current is not None and current != seen:
                self.handle.close()
                return
            logger.warning("search index at %s: %s; rebuilding it from the database", self.path, reason)
            self.handle.close()
            self.rebuild()

    def rebuild(
        self, *, procs: int | None = None, progress: Callable[[Any, int, int], None] | None = None
    ) -> int:
        """Index every indexed model into a new generation and swap it in. Returns the count."""
        index = WhooshIndex(self)
        indexed_models = get_indexed_models()
        expected = None if procs is not None else count_indexed_documents()
        rebuilder = WhooshIndexRebuilder(index, procs=procs, expected_docs=expected)
        rebuilt = rebuilder.start()
        try:
            for model in indexed_models:
                done = 0
                for chunk in _chunks(model.get_indexed_objects().order_by("pk"), 1000):
                    rebuilt.add_items(model, chunk)
                    done += len(chunk)
                    if progress:
                        progress(model, done, rebuilt.added)
            rebuilder.finish(rebuilt)
        except BaseException:
            rebuilder.abort(rebuilt)
            raise
        return rebuilt.added

    def reset_index(self) -> None:
        """Replace the index by an empty one."""
        with self.handle.file_lock():
            generation = _new_generation_name()
            (self.path / generation).mkdir(parents=True)
            windex.create_in(str(self.path / generation), self.build_schema(), indexname=INDEX_NAME)
            previous = self.handle.read_pointer()
            self.handle.write_pointer(generation)
        self.handle.close()
        self.remove_old_generations(keep={generation, previous})

    def remove_old_generations(self, keep: set) -> None:
        """Remove generation folders except those in ``keep`` (the live one and the previous,
        which another process may still be reading until its next search)."""
        for entry in self.path.glob("gen-*"):
            marker = self.path / REBUILD_MARKER
            building = marker.read_text().strip() if marker.exists() else None
            if entry.name not in keep and entry.name != building and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)

    def with_searcher(self, fn: Callable):
        """Run ``fn(searcher)`` on this thread's reused searcher; a broken index is rebuilt
        from the database and the search retried once."""
        try:
            self._open_index()
            searcher = self.handle.searcher(self.build_schema, self.weighting)
            return fn(searcher)
        except (FilterError, NotImplementedError, LockError):
            raise
        except Exception as exc:
            if not self.auto_recover:
                raise
            logger.exception("search on the index at %s failed", self.path)
            self.recover(f"search failed: {exc!r}")
            self.handle.close()
            self._open_index()
            searcher = self.handle.searcher(self.build_schema, self.weighting)
            return fn(searcher)

    # writing

    def write(self, operations: list) -> None:
        """Apply ``("add", model, objects)`` / ``("delete", model, pks)`` operations.

        Waits up to ``WRITER_TIMEOUT`` for the writer lock; if it is still held (a rebuild or
        another process writing), the operations are retried later by a queued task (ids only)
        or, when tasks run in-process, by a background thread. Never raises ``LockError``."""
        prepared = self._prepare(operations)
        try:
            self._apply(prepared, timeout=self.writer_timeout)
        except LockError:
            self._defer(prepared)

    def _prepare(self, operations: list) -> list[tuple[str, Any, list[str], list[dict]]]:
        """(op, model, pks, documents): documents are built before the writer lock is taken
        (reading related rows happens here, in the caller's thread and transaction)."""
        prepared = []
        for op, model, payload in operations:
            if op == "add":
                builder = DocumentBuilder(model)
                docs = [builder.build(obj) for obj in payload]
                prepared.append((op, model, [str(obj.pk) for obj in payload], docs))
            else:
                prepared.append((op, model, [str(pk) for pk in payload], []))
        return prepared

    def _apply(self, prepared: list, timeout: float) -> None:
        index = self._open_index()
        generation = self.handle.generation
        writer = index.writer(timeout=timeout, delay=0.05, limitmb=self.limitmb)
        try:
            for op, model, pks, docs in prepared:
                if op == "add":
                    for doc in docs:
                        writer.update_document(**doc)
                else:
                    for pk in pks:
                        writer.delete_by_term("doc_id", document_id(model, pk))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self.handle.invalidate()
        self._journal(prepared, generation)

    def _journal(self, prepared: list, generation: str | None) -> None:
        """While a rebuild runs, note what changed so that the new generation catches up."""
        marker = self.path / REBUILD_MARKER
        try:
            building = marker.read_text().strip()
        except FileNotFoundError:
            return
        if not building or building == generation:
            return
        lines = []
        for _op, model, pks, _docs in prepared:
            lines.extend(f"{model._meta.label}\t{pk}\n" for pk in pks)
        try:
            with open(self.path / building / JOURNAL_FILE, "a") as journal:
                journal.write("".join(lines))
        except FileNotFoundError:
            pass

    def replay_journal(self, generation: str) -> None:
        path = self.path / generation / JOURNAL_FILE
        if not path.exists():
            return
        by_model: dict[str, set[str]] = {}
        for line in path.read_text().splitlines():
            label, _, pk = line.partition("\t")
            if label and pk:
                by_model.setdefault(label, set()).add(pk)
        path.unlink()
        for label, pks in by_model.items():
            self.update_ids(apps.get_model(label), sorted(pks))

    def update_ids(self, model, pks: list) -> None:
        """Re-read objects by primary key and index them; ids no longer indexable are removed."""
        objects = list(model.get_indexed_objects().filter(pk__in=pks))
        objects = [obj.get_indexed_instance() or obj for obj in objects]
        found = {str(obj.pk) for obj in objects}
        gone = [pk for pk in pks if str(pk) not in found]
        operations = []
        if objects:
            operations.append(("add", model, objects))
        if gone:
            operations.append(("delete", model, gone))
        if operations:
            self.write(operations)

    def delete_ids(self, model, pks: list) -> None:
        """Remove documents off the request path: queued as a task with ids when tasks are
        queued; applied at once when tasks run in-process."""
        from search import tasks

        alias = self.alias()
        if alias is None:
            self.write([("delete", model, list(pks))])
            return
        tasks.delete_documents.enqueue(alias, model._meta.label, [str(pk) for pk in pks])

    def _defer(self, prepared: list) -> None:
        from django_tasks import default_task_backend

        from search import tasks

        alias = self.alias()
        if alias is not None and getattr(default_task_backend, "supports_defer", False):
            run_after = timezone.now() + datetime.timedelta(seconds=5)
            for op, model, pks, _docs in prepared:
                task = tasks.index_documents if op == "add" else tasks.delete_documents
                task.using(run_after=run_after).enqueue(alias, model._meta.label, pks)
            logger.warning("search index busy: %d operation(s) queued for later", len(prepared))
            return
        logger.warning("search index busy: %d operation(s) retried in the background", len(prepared))
        _RetryThread(self, prepared).start()

    # optional helpers (see the module docstring)

    def highlight(self, text: str, query: str, *, max_chars: int = 240) -> str:
        """An escaped snippet of ``text`` around the query's terms, matches in ``<mark>``."""
        text = text or ""
        terms = {t.text for t in self.text_analyzer(query or "")}
        tokens = [
            (t.startchar, t.endchar)
            for t in self.text_analyzer(text, chars=True, removestops=True)
            if t.text in terms
        ]
        if not tokens:
            snippet = text[:max_chars]
            return html.escape(snippet + ("…" if len(text) > max_chars else ""))
        first = tokens[0][0]
        start = max(0, first - max_chars // 3)
        if start > 0:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space != -1 and first - space < max_chars // 2 else start
        end = min(len(text), start + max_chars)
        out = ["…" if start > 0 else ""]
        cursor = start
        for s, e in tokens:
            if s < start or e > end:
                continue
            out.append(html.escape(text[cursor:s]))
            out.append(f"<mark>{html.escape(text[s:e])}</mark>")
            cursor = e
        out.append(html.escape(text[cursor:end]))
        if end < len(text):
            out.append("…")
        return "".join(out)

    def suggest(self, query: str) -> str | None:
        """A corrected query ("did you mean"), or ``None``."""
        words = re.findall(r"\w+", query or "")
        if not words:
            return None

        def run(searcher):
            reader = searcher.reader()
            corrector = searcher.corrector("doc_spell")
            changed = False
            corrected = []
            for word in words:
                lowered = word.lower()
                if len(lowered) < 3 or lowered.isdigit() or reader.doc_frequency("doc_spell", lowered):
                    corrected.append(word)
                    continue
                suggestions = corrector.suggest(lowered, limit=1, maxdist=2, prefix=1)
                if suggestions:
                    corrected.append(suggestions[0])
                    changed = True
                else:
                    corrected.append(word)
            return " ".join(corrected) if changed else None

        return self.with_searcher(run)


def _chunks(queryset, size: int) -> Iterator[list]:
    """The rows of ``queryset`` in primary-key order, ``size`` at a time.

    Keyset pagination (``pk > last``): each query starts where the previous one ended, where
    ``OFFSET`` would make the database walk past every row already read (quadratic on large
    tables)."""
    queryset = queryset.order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        chunk = list(page[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk
