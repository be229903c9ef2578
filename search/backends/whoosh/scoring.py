"""Scoring of plain word queries with numpy: the same BM25F scores as whoosh, computed over whole
posting blocks instead of one matcher step per posting.

whoosh walks a query's matcher tree in pure Python, one document at a time: a common word in a
large community means hundreds of thousands of steps for one search. The queries this project
sends for plain text are ``Or`` and ``And`` trees of ``Term`` queries on stemmed text fields
(``WhooshSearchQueryCompiler._compile_plaintext``); for those, :func:`score_query` reads each
term's postings a block at a time into arrays and adds up BM25F exactly as whoosh does:

    score(term in field) = boost * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * fl / avgfl))

with whoosh's own ``idf`` and average field length, its one-byte field lengths, sums for ``Or``
and ``And`` (an ``And`` keeps only documents every part matches), and boosts multiplied down the
tree. Anything else (phrases, fuzzy words, numeric ranges, a ``Not``) is not handled here:
:func:`score_query` returns ``None`` and the caller searches with whoosh as before. Results are
ordered by score, ties by document number, as whoosh orders them.

numpy is a requirement of the site; should it be missing, every search takes whoosh's own path.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.reading import TermNotFound

from search.backends.whoosh import patches

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is in requirements.txt; whoosh's path still works
    np = None  # type: ignore[assignment]

logger = logging.getLogger("search.whoosh")

_LENGTH_TABLE = None


class Unsupported(Exception):
    """The query has a part this module does not score (the caller falls back to whoosh)."""


def available() -> bool:
    return np is not None


def _length_table():
    global _LENGTH_TABLE
    if _LENGTH_TABLE is None:
        _LENGTH_TABLE = np.array([whoosh3.byte_to_length(b) for b in range(256)], dtype=np.float64)
    return _LENGTH_TABLE


def _segment_lengths(reader, fieldname: str):
    """One segment's field lengths (whoosh's one-byte encoding, decoded), by document number."""
    cache = reader.__dict__.setdefault("_community_length_arrays", {})
    if fieldname in cache:
        return cache[fieldname]
    column = patches.length_column(reader._perdoc, fieldname)
    count = reader.doc_count_all()
    raw = patches.column_bytes(column)
    if column is None:
        lengths = np.zeros(count, dtype=np.float64)
    elif raw is not None:
        codes = np.frombuffer(raw, dtype=np.uint8)
        if len(codes) < count:
            codes = np.concatenate([codes, np.zeros(count - len(codes), dtype=np.uint8)])
        lengths = _length_table()[codes[:count]]
    else:  # another column layout: whoosh's own per-document lookup
        lengths = np.array(
            [reader.doc_field_length(d, fieldname) or 0 for d in range(count)], dtype=np.float64
        )
    cache[fieldname] = lengths
    return lengths


def _postings(reader, fieldname: str, text: str):
    """(document numbers, term frequencies) of one term in one segment, as arrays."""
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return None
    if not isinstance(matcher, whoosh3.W3LeafMatcher):
        found_ids: list[int] = []
        found_weights: list[float] = []
        while matcher.is_active():
            found_ids.append(matcher.id())
            found_weights.append(matcher.weight())
            matcher.next()
        return np.asarray(found_ids, dtype=np.int64), np.asarray(found_weights, dtype=np.float64)
    id_parts = []
    weight_parts = []
    while matcher.is_active():
        # A block's data is (ids, weights, values): ids delta-encoded unless stored as bytes,
        # weights None (all 1), one float for all, or an array; decoded here with numpy
        # rather than whoosh's generator over every posting.
        if matcher._data is None:
            matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        ids = np.asarray(raw_ids, dtype=np.int64)
        id_parts.append(ids if matcher._byteids else np.cumsum(ids))
        if raw_weights is None:
            weight_parts.append(np.ones(len(ids), dtype=np.float64))
        elif isinstance(raw_weights, float):
            weight_parts.append(np.full(len(ids), raw_weights, dtype=np.float64))
        else:
            weight_parts.append(np.asarray(raw_weights, dtype=np.float64))
        if matcher._lastblock:
            break
        matcher._next_block()
    if not id_parts:
        return None
    return np.concatenate(id_parts), np.concatenate(weight_parts)


#: Decoded postings kept per searcher (a segment never changes once written; a new searcher
#: comes with a changed index), most recently used last, up to this many bytes.
POSTINGS_CACHE_BYTES = 32 * 1024 * 1024


def _cached_postings(searcher, leaf_number: int, leaf, fieldname: str, text: str):
    """``_postings`` remembered on the searcher: the common words of typed titles ("error",
    "account", "login") recur from one search to the next."""
    cache = searcher.__dict__.get("_community_postings")
    if cache is None:
        cache = searcher._community_postings = OrderedDict()
        searcher._community_postings_bytes = 0
    key = (leaf_number, fieldname, text)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    found = _postings(leaf, fieldname, text)
    if found is not None:
        found = (found[0].astype(np.int32), found[1].astype(np.float32))
    size = 0 if found is None else found[0].nbytes + found[1].nbytes
    if size <= POSTINGS_CACHE_BYTES // 4:
        cache[key] = found
        searcher._community_postings_bytes += size
        while searcher._community_postings_bytes > POSTINGS_CACHE_BYTES and cache:
            _old, dropped = cache.popitem(last=False)
            if dropped is not None:
                searcher._community_postings_bytes -= dropped[0].nbytes + dropped[1].nbytes
    return found


class _Scorer:
    def __init__(self, searcher, weighting):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.leaves = list(self.reader.leaf_readers())
        self.B = float(getattr(weighting, "B", 0.75))
        self.K1 = float(getattr(weighting, "K1", 1.2))
        self.field_B = dict(getattr(weighting, "_field_B", {}))

    def term(self, fieldname: str, text: str, boost: float):
        scores = np.zeros(self.size, dtype=np.float64)
        matched = np.zeros(self.size, dtype=bool)
        if fieldname not in self.searcher.schema or not self.searcher.schema[fieldname].scorable:
            raise Unsupported(fieldname)
        if (fieldname, text) not in self.reader:
            return scores, matched
        idf = self.searcher.idf(fieldname, text)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        B = self.field_B.get(fieldname, self.B)
        K1 = self.K1
        for number, (leaf, offset) in enumerate(self.leaves):
            found = _cached_postings(self.searcher, number, leaf, fieldname, text)
            if found is None:
                continue
            ids, tf = found[0].astype(np.int64), found[1].astype(np.float64)
            fl = _segment_lengths(leaf, fieldname)[ids]
            part = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
            scores[ids + offset] = part * boost
            matched[ids + offset] = True
        return scores, matched

    def evaluate(self, q, boost: float = 1.0):
        if q is wq.NullQuery:
            return np.zeros(self.size, dtype=np.float64), np.zeros(self.size, dtype=bool)
        kind = type(q)
        own = float(getattr(q, "boost", 1.0) or 1.0)
        if kind is wq.Term:
            return self.term(q.fieldname, q.text, boost * own)
        if isinstance(q, wq.Or) and not getattr(q, "minmatch", 0) and getattr(q, "scale", None) is None:
            scores = np.zeros(self.size, dtype=np.float64)
            matched = np.zeros(self.size, dtype=bool)
            for sub in q.subqueries:
                s, m = self.evaluate(sub, boost * own)
                scores += s
                matched |= m
            return scores, matched
        if type(q) is wq.And:
            scores = np.zeros(self.size, dtype=np.float64)
            matched = np.ones(self.size, dtype=bool)
            for sub in q.subqueries:
                if isinstance(sub, wq.Not):
                    raise Unsupported("Not")
                s, m = self.evaluate(sub, boost * own)
                scores += s
                matched &= m
            return scores, matched
        raise Unsupported(type(q).__name__)


def allowed_mask(searcher, docnums: set[int]):
    """``docnums`` as a boolean array over the searcher's documents, cached per searcher."""
    cache = getattr(searcher, "_community_masks", None)
    if cache is None:
        cache = searcher._community_masks = {}
    key = id(docnums)
    found = cache.get(key)
    if found is not None and found[0] is docnums:
        return found[1]
    mask = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
    if docnums:
        mask[np.fromiter(docnums, dtype=np.int64, count=len(docnums))] = True
    if len(cache) > 64:
        cache.clear()
    cache[key] = (docnums, mask)
    return mask


