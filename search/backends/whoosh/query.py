"""Query compilers: modelsearch's query objects and filters turned into whoosh queries."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models.sql.constants import MULTI, SINGLE
from django.db.models.sql.query import Query as SqlQuery

from modelsearch.backends.base import (
    BaseSearchQueryCompiler,
)
from modelsearch.index import (
    AutocompleteField,
    RelatedFields,
    SearchField,
    get_indexed_models,
)
from modelsearch.query import And, Boost, Fuzzy, MatchAll, Not, Or, Phrase, PlainText

from whoosh import query as wq
from whoosh import sorting

from search.backends.whoosh.schema import (
    AUTOCOMPLETE_PREFIX,
    NGRAM_MAX,
    STR_PREFIX,
    TEXT_PREFIX,
    _filter_kind,
    _qualified_name,
    clean_filter_value,
)

if TYPE_CHECKING:
    from search.backends.whoosh.backend import SearchBackend


# --- query compilation -------------------------------------------------------------------------


class WhooshSearchQueryCompiler(BaseSearchQueryCompiler):
    """Compiles a modelsearch query and the queryset's filters and ordering to whoosh queries."""

    DEFAULT_OPERATOR = "or"
    field_prefix = TEXT_PREFIX

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = self.queryset.model
        self._backend: SearchBackend | None = None

    @property
    def backend(self) -> SearchBackend:
        """The backend compiling this query (set by ``get_text_query``)."""
        if self._backend is None:
            raise RuntimeError("the text query is compiled through get_text_query(backend)")
        return self._backend

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
        return [t.text for t in self.backend.text_analyzer(text)]

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
        parts = [self._per_field(functools.partial(_term, word), fields) for word in _unique(words)]
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
        return [t.text[:NGRAM_MAX] for t in self.backend.word_analyzer(text)]

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


def _term(word: str, name: str, boost: float) -> wq.Query:
    return wq.Term(name, word, boost=boost)


def _boosted(query: wq.Query, boost: float) -> wq.Query:
    query = query.copy() if hasattr(query, "copy") else query
    query.boost = query.boost * boost
    return query


def _unique(words: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word, None)
    return list(seen)
