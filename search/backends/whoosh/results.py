"""Results: hits in relevance order (the numpy scorer first, whoosh's matchers otherwise),
counts, docsets for filters, and facets.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

from modelsearch.backends.base import (
    BaseSearchResults,
    FilterFieldError,
)

from whoosh import query as wq

from search.backends.whoosh import scoring
from search.backends.whoosh.query import WhooshSearchQueryCompiler
from search.backends.whoosh.schema import restore_filter_value

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
        """Relevance-ordered hits scored with numpy (``scoring``): the same scores and order
        as whoosh's own search, many times faster for common words; ``None`` when the query has
        a part that module does not score."""
        text_query, filter_query = self._queries()
        allowed = filter_docset(searcher, filter_query)
        found = scoring.score_query(searcher, self.backend.weighting, text_query, allowed, limit)
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
                counted = scoring.facet_counts(searcher, name, present)
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