def score_query(searcher, weighting, text_query, allowed: set[int], limit: int | None) -> Any:
    """The best ``limit`` (document number, score) pairs for ``text_query`` among ``allowed``,
    best first, and every matching document number (an array); ``None`` when the query has a
    part that is not scored here."""
    if np is None:
        return None
    try:
        scores, matched = _Scorer(searcher, weighting).evaluate(text_query)
    except Unsupported:
        return None
    matched &= allowed_mask(searcher, allowed)
    candidates = every = np.flatnonzero(matched)
    total = int(candidates.size)
    if not total:
        return [], every
    values = scores[candidates]
    if limit is not None and limit < total:
        # The limit-th best score, then every document at least that good (ties kept).
        kth = np.partition(values, total - limit)[total - limit]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))
    if limit is not None:
        order = order[:limit]
    return [(int(candidates[i]), float(values[i])) for i in order], every


def _leaf_codes(leaf, fieldname: str):
    """One segment's values of a single-valued column as (codes by document number, values),
    read once and kept on the segment reader (a segment never changes once written)."""
    cache = leaf.__dict__.setdefault("_community_facet_codes", {})
    if fieldname in cache:
        return cache[fieldname]
    column = leaf.column_reader(fieldname, translate=True)
    index: dict = {}
    codes = np.fromiter(
        (index.setdefault(column[d], len(index)) for d in range(leaf.doc_count_all())),
        dtype=np.int64,
        count=leaf.doc_count_all(),
    )
    found = cache[fieldname] = (codes, list(index))
    return found


def facet_counts(searcher, fieldname: str, docnums: set[int]) -> dict | None:
    """How many of ``docnums`` have each value of a single-valued column field, counted with
    numpy over per-segment value codes; ``None`` without numpy (the caller counts itself)."""
    if np is None:
        return None
    counts: dict = {}
    if not docnums:
        return counts
    ids = np.sort(np.fromiter(docnums, dtype=np.int64, count=len(docnums)))
    for leaf, offset in searcher.reader().leaf_readers():
        size = leaf.doc_count_all()
        lo, hi = np.searchsorted(ids, [offset, offset + size])
        if lo == hi:
            continue
        codes, values = _leaf_codes(leaf, fieldname)
        tally = np.bincount(codes[ids[lo:hi] - offset], minlength=len(values))
        for code in np.flatnonzero(tally):
            value = values[code]
            counts[value] = counts.get(value, 0) + int(tally[code])
    return counts
