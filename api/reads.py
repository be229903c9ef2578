"""Anonymous reads: exactly what the site shows a signed-out visitor.

Every read goes through the site's own selectors with an anonymous user
(``forum.selectors``, ``kb.selectors``, ``search.selectors``), whoever sends the request, so a
token or a session never widens what the API shows, and visibility is decided in one place.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import DateTimeField, Q
from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from ninja import Field as NinjaField
from ninja import Path, Query, Router, Schema

from api import schemas
from api.errors import ApiError, Problem
from core import ratelimit
from forum import selectors
from forum.models import Category, Post, Topic
from home.seo import absolute
from kb import selectors as kb_selectors
from kb.models import article_counts, public_articles, section_articles
from search import selectors as search_selectors
from search.text import backend_query, normalise_query

router = Router(tags=["read"])
ERRORS = {400: Problem, 404: Problem, 422: Problem}
MAX_PAGE = 100_000


def _anonymous() -> AnonymousUser:
    return AnonymousUser()


def _last_modified(response: HttpResponse, moment: datetime | None) -> None:
    if moment is not None:
        response["Last-Modified"] = http_date(moment.timestamp())


# --- shapes -------------------------------------------------------------------------------


def author_data(request: HttpRequest, user) -> dict[str, Any]:
    if user is None:
        return {"username": None, "name": "A deleted user", "url": None}
    return {"username": user.username, "name": user.name, "url": absolute(request, user.get_absolute_url())}


def category_ref(category: Category) -> dict[str, Any]:
    return {"id": category.pk, "slug": category.slug, "name": category.name}


def topic_data(request: HttpRequest, topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "title": topic.title,
        "kind": topic.kind,
        "status": topic.status,
        "category": category_ref(topic.category),
        "author": author_data(request, topic.author),
        "tags": sorted(tag.name for tag in topic.tags.all()),
        "reply_count": topic.reply_count,
        "vote_count": topic.vote_count,
        "metoo_count": topic.metoo_count,
        "view_count": topic.view_count,
        "has_official_answer": bool(topic.official_answer_id),
        "has_accepted_answer": bool(topic.accepted_answer_id),
        "is_locked": topic.is_locked,
        "created_at": topic.created_at,
        "last_activity_at": topic.last_activity_at,
        "url": absolute(request, topic.get_absolute_url()),
    }


def post_data(request: HttpRequest, post: Post | None) -> dict[str, Any] | None:
    if post is None or post.is_hidden:
        return None
    return {
        "id": post.pk,
        "author": author_data(request, post.author),
        "html": post.html,
        "text": post.text,
        "is_official": post.is_official,
        "vote_count": post.vote_count,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "url": absolute(request, post.get_absolute_url()),
    }


def topic_detail_data(request: HttpRequest, topic: Topic, page: int) -> dict[str, Any]:
    data = selectors.topic_page(_anonymous(), topic, page)
    official = next((a["post"] for a in data.answers if a["official"]), None)
    accepted = next((a["post"] for a in data.answers if a["accepted"]), None)
    return {
        **topic_data(request, topic),
        "question": post_data(request, data.question),
        "official_answer": post_data(request, official),
        "accepted_answer": post_data(request, accepted),
        "duplicate_of": topic.duplicate_of_id,
        "replies": {
            "items": [post_data(request, post) for post in data.posts],
            "page": data.page.number,
            "pages": data.page.paginator.num_pages,
            "count": data.page.paginator.count,
        },
    }


def visible_topic(pk: int) -> Topic:
    """The topic if anonymous visitors may see it; else 404 (a hidden topic is not revealed)."""
    topic = selectors.topic_for_page_cached(pk) if 0 < pk < 2**63 else None
    if topic is None or topic.is_hidden:
        raise ApiError(404, f"No topic {pk}.")
    return topic


# --- cursors ------------------------------------------------------------------------------


def _order_fields(sort: str) -> list[str]:
    return [name.lstrip("-") for name in selectors.SORTS[sort][1]]


def encode_cursor(topic: Topic, sort: str) -> str:
    values = []
    for name in _order_fields(sort):
        value = getattr(topic, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps([sort, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_filter(cursor: str, sort: str) -> Q:
    """Topics after the cursor in ``sort`` order (every sort is descending, id last)."""
    invalid = ApiError(400, "The cursor is not one this API gave out; start again without it.")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, values = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    fields = _order_fields(sort)
    if cursor_sort != sort or not isinstance(values, list) or len(values) != len(fields):
        raise invalid
    parsed = []
    for name, value in zip(fields, values, strict=True):
        if isinstance(Topic._meta.get_field(name), DateTimeField):
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is None:
                raise invalid
            parsed.append(moment)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
            parsed.append(value)
        else:
            raise invalid
    condition = Q()
    for index, name in enumerate(fields):
        step = Q(**{f"{name}__lt": parsed[index]})
        for earlier in range(index):
            step &= Q(**{fields[earlier]: parsed[earlier]})
        condition |= step
    return condition


# --- categories and topics ----------------------------------------------------------------


@router.get("/categories", response={200: list[schemas.CategoryOut]}, summary="Categories")
def categories(request: HttpRequest):
    return [
        {
            **category_ref(c),
            "description": c.description,
            "topic_count": c.topic_count,
            "url": absolute(request, c.get_absolute_url()),
        }
        for c in selectors.categories()
    ]


class TopicQuery(Schema):
    kind: schemas.Kind | None = None
    status: schemas.Status | None = None
    category: str | None = NinjaField(
        None, max_length=80, pattern=schemas.SLUG, description="A category's slug."
    )
    unanswered: bool = False
    tag: str | None = NinjaField(None, max_length=100, pattern=r"^[-a-z0-9_]+$")
    sort: str = NinjaField("activity", pattern="^(activity|newest|metoo|votes)$")
    cursor: str | None = NinjaField(None, max_length=400)
    limit: int = NinjaField(25, ge=1, le=100)


@router.get(
    "/topics", response={200: schemas.TopicListOut, **ERRORS}, summary="Topics, as /community/ lists them"
)
def topics(request: HttpRequest, response: HttpResponse, query: Query[TopicQuery]):
    """The same filters and orders as ``/community/``; cursor pagination (``next_cursor``)."""
    category = None
    if query.category:
        category = selectors.category_by_slug(query.category)
        if category is None:
            raise ApiError(404, f"No category \u201c{query.category}\u201d.")
    filters = selectors.TopicFilters(
        kind=query.kind or "",
        status=query.status or "",
        category=category,
        unanswered=query.unanswered,
        tag=query.tag or "",
        sort=query.sort,
    )
    listed = selectors.topic_list(_anonymous(), filters)
    if query.cursor:
        listed = listed.filter(cursor_filter(query.cursor, query.sort))
    rows = list(listed[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    _last_modified(response, max((t.last_activity_at for t in rows), default=None))
    return {
        "items": [topic_data(request, topic) for topic in rows],
        "next_cursor": encode_cursor(rows[-1], query.sort) if more and rows else None,
    }


@router.get("/topics/{int:topic_id}", response={200: schemas.TopicOut, **ERRORS}, summary="One topic")
def topic(
    request: HttpRequest,
    response: HttpResponse,
    topic_id: int = Path(..., ge=1, le=2**62),
    page: int = Query(1, ge=1, le=MAX_PAGE),
):
    """The question, the official and accepted answers, and one page of replies
    (``FORUM_POSTS_PER_PAGE`` a page; a page past the end gives the last)."""
    found = visible_topic(topic_id)
    _last_modified(response, found.last_activity_at)
    return topic_detail_data(request, found, page)


# --- the FAQ ------------------------------------------------------------------------------


def _section_data(request: HttpRequest, section, count: int) -> dict[str, Any]:
    return {
        "id": section.pk,
        "title": section.title,
        "slug": section.slug,
        "description": section.description,
        "article_count": count,
        "url": absolute(request, section.get_url(request=request) or ""),
    }


def _article_summary(request: HttpRequest, article) -> dict[str, Any]:
    parent_path = article.path[: -article.steplen]
    return {
        "id": article.pk,
        "title": article.title,
        "summary": article.summary,
        "section_id": getattr(article, "section_pk", None) or _section_ids().get(parent_path),
        "updated_at": article.last_published_at,
        "url": absolute(request, article.get_url(request=request) or ""),
    }


def _section_ids() -> dict[str, int]:
    from kb.models import FaqSectionPage

    return dict(FaqSectionPage.objects.live().public().values_list("path", "pk"))


def _public_sections():
    index = kb_selectors.faq_index()
    return list(index.sections()) if index is not None else []


@router.get("/faq/sections", response={200: list[schemas.FaqSectionOut]}, summary="FAQ sections")
def faq_sections(request: HttpRequest):
    sections = _public_sections()
    counts = article_counts(sections)
    return [_section_data(request, section, counts.get(section.pk, 0)) for section in sections]


@router.get("/faq/articles", response={200: schemas.FaqArticleListOut, **ERRORS}, summary="FAQ articles")
def faq_articles(
    request: HttpRequest,
    section: int | None = Query(None, ge=1, le=2**62, description="Only this section's articles."),
    page: int = Query(1, ge=1, le=MAX_PAGE),
):
    """Live, public articles: a section's in its own order, else the latest updated first."""
    if section is not None:
        found = next((s for s in _public_sections() if s.pk == section), None)
        if found is None:
            raise ApiError(404, f"No FAQ section {section}.")
        articles = section_articles(found)
    else:
        articles = public_articles().order_by("-last_published_at", "-pk")
    paginator = Paginator(articles, 30)
    current = paginator.get_page(page)
    sections = _section_ids()
    items = []
    for article in current.object_list:
        article.section_pk = sections.get(article.path[: -article.steplen])
        items.append(_article_summary(request, article))
    return {"items": items, "page": current.number, "pages": paginator.num_pages, "count": paginator.count}


