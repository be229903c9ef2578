"""Reads behind the search page and the similar-questions endpoint.

``site_search`` runs one query over the FAQ, the community and the categories and returns one
ranked list (see ``search.ranking``), facet counts and a spelling suggestion.
``similar_questions`` is the cheap path used while someone types a new question's title: few
fields, no facets, no snippets, cached per normalised query for ``SEARCH_SIMILAR_CACHE_SECONDS``
(the cache key carries the versions of the lists, the FAQ and the search index from
``forum.cache``, so a hidden topic drops out as soon as the lists show it gone).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from forum.models import Category, Post, Topic
from search import ranking, semantic, spelling
from search.snippets import highlight, snippet
from search.sources import (
    TOPIC_FIELDS,
    Hit,
    category_hit,
    faq_hit,
    faq_model,
    restricted_paths,
    topic_hit,
)
from search.text import backend_query, cache_key_for, query_terms, stem, tokenize

TOPIC_KINDS = tuple(Topic.Kind.values)
TYPE_CHOICES = ("faq", *TOPIC_KINDS, "category")
STATUS_CHOICES = tuple(Topic.Status.values)


def merge_depth() -> int:
    """How many hits each source contributes to the merged list (pages beyond are not shown)."""
    return getattr(settings, "SEARCH_MERGE_DEPTH", 200)


@dataclass
class Filters:
    type: str = ""
    category: Category | None = None
    status: str = ""

    @property
    def any(self) -> bool:
        return bool(self.type or self.category or self.status)

    @property
    def wants_faq(self) -> bool:
        return self.type in ("", "faq") and self.category is None and not self.status

    @property
    def wants_topics(self) -> bool:
        return self.type in ("", *TOPIC_KINDS)

    @property
    def wants_categories(self) -> bool:
        return self.type in ("", "category") and self.category is None and not self.status


@dataclass
class SearchOutcome:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    matched_all_words: bool = True
    suggestion: str | None = None
    type_counts: dict[str, int] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)
    category_counts: list[tuple[Category, int]] = field(default_factory=list)
    corrected_from: str = ""

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)


def _visible_topics(filters: Filters):
    queryset = Topic.objects.visible()
    if filters.type in TOPIC_KINDS:
        queryset = queryset.filter(kind=filters.type)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.category is not None:
        queryset = queryset.filter(category_id=filters.category.pk)
    return queryset.only(*TOPIC_FIELDS)


def _live_faq():
    model = faq_model()
    if model is None:
        return None
    return model.objects.live()


def _run(queryset, query: str, operator: str, depth: int) -> tuple[list, int, object]:
    results = queryset.search(query, operator=operator).annotate_score("_score")
    objects = list(results[:depth])
    total = len(objects) if len(objects) < depth else results.count()
    return objects, total, results


def _drop_restricted(pages: list) -> tuple[list, int]:
    paths = restricted_paths() if pages else []
    if not paths:
        return pages, 0
    kept = [p for p in pages if not any(p.path.startswith(path) for path in paths)]
    return kept, len(pages) - len(kept)


def _facet(results, field_name: str) -> dict:
    try:
        return {k: v for k, v in results.facet(field_name).items() if v}
    except NotImplementedError:  # a backend without facets: counts are left out
        return {}


def site_search(raw_query: str, filters: Filters | None = None, *, autocorrect: bool = True) -> SearchOutcome:
    """Everything the search page shows for ``raw_query`` (already normalised) and ``filters``.

    When nothing at all matches and the spelling suggestion finds results, those are returned
    instead, with ``corrected_from`` set to what was typed (the page offers the original too).

    All words must match (operator "and"); when nothing matches and the query has several words,
    any word may match instead and ``matched_all_words`` is False. Hidden topics, draft and
    private pages are never searched.
    """
    filters = filters or Filters()
    terms = query_terms(raw_query)
    outcome = SearchOutcome(query=raw_query, terms=terms)
    query = backend_query(raw_query)
    if not query:
        return outcome
    outcome.suggestion = spelling.suggest(raw_query)
    if outcome.suggestion and tokenize(outcome.suggestion) == tokenize(raw_query):
        outcome.suggestion = None

    for operator in ("and", "or"):
        _search_sources(outcome, query, operator, filters)
        if outcome.total or len(terms) < 2:
            break
        outcome.matched_all_words = False
    if not outcome.total:
        outcome.matched_all_words = True
        if outcome.suggestion and autocorrect:
            corrected = site_search(outcome.suggestion, filters, autocorrect=False)
            if corrected.total:
                corrected.corrected_from = raw_query
                return corrected
    return outcome


def site_search_cached(
    raw_query: str, filters: Filters | None = None, *, autocorrect: bool = True
) -> SearchOutcome:
    """``site_search``, kept ``SEARCH_RESULTS_CACHE_SECONDS`` per query and filters.

    The key carries the versions (``forum.cache``) of the lists, the FAQ and the search index
    (moved when an index task has written, including a background re-index), so a cached
    outcome is not served after the content it shows has changed. The outcome holds the
    merged ranking and the facet counts; the view still fetches the shown page's snippets."""
    from forum.cache import FAQ, LISTS, SEARCH, versions

    filters = filters or Filters()
    seconds = getattr(settings, "SEARCH_RESULTS_CACHE_SECONDS", 60)
    if seconds <= 0:
        return site_search(raw_query, filters, autocorrect=autocorrect)
    parts = (
        cache_key_for(raw_query),
        raw_query,
        filters.type,
        filters.category.pk if filters.category else None,
        filters.status,
        autocorrect,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    key = f"search:outcome:{versions(LISTS, FAQ, SEARCH)}:{digest}"
    outcome = cache.get(key)
    if outcome is None:
        outcome = site_search(raw_query, filters, autocorrect=autocorrect)
        cache.set(key, outcome, seconds)
    return outcome


def _search_sources(outcome: SearchOutcome, query: str, operator: str, filters: Filters) -> None:
    depth = merge_depth()
    groups: list[list[Hit]] = []
    total = 0
    type_counts: dict[str, int] = {}

    faq_qs = _live_faq() if filters.wants_faq else None
    if faq_qs is not None:
        pages, faq_total, _ = _run(faq_qs, query, operator, depth)
        pages, dropped = _drop_restricted(pages)
        faq_total -= dropped
        groups.append([faq_hit(page, rank) for rank, page in enumerate(pages)])
        total += faq_total
        if faq_total:
            type_counts["faq"] = faq_total

    status_counts: dict[str, int] = {}
    category_counts: list[tuple[Category, int]] = []
    if filters.wants_topics:
        topics, topic_total, results = _run(_visible_topics(filters), query, operator, depth)
        total += topic_total
        if topic_total:
            kinds = _facet(results, "kind") if not filters.type else {filters.type: topic_total}
            type_counts.update({k: kinds[k] for k in TOPIC_KINDS if kinds.get(k)})
            status_counts = _facet(results, "status") if not filters.status else {filters.status: topic_total}
            if filters.category is None:
                by_id = _facet(results, "category_id")
                names = {c.pk: c for c in Category.objects.filter(pk__in=list(by_id))}
                category_counts = [(names[pk], n) for pk, n in by_id.items() if pk in names]
                category_counts.sort(key=lambda pair: (-pair[1], pair[0].name))
            else:
                category_counts = [(filters.category, topic_total)]
        category_map = {c.pk: c.name for c, _n in category_counts}
        missing = {t.category_id for t in topics} - set(category_map)
        if missing:
            category_map.update(Category.objects.filter(pk__in=missing).values_list("pk", "name"))
        groups.append([topic_hit(topic, rank, category_map) for rank, topic in enumerate(topics)])

    if filters.wants_categories:
        categories, category_total, _ = _run(Category.objects.all(), query, operator, depth)
        groups.append([category_hit(category, rank) for rank, category in enumerate(categories)])
        total += category_total
        if category_total:
            type_counts["category"] = category_total

    outcome.hits = ranking.merge(groups)
    outcome.total = total
    outcome.type_counts = type_counts
    outcome.status_counts = {s: status_counts[s] for s in STATUS_CHOICES if status_counts.get(s)}
    outcome.category_counts = category_counts


def decorate_page(hits: list[Hit], terms: list[str]) -> None:
    """Add highlighted titles and snippets to the hits shown on one page (one query for the
    topics' question and answer texts)."""
    post_ids: set[int] = set()
    for hit in hits:
        if hit.type == "topic":
            topic = hit.obj
            post_ids.update(
                pk for pk in (topic.first_post_id, topic.official_answer_id, topic.accepted_answer_id) if pk
            )
    texts = dict(Post.objects.visible().filter(pk__in=post_ids).values_list("pk", "text")) if post_ids else {}
    for hit in hits:
        if hit.type == "topic":
            topic = hit.obj
            hit.texts = [
                texts.get(pk, "")
                for pk in (topic.first_post_id, topic.official_answer_id, topic.accepted_answer_id)
                if pk
            ]
        hit.title_html = highlight(hit.title, terms)
        hit.snippet = snippet(hit.texts, terms)


# --- similar questions ----------------------------------------------------------------------

SIMILAR_LIMIT = 5
#: Candidates fetched per source before re-ranking by title overlap.
SIMILAR_CANDIDATES = 30
SIMILAR_TOPIC_FIELDS = (
    "id",
    "title",
    "slug",
    "kind",
    "status",
    "category_id",
    "official_answer_id",
    "accepted_answer_id",
    "duplicate_of_id",
)


def generation() -> str:
    """The version of what the search index answers (``forum.cache`` scope ``search``): it
    moves when an index task has written (``search.indexing``), so answers cached before the
    index changed are not served after it."""
    from forum.cache import SEARCH, versions

    return versions(SEARCH)


def bump_generation() -> None:
    """Invalidate cached search answers (the index changed)."""
    from forum.cache import SEARCH, expire

    expire(SEARCH)


def similar_hits(
    raw_query: str, *, limit: int = SIMILAR_LIMIT, candidates: int = SIMILAR_CANDIDATES
) -> list[Hit]:
    """The FAQ articles and topics most like a draft title, best first (uncached).

    Any word may match (operator "or"); candidates are re-ranked with the title-overlap bonus
    (``search.ranking.rerank_similar``). Hidden topics and draft or private pages never appear.
    """
    query = backend_query(raw_query)
    if not query:
        return []
    candidates = max(candidates, limit)
    hits: list[Hit] = []
    faq_qs = _live_faq()
    if faq_qs is not None:
        pages = list(
            faq_qs.only("id", "title", "url_path", "path", "depth")
            .search(query, operator="or")
            .annotate_score("_score")[:candidates]
        )
        pages, _ = _drop_restricted(pages)
        hits.extend(faq_hit(page, rank, with_texts=False) for rank, page in enumerate(pages))
    topics = list(
        Topic.objects.visible()
        .only(*SIMILAR_TOPIC_FIELDS)
        .search(query, operator="or")
        .annotate_score("_score")[:candidates]
    )
    hits.extend(topic_hit(topic, rank) for rank, topic in enumerate(topics))
    query_stems = {stem(t) for t in query_terms(raw_query)}
    title_stems = [{stem(t) for t in tokenize(h.title)} for h in hits]
    ranked = ranking.rerank_similar(hits, query_stems, title_stems)
    if semantic.enabled():
        ranked = _blend_semantic(raw_query, ranked, candidates)
    return _originals_for_duplicates(ranked)[:limit]


def _originals_for_duplicates(ranked: list[Hit]) -> list[Hit]:
    """A duplicate is suggested as its original (in the duplicate's place, once); a duplicate
    whose original is hidden or gone is dropped."""
    wanted = {hit.obj.duplicate_of_id for hit in ranked if hit.type == "topic" and hit.obj.duplicate_of_id}
    if not wanted:
        return ranked
    originals = {
        topic.pk: topic for topic in Topic.objects.visible().filter(pk__in=wanted).only(*SIMILAR_TOPIC_FIELDS)
    }
    seen: set[int] = set()
    out: list[Hit] = []
    for hit in ranked:
        topic = hit.obj if hit.type == "topic" else None
        if topic is not None and topic.duplicate_of_id:
            original = originals.get(topic.duplicate_of_id)
            if original is None:
                continue
            replacement = topic_hit(original, hit.rank)
            replacement.final_score = hit.final_score
            hit = replacement
            topic = original
        if topic is not None:
            if topic.pk in seen:
                continue
            seen.add(topic.pk)
        out.append(hit)
    return out


def _blend_semantic(raw_query: str, ranked: list[Hit], candidates: int) -> list[Hit]:
    """Add the topics nearest the draft by meaning and rank all candidates by
    ``(1 - w) * lexical + w * cosine``, each scaled to its best (``search.semantic``)."""
    vector = semantic.draft_vector(raw_query)
    if vector is None:
        return ranked
    index = semantic.vector_index()
    depth = max(candidates, getattr(settings, "SEARCH_SEMANTIC_CANDIDATES", 50))
    nearest = index.nearest(vector, depth)
    have = {hit.obj.pk for hit in ranked if hit.type == "topic"}
    new_ids = [pk for pk, _ in nearest if pk not in have]
    hits = list(ranked)
    if new_ids:
        order = {pk: i for i, pk in enumerate(new_ids)}
        extra = sorted(
            Topic.objects.visible().filter(pk__in=new_ids).only(*SIMILAR_TOPIC_FIELDS),
            key=lambda topic: order[topic.pk],
        )
        for topic in extra:
            hit = topic_hit(topic, len(hits))
            hit.final_score = 0.0
            hits.append(hit)
    cosines = index.cosine(vector, [hit.obj.pk for hit in hits if hit.type == "topic"])
    best_lexical = max((hit.final_score for hit in hits), default=0.0) or 1.0
    best_cosine = max([c for c in cosines.values() if c > 0], default=0.0) or 1.0
    weight = float(getattr(settings, "SEARCH_SEMANTIC_WEIGHT", 0.85))
    for hit in hits:
        lexical = hit.final_score / best_lexical
        # FAQ articles have no vectors: they keep their word-match standing.
        meaning = max(cosines.get(hit.obj.pk, 0.0), 0.0) / best_cosine if hit.type == "topic" else lexical
        hit.final_score = (1 - weight) * lexical + weight * meaning
    return sorted(hits, key=lambda hit: -hit.final_score)


def similar_questions(raw_query: str) -> list[dict]:
    """JSON-ready similar questions for a draft title, cached per normalised query."""
    if not backend_query(raw_query):
        return []
    from forum.cache import FAQ, LISTS, SEARCH, versions

    key = f"search:similar:{versions(LISTS, FAQ, SEARCH)}:{cache_key_for(raw_query)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    data = [
        {
            "title": hit.title,
            "url": hit.url,
            "type": hit.type,
            "kind": hit.kind,
            "status": hit.status,
            "answered": hit.answered,
            "marker": hit.marker_label,
        }
        for hit in similar_hits(raw_query)
    ]
    cache.set(key, data, getattr(settings, "SEARCH_SIMILAR_CACHE_SECONDS", 60))
    return data
