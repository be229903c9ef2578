"""The search page and the similar-questions endpoint. Thin: the work is in ``selectors``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from core.ratelimit import throttle
from forum import cache as page_cache
from forum.cache import anonymous_page_cache
from forum.models import Category, Topic
from search import selectors
from search.services import search_log_record
from search.sources import TYPE_LABELS
from search.text import MAX_QUERY_LENGTH, backend_query, normalise_query

ASK_URL = "/community/ask/"
#: The number of results, on the search page's response (a page served from the page cache
#: still logs the search with it).
TOTAL_HEADER = "X-Search-Results"


def _per_page() -> int:
    return getattr(settings, "SEARCH_RESULTS_PER_PAGE", 20)


def _filters_from(request: HttpRequest) -> selectors.Filters:
    """Facet choices from the query string; unknown values are ignored, never an error."""
    kind = request.GET.get("type", "")
    status = request.GET.get("status", "")
    slug = request.GET.get("category", "")
    category = None
    if slug and len(slug) <= 80:
        category = Category.objects.filter(slug=slug).first()
    return selectors.Filters(
        type=kind if kind in selectors.TYPE_CHOICES else "",
        category=category,
        status=status if status in selectors.STATUS_CHOICES else "",
    )


def _url(query: str, filters: selectors.Filters, **changes: str) -> str:
    params = {
        "q": query,
        "type": filters.type,
        "category": filters.category.slug if filters.category else "",
        "status": filters.status,
    }
    params.update(changes)
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _facet_groups(outcome: selectors.SearchOutcome, filters: selectors.Filters) -> list[dict]:
    query = outcome.query
    status_labels = dict(Topic.Status.choices)
    groups = []
    types = [
        {
            "label": TYPE_LABELS[value],
            "count": outcome.type_counts.get(value, 0),
            "selected": filters.type == value,
            "url": _url(query, filters, type=value),
        }
        for value in selectors.TYPE_CHOICES
        if outcome.type_counts.get(value) or filters.type == value
    ]
    groups.append(
        {
            "key": "type",
            "label": "Type",
            "options": types,
            "clear": _url(query, filters, type="") if filters.type else "",
        }
    )
    categories = [
        {
            "label": category.name,
            "count": count,
            "selected": filters.category is not None and filters.category.pk == category.pk,
            "url": _url(query, filters, category=category.slug),
        }
        for category, count in outcome.category_counts
    ]
    groups.append(
        {
            "key": "category",
            "label": "Category",
            "options": categories,
            "clear": _url(query, filters, category="") if filters.category else "",
        }
    )
    statuses = [
        {
            "label": status_labels[value],
            "count": count,
            "selected": filters.status == value,
            "url": _url(query, filters, status=value),
        }
        for value, count in outcome.status_counts.items()
    ]
    groups.append(
        {
            "key": "status",
            "label": "Status",
            "options": statuses,
            "clear": _url(query, filters, status="") if filters.status else "",
        }
    )
    return [g for g in groups if g["options"]]


def _log_search(request: HttpRequest, query: str, total: int) -> None:
    """Log a search once: on its first page, without facet filters (not per page or facet)."""
    if request.GET.get("page", "1") in ("", "1") and not any(
        request.GET.get(name) for name in ("type", "category", "status")
    ):
        search_log_record(query=query, result_count=total, source="page")


def _log_cached_search(request: HttpRequest, *args, response: HttpResponse | None = None, **kwargs) -> None:
    """``on_hit`` of the page cache: a search answered from the cache is logged all the same."""
    total = response.get(TOTAL_HEADER) if response is not None else None
    query = normalise_query(request.GET.get("q"))
    if total is not None and query:
        _log_search(request, query, int(total))


def _query_value(value: str) -> str | None:
    """The search box's text as a cache key part: normalised, at most MAX_QUERY_LENGTH."""
    return normalise_query(value) if len(value) <= MAX_QUERY_LENGTH else None


# The query parameters the search page reads, each with its bounded form (``forum.cache``).
SEARCH_PARAMS = {
    "q": _query_value,
    "type": page_cache.choice(*selectors.TYPE_CHOICES),
    "category": page_cache.slug_value(80),
    "status": page_cache.choice(*selectors.STATUS_CHOICES),
    "page": page_cache.page_number,
    "spell": page_cache.choice("0", "1"),
}
SEARCH_SCOPES = (page_cache.LISTS, page_cache.FAQ, page_cache.SEARCH)