@router.get(
    "/faq/articles/{int:article_id}",
    response={200: schemas.FaqArticleOut, **ERRORS},
    summary="One FAQ article",
)
def faq_article(request: HttpRequest, response: HttpResponse, article_id: int = Path(..., ge=1, le=2**62)):
    from wagtail.rich_text import expand_db_html

    article = public_articles().filter(pk=article_id).first() if 0 < article_id < 2**63 else None
    if article is None:
        raise ApiError(404, f"No FAQ article {article_id}.")
    _last_modified(response, article.last_published_at)
    return {
        **_article_summary(request, article),
        "question_html": expand_db_html(article.question_context or ""),
        "answer_html": expand_db_html(article.answer or ""),
        "tags": sorted(tag.name for tag in article.tags.all()),
        "helpful_yes_count": article.helpful_yes_count,
        "helpful_no_count": article.helpful_no_count,
    }


# --- search -------------------------------------------------------------------------------


def _per_client(request: HttpRequest, scope: str, rate_setting: str, message: str) -> None:
    """The site's per-client limit for this kind of read (``core.ratelimit``), counted together
    with the same reads of the site's pages, so the API is no road around it: over it, a 429
    with ``Retry-After``."""
    ratelimit.hit(
        scope=scope,
        who=ratelimit.client_key(request),
        rate=getattr(settings, rate_setting, None),
        message=message,
    )


