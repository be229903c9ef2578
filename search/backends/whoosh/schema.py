"""Analysis, the schema and the documents: how a model instance becomes a whoosh document.

Field names carry a prefix per kind (``s__`` searchable text, ``a__`` autocomplete n-grams,
``fi__``/``ff__``/``fs__`` integer, float and string filters); filter values are normalised
the same way when indexed and when queried (``clean_filter_value``).
"""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from modelsearch.backends.base import (
    get_model_root,
)
from modelsearch.index import (
    AutocompleteField,
    FilterField,
    RelatedFields,
    SearchField,
)

from whoosh import fields as wf
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.columns import NumericColumn
from whoosh.lang import has_stemmer, stopwords_for_language
from whoosh.support.charset import accent_map

INDEX_NAME = "MAIN"
POINTER_FILE = "CURRENT"
REBUILD_MARKER = "REBUILDING"
JOURNAL_FILE = "journal"
LOCK_FILE = ".lock"
NGRAM_MAX = 20
EPOCH = datetime.datetime(1970, 1, 1)
FLOAT_SCALE = 1_000_000  # floats are indexed as integers in millionths

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
        for name, parts in text_parts.items():
            text = "\n".join(p for p in parts if p)
            if text.strip():
                doc[name] = text
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
                values: list[Any] = []
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
