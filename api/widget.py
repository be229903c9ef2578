"""``GET /api/v1/widget``: what the product-page widget shows, in one request (the top answered
questions, FAQ articles and approved mentions of a product), as anonymous visitors see it.

The answer is cached for ``WIDGET_CACHE_SECONDS`` (the key carries the site's content
versions, so a change to topics or the FAQ shows at once; a newly approved mention within that
time) and says ``Cache-Control: public, max-age=...`` with an ETag, so browsers on many shop
pages revalidate cheaply.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.text import Truncator

from ninja import Field as NinjaField
from ninja import Query, Schema

from api import reads, schemas
from api.errors import ApiError
from forum.cache import FAQ, LISTS, SITE, versions
from home.seo import absolute, site_root
from widget import selectors
from widget.links import ask_url

router = reads.router


class WidgetQuery(Schema):
    category: str | None = NinjaField(
        None, max_length=80, pattern=schemas.SLUG, description="A category's slug."
    )
    tags: str | None = NinjaField(
        None, max_length=1100, description=f"Comma-separated tag slugs, at most {selectors.MAX_TAGS}."
    )
    limit: int = NinjaField(
        selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT, description="Items per list."
    )


def widget_data(request: HttpRequest, content: selectors.ProductContent) -> dict[str, Any]:
    category = content.category
    return {
        "category": reads.category_ref(category) if category else None,
        "tags": content.tags,
        "questions": [
            {
                "id": topic.pk,
                "title": topic.title,
                "url": absolute(request, topic.get_absolute_url()),
                "reply_count": topic.reply_count,
                "vote_count": topic.vote_count,
                "has_official_answer": bool(topic.official_answer_id),
                "has_accepted_answer": bool(topic.accepted_answer_id),
            }
            for topic in content.questions
        ],
        "articles": [
            {
                "id": article.pk,
                "title": article.title,
                "summary": article.summary,
                "url": absolute(request, article.get_url(request=request) or ""),
            }
            for article in content.articles
        ],
        "mentions": [
            {
                "id": mention.pk,
                "title": mention.title,
                "excerpt": Truncator(" ".join(mention.text.split())).chars(280),
                "url": mention.url,
                "author_name": mention.author_name,
                "author_url": mention.author_url,
                "source": mention.source.name if mention.source else mention.via,
                "published_at": mention.published_at,
            }
            for mention in content.mentions
        ],
        "ask_url": ask_url(request, category.slug if category else ""),
        "search_url": absolute(request, reverse("search:index")),
        "community_url": absolute(
            request, category.get_absolute_url() if category else reverse("forum:index")
        ),
    }


def _cache_key(request: HttpRequest, category: str, tags: list[str], limit: int) -> str:
    raw = "|".join([site_root(request), category, ",".join(tags), str(limit)])
    return f"widget:{versions(SITE, LISTS, FAQ)}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


@router.get(
    "/widget",
    response={200: schemas.WidgetOut, **reads.ERRORS},
    summary="A product's questions, FAQ articles and mentions, for the widget",
    tags=["read"],
)
def widget(request: HttpRequest, response: HttpResponse, query: Query[WidgetQuery]):
    """The top answered questions, the FAQ articles and "what people say" for a product named
    by ``category`` and/or ``tags``; used by ``/widget.js``. Naming neither is a 400; an
    unknown category a 404."""
    try:
        tags = selectors.parse_tags(query.tags or "")
    except ValueError as exc:
        raise ApiError(400, str(exc), {"tags": [str(exc)]}) from None
    category = query.category or ""
    if not category and not tags:
        raise ApiError(
            400, "Name a product: a category, tags, or both.", {"category": ["Give a category or tags."]}
        )
    seconds = settings.WIDGET_CACHE_SECONDS
    key = _cache_key(request, category, tags, query.limit)
    data = cache.get(key) if seconds else None
    if data is None:
        try:
            content = selectors.product_content(category_slug=category, tags=tags, limit=query.limit)
        except selectors.UnknownCategory:
            raise ApiError(404, f"No category \u201c{category}\u201d.") from None
        data = widget_data(request, content)
        if seconds:
            cache.set(key, data, seconds)
    response["Cache-Control"] = f"public, max-age={seconds}"
    return data