LIMITED = {**ERRORS, 429: Problem}


class SearchQuery(Schema):
    q: str = NinjaField(max_length=1000)
    type: str | None = NinjaField(None, pattern="^(faq|question|problem|idea|praise|category)$")
    category: str | None = NinjaField(None, max_length=80, pattern=schemas.SLUG)
    status: schemas.Status | None = None
    page: int = NinjaField(1, ge=1, le=MAX_PAGE)


@router.get(
    "/search", response={200: schemas.SearchOut, **LIMITED}, summary="Search the FAQ and the community"
)
def search(request: HttpRequest, query: Query[SearchQuery]):
    """One ranked list over FAQ articles, topics and categories, as ``/search/`` ranks it.
    ``SEARCH_RATE_LIMIT`` per client, shared with ``/search/``."""
    _per_client(request, "search", "SEARCH_RATE_LIMIT", "You have searched a lot in a short time.")
    text = normalise_query(query.q)
    if not backend_query(text):
        raise ApiError(400, "The search has no words to look for.", {"q": ["Type a word or two."]})
    category = None
    if query.category:
        category = selectors.category_by_slug(query.category)
        if category is None:
            raise ApiError(404, f"No category \u201c{query.category}\u201d.")
    filters = search_selectors.Filters(type=query.type or "", category=category, status=query.status or "")
    outcome = search_selectors.site_search_cached(text, filters)
    paginator = Paginator(outcome.hits, settings.SEARCH_RESULTS_PER_PAGE)
    current = paginator.get_page(query.page)
    hits = list(current.object_list)
    search_selectors.decorate_page(hits, outcome.terms)
    return {
        "query": outcome.query,
        "total": outcome.total,
        "page": current.number,
        "pages": paginator.num_pages,
        "corrected_from": outcome.corrected_from,
        "suggestion": outcome.suggestion,
        "results": [
            {
                "type": hit.type,
                "title": hit.title,
                "url": absolute(request, hit.url),
                "kind": hit.kind,
                "status": hit.status,
                "has_official_answer": hit.has_official_answer,
                "has_accepted_answer": hit.has_accepted_answer,
                "marker": hit.marker,
                "snippet_html": str(hit.snippet or ""),
            }
            for hit in hits
        ],
    }


@router.get("/similar", response={200: schemas.SimilarOut, **LIMITED}, summary="Questions like a draft title")
def similar(request: HttpRequest, q: str = Query(..., max_length=1000)):
    """Up to five FAQ articles and topics most like ``q`` (fewer than three letters: none).
    ``SIMILAR_RATE_LIMIT`` per client, shared with ``/search/similar/``."""
    _per_client(
        request, "similar", "SIMILAR_RATE_LIMIT", "Too many look-ups for similar questions in a short time."
    )
    text = normalise_query(q)
    results = search_selectors.similar_questions(text) if len(text) >= 3 else []
    return {
        "query": text,
        "results": [
            {**hit, "url": absolute(request, hit["url"]), "marker": hit.get("marker") or ""}
            for hit in results
        ],
    }