@require_GET
@throttle(
    "search",
    rate_setting="SEARCH_RATE_LIMIT",
    message="You have searched a lot in a short time.",
    when=lambda request: bool(request.GET.get("q", "").strip()),
)
@anonymous_page_cache(scopes=SEARCH_SCOPES, params=SEARCH_PARAMS, on_hit=_log_cached_search)
def search_index(request: HttpRequest) -> HttpResponse:
    """``/search/?q=``: one ranked list over the FAQ and the community, with facets.

    Anonymous visitors get the page from the page cache while the content is unchanged
    (``forum.cache``): a change to the lists, the FAQ or the search index makes it render afresh."""
    query = normalise_query(request.GET.get("q"))
    context: dict = {"search_query": query, "ask_url": ASK_URL}
    if not query:
        context["categories"] = Category.objects.all()[:12]
        return render(request, "search/search.html", context)
    if not backend_query(query):
        context["unsearchable"] = True
        return render(request, "search/search.html", context)

    filters = _filters_from(request)
    if request.GET.get("category") and filters.category is None:
        page_cache.do_not_store(request)  # an unknown category: no cache entry for it
    autocorrect = request.GET.get("spell") != "0"

    def render_results() -> dict:
        outcome = selectors.site_search_cached(query, filters, autocorrect=autocorrect)
        paginator = Paginator(outcome.hits, _per_page())
        page = paginator.get_page(request.GET.get("page"))
        selectors.decorate_page(list(page.object_list), outcome.terms)
        shown = outcome.query  # the corrected query when the typed one found nothing
        base = _url(shown, filters)
        results = {
            "search_query": query,
            "outcome": outcome,
            "filters": filters,
            "page_obj": page,
            "hits": page.object_list,
            "facet_groups": _facet_groups(outcome, filters),
            "page_url_prefix": f"{base}&page=" if base != "?" else "?page=",
            "suggestion_url": _url(outcome.suggestion, filters) if outcome.suggestion else "",
            "original_url": _url(outcome.corrected_from, filters, spell="0")
            if outcome.corrected_from
            else "",
            "clear_filters_url": _url(shown, selectors.Filters()),
            "ask_url": f"{ASK_URL}?{urlencode({'title': shown[:200]})}",
        }
        html = render_to_string("search/includes/results.html", results)
        return {"html": html, "total": outcome.total}

    # The results are the same for every visitor: rendered once per address and versions of
    # the lists, the FAQ and the index, then shared (signed-in visitors' pages are not
    # page-cached). An address with values the page does not know is rendered, not shared.
    query_key = page_cache.canonical_query(request, SEARCH_PARAMS)
    if query_key is None or not page_cache.storable(request):
        shared = render_results()
    else:
        shared = page_cache.content_object("search-results", query_key, render_results, scopes=SEARCH_SCOPES)
    _log_search(request, query, shared["total"])
    context.update(
        filters=filters,
        # Safe: rendered just above (or by another request) by an auto-escaping template.
        results_html=mark_safe(shared["html"]),  # noqa: S308 - our own auto-escaping template's output
    )
    response = render(request, "search/search.html", context)
    response[TOTAL_HEADER] = str(shared["total"])
    return response


@require_GET
@throttle(
    "similar",
    rate_setting="SIMILAR_RATE_LIMIT",
    message="Too many look-ups for similar questions in a short time.",
    as_json=True,
)
def similar(request: HttpRequest) -> JsonResponse:
    """``/search/similar/?q=<draft title>``: up to five FAQ articles and topics, as JSON.

    Each result has title, url, type ("faq" or "topic"), kind, status, answered and marker.
    A query with fewer than three letters gets an empty list."""
    query = normalise_query(request.GET.get("q"))
    results = selectors.similar_questions(query) if len(query) >= 3 else []
    if len(query) >= 3:
        search_log_record(query=query, result_count=len(results), source="similar")
    response = JsonResponse({"query": query, "results": results})
    response["Cache-Control"] = "public, max-age=30"
    return response
