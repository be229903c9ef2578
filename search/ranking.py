"""How results from the FAQ, the community and the categories are merged into one ranked list.

This is the one place the site's relevance policy lives. Each source (FAQ articles, topics,
categories) is searched through the standard ``.search()`` API with ``annotate_score``, so the
backend ranks within a source (BM25F on whoosh, BM25 or ts_rank on the database backends,
BM25 on Elasticsearch). Merging then works the same on every backend:

1. **Relevance** of a hit is its backend score divided by the best absolute score of the whole
   search (all sources together), so it lies in (0, 1]. Backends disagree on sign (SQLite's FTS5
   scores are negative, lower is better) but agree on magnitude ordering, so the absolute value
   is used. When a backend gives no scores at all, relevance falls back to the hit's rank
   within its source: ``1 / (1 + RANK_DECAY * rank)``.
2. **Boosts** multiply relevance, because an answer that is known to be right is worth more to
   the person searching than an open thread that merely matches:

   ===============================  ====================================
   FAQ article                      ``FAQ_ARTICLE_BOOST`` (1.6)
   topic with an official answer    ``OFFICIAL_ANSWER_BOOST`` (1.4)
   topic with an accepted answer    ``ACCEPTED_ANSWER_BOOST`` (1.25)
   topic marked solved by staff     ``ACCEPTED_ANSWER_BOOST`` (1.25)
   a category                       ``CATEGORY_BOOST`` (0.8)
   any other topic                  1.0
   ===============================  ====================================

   Boosts do not stack: a topic with both an official and an accepted answer gets 1.4.
3. Ties keep the backend's own order (FAQ first, then topics, then categories).

For similar questions (a draft title), ``title_overlap`` adds a bonus for stemmed title words
shared with the draft, weighted by how rare each word is among the candidates; see
``rerank_similar``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

FAQ_ARTICLE_BOOST = 1.6
OFFICIAL_ANSWER_BOOST = 1.4
ACCEPTED_ANSWER_BOOST = 1.25
CATEGORY_BOOST = 0.8
RANK_DECAY = 0.15
#: Weight of the title-overlap bonus against backend relevance in similar questions. The
#: backend already counts title words (``Topic.search_fields``), so this only breaks near-ties.
TITLE_OVERLAP_WEIGHT = 0.25


class Rankable(Protocol):
    type: str  # "faq", "topic" or "category"
    has_official_answer: bool
    has_accepted_answer: bool
    status: str
    score: float | None
    rank: int
    relevance: float
    final_score: float


R = TypeVar("R", bound=Rankable)


def boost_for(hit: Rankable) -> float:
    """The multiplier a hit earns for what it is (see the module docstring)."""
    if hit.type == "faq":
        return FAQ_ARTICLE_BOOST
    if hit.type == "category":
        return CATEGORY_BOOST
    if hit.has_official_answer:
        return OFFICIAL_ANSWER_BOOST
    if hit.has_accepted_answer or hit.status == "solved":
        return ACCEPTED_ANSWER_BOOST
    return 1.0


def assign_relevance(hits: Sequence[Rankable]) -> None:
    """Set ``relevance`` on every hit from its backend score (or rank), in place."""
    scored = [abs(h.score) for h in hits if isinstance(h.score, int | float) and not math.isnan(h.score)]
    best = max(scored, default=0.0)
    for hit in hits:
        if best > 0 and isinstance(hit.score, int | float) and not math.isnan(hit.score):
            hit.relevance = abs(hit.score) / best
        else:
            hit.relevance = 1.0 / (1.0 + RANK_DECAY * hit.rank)


def merge(sources: Iterable[Sequence[R]]) -> list[R]:
    """One list, best first: relevance times boost (see the module docstring)."""
    ordered: list[R] = []
    for source in sources:
        ordered.extend(source)
    assign_relevance(ordered)
    for hit in ordered:
        hit.final_score = hit.relevance * boost_for(hit)
    # sorted() is stable: equal scores keep source order, then the backend's order.
    return sorted(ordered, key=lambda h: -h.final_score)


def title_overlap(query_stems: set[str], title_stems: set[str], idf: dict[str, float]) -> float:
    """Share of the draft's (idf-weighted) stems that the candidate's title also has, in [0, 1]."""
    if not query_stems:
        return 0.0
    total = sum(idf.get(s, 1.0) for s in query_stems)
    shared = sum(idf.get(s, 1.0) for s in query_stems & title_stems)
    return shared / total if total else 0.0


def rerank_similar(hits: list[R], query_stems: set[str], title_stems: list[set[str]]) -> list[R]:
    """Similar questions: merged relevance plus ``TITLE_OVERLAP_WEIGHT`` times title overlap.

    A draft title is usually worded like the title of the thread that answers it, so the
    title's words count again here, weighted by rarity among the candidates (a word most
    candidates share says little)."""
    merged_order = merge([hits])
    stems_by_hit = {id(h): s for h, s in zip(hits, title_stems, strict=True)}
    n = len(hits) or 1
    df: dict[str, int] = {}
    for stems in title_stems:
        for s in stems & query_stems:
            df[s] = df.get(s, 0) + 1
    idf = {s: math.log(1 + n / (1 + c)) + 0.5 for s, c in df.items()}
    for s in query_stems:
        idf.setdefault(s, math.log(1 + n) + 0.5)
    for hit in merged_order:
        hit.final_score += TITLE_OVERLAP_WEIGHT * title_overlap(query_stems, stems_by_hit[id(hit)], idf)
    return sorted(merged_order, key=lambda h: -h.final_score)
