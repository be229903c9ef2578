"""What search engines and link previews read: the site's absolute address, canonical links,
robots rules and schema.org JSON-LD.

Rules:

* One address for the site: the scheme of the request and the domain of the
  ``django.contrib.sites`` record (``get_current_site``), the same pair Django's sitemaps and
  syndication feeds use, so every absolute link the site hands out agrees.
* Structured data shows only what an anonymous visitor sees: it is built from the anonymous
  topic page (``forum.selectors.topic_page`` with an anonymous user) and from live, public FAQ
  pages, whoever is looking at the page. Hidden topics get none (and ``noindex``).
* JSON-LD is escaped like Django's ``json_script``: ``<``, ``>`` and ``&`` become ``\\u003C``,
  ``\\u003E`` and ``\\u0026``, so no user text can close the script element.
* ``noindex``: hidden topics, and unanswered topics (no staff reply, no accepted answer: the
  community's own meaning of "unanswered") older than ``SEO_NOINDEX_UNANSWERED_DAYS``.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sites.shortcuts import get_current_site
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

from forum.links import reverse_fast
from forum.models import Post, Topic
from forum.querysets import topic_visible_q

#: Address prefixes search engines should keep out of (robots.txt) and that say ``noindex``.
PRIVATE_PREFIXES = ("/search/", "/accounts/", "/notifications/", "/admin/", "/community/preview/")
#: Pages that only make sense to a signed-in member or an editor (robots.txt only: they are
#: not worth a crawl, and Wagtail's page previews live under /admin/).
PRIVATE_PATTERNS = ("/community/ask/", "/u/*/edit/", "/u/*/delete/", "/kb/")

JSON_LD_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
SCHEMA = "https://schema.org"
DELETED_AUTHOR = "A deleted user"


# --- addresses ----------------------------------------------------------------------------


def site_root(request: HttpRequest) -> str:
    """``scheme://domain`` of the site (no trailing slash), worked out once per request (a
    topic page's structured data makes a dozen absolute addresses)."""
    root = getattr(request, "_seo_site_root", None)
    if root is None:
        root = f"{request.scheme}://{get_current_site(request).domain}"
        request._seo_site_root = root  # type: ignore[attr-defined]
    return root


def absolute(request: HttpRequest, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return site_root(request) + path


def page_number(request: HttpRequest) -> int:
    """The ``page`` query parameter as a number (1 when missing or odd)."""
    value = request.GET.get("page", "")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def canonical_url(request: HttpRequest) -> str:
    """The page's own address without filters or tracking parameters; later pages of a list or
    a topic keep their ``?page=N``."""
    url = absolute(request, request.path)
    number = page_number(request)
    return f"{url}?page={number}" if number > 1 else url


def is_private_path(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


# --- robots -------------------------------------------------------------------------------


def topic_noindex(topic: Topic, *, now=None) -> bool:
    """Hidden topics, and unanswered ones older than ``SEO_NOINDEX_UNANSWERED_DAYS``."""
    if topic.is_hidden:
        return True
    days = getattr(settings, "SEO_NOINDEX_UNANSWERED_DAYS", 180)
    if days <= 0 or not topic.is_unanswered:
        return False
    return topic.created_at < (now or timezone.now()) - timedelta(days=days)


def indexable_topics_q():
    """The topics ``topic_noindex`` lets search engines index, as a filter (for the sitemap)."""
    from django.db.models import Q

    from forum.selectors import unanswered_q

    days = getattr(settings, "SEO_NOINDEX_UNANSWERED_DAYS", 180)
    visible = topic_visible_q()
    if days <= 0:
        return visible
    cutoff = timezone.now() - timedelta(days=days)
    return visible & ~(unanswered_q() & Q(created_at__lt=cutoff))


# --- JSON-LD ------------------------------------------------------------------------------


def json_ld(data: dict | list) -> SafeString:
    """A ``<script type="application/ld+json">`` element, escaped like ``json_script``."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    # Safe: the escapes above leave no "<", ">" or "&" in the JSON text.
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(JSON_LD_ESCAPES)),  # noqa: S308 - JSON with <, > and & escaped
    )


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _clean(text: str, limit: int = 5000) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text[:limit]


def person(request: HttpRequest, user) -> dict[str, Any]:
    if user is None:
        return {"@type": "Person", "name": DELETED_AUTHOR}
    # What user.get_absolute_url() gives (reverse_fast answers as reverse() does), for less.
    profile = reverse_fast("accounts:profile", username=user.username)
    return {"@type": "Person", "name": user.name, "url": absolute(request, profile)}


def breadcrumb_list(request: HttpRequest, trail: list[tuple[str, str | None]]) -> dict[str, Any]:
    """``trail``: (name, path) from the home page down; the last item may have no path."""
    items = []
    for position, (name, path) in enumerate(trail, start=1):
        item: dict[str, Any] = {"@type": "ListItem", "position": position, "name": name}
        if path:
            item["item"] = absolute(request, path)
        items.append(item)
    return {"@context": SCHEMA, "@type": "BreadcrumbList", "itemListElement": items}


def topic_breadcrumbs(request: HttpRequest, topic: Topic) -> dict[str, Any]:
    return breadcrumb_list(
        request,
        [
            ("Home", "/"),
            ("Community", reverse("forum:index")),
            (topic.category.name, topic.category.get_absolute_url()),
            (topic.title, topic.get_absolute_url()),
        ],
    )


def _answer(request: HttpRequest, post: Post, topic_url: str, on_page: set[int]) -> dict[str, Any]:
    url = f"{topic_url}#post-{post.pk}" if post.pk in on_page else absolute(request, post.get_absolute_url())
    return {
        "@type": "Answer",
        "text": _clean(post.text),
        "datePublished": _date(post.created_at),
        "dateModified": _date(post.edited_at or post.created_at),
        "upvoteCount": post.vote_count,
        "url": url,
        "author": person(request, post.author),
    }


def topic_structured_data(request: HttpRequest, topic: Topic) -> list[dict[str, Any]]:
    """``QAPage`` when an anonymous visitor sees an official or accepted answer, else
    ``DiscussionForumPosting``; then the ``BreadcrumbList``. Nothing for a hidden topic."""
    from forum import selectors

    if topic.is_hidden:
        return []
    number = page_number(request)
    data = selectors.topic_page(AnonymousUser(), topic, number)
    question = data.question if data.question is not None and not data.question.is_hidden else None
    topic_url = absolute(request, topic.get_absolute_url())
    page_url = f"{topic_url}?page={data.page.number}" if data.page.number > 1 else topic_url
    on_page = {post.pk for post in data.posts}
    reply_count = data.page.paginator.count
    text = _clean(question.text) if question else ""
    common = {
        "datePublished": _date(topic.created_at),
        "dateModified": _date(topic.last_activity_at),
        "author": person(request, topic.author),
        "url": topic_url,
    }
    answers = [entry["post"] for entry in data.answers]
    if answers:
        answer_ids = {post.pk for post in answers}
        accepted = [_answer(request, post, page_url, on_page) for post in answers]
        suggested = [
            _answer(request, post, page_url, on_page) for post in data.posts if post.pk not in answer_ids
        ]
        main: dict[str, Any] = {
            "@type": "Question",
            "name": topic.title,
            "text": text or topic.title,
            "answerCount": reply_count,
            "upvoteCount": topic.metoo_count,
            **common,
            "acceptedAnswer": accepted[0] if len(accepted) == 1 else accepted,
        }
        if suggested:
            main["suggestedAnswer"] = suggested
        page_data: dict[str, Any] = {"@context": SCHEMA, "@type": "QAPage", "mainEntity": main}
    else:
        page_data = {
            "@context": SCHEMA,
            "@type": "DiscussionForumPosting",
            "headline": topic.title,
            "text": text or topic.title,
            **common,
            "interactionStatistic": [
                {
                    "@type": "InteractionCounter",
                    "interactionType": f"{SCHEMA}/CommentAction",
                    "userInteractionCount": reply_count,
                },
                {
                    "@type": "InteractionCounter",
                    "interactionType": f"{SCHEMA}/LikeAction",
                    "userInteractionCount": topic.metoo_count,
                },
            ],
            "comment": [
                {
                    "@type": "Comment",
                    "text": _clean(post.text),
                    "datePublished": _date(post.created_at),
                    "author": person(request, post.author),
                    "url": f"{page_url}#post-{post.pk}",
                }
                for post in data.posts
            ],
        }
    return [page_data, topic_breadcrumbs(request, topic)]


# --- the FAQ ------------------------------------------------------------------------------


def is_public_page(page) -> bool:
    return bool(page.live) and not page.get_view_restrictions().exists()


def page_breadcrumbs(request: HttpRequest, page) -> dict[str, Any]:
    """The page's ancestors below the tree root (the site's root page is "Home"), then itself."""
    from kb.models import page_url

    ancestors = page.breadcrumb_ancestors() if hasattr(page, "breadcrumb_ancestors") else None
    if ancestors is None:
        ancestors = page.get_ancestors().filter(depth__gt=1)
    trail: list[tuple[str, str | None]] = []
    for ancestor in ancestors:
        trail.append(("Home" if ancestor.depth == 2 else ancestor.title, page_url(ancestor, request)))
    trail.append((page.title, page_url(page, request)))
    return breadcrumb_list(request, trail)


def rich_text_plain(value: str) -> str:
    from wagtail.rich_text import expand_db_html

    return _clean(html.unescape(strip_tags(expand_db_html(value or ""))))


def faq_article_structured_data(request: HttpRequest, page) -> list[dict[str, Any]]:
    """``FAQPage`` with the article's one question and answer, then the ``BreadcrumbList``.
    Nothing for a draft, a preview or a private page."""
    if getattr(request, "is_preview", False) or not is_public_page(page):
        return []
    from kb.models import page_url

    url = absolute(request, page_url(page, request) or "")
    faq = {
        "@context": SCHEMA,
        "@type": "FAQPage",
        "url": url,
        "name": page.title,
        "datePublished": _date(page.first_published_at),
        "dateModified": _date(page.last_published_at),
        "mainEntity": [
            {
                "@type": "Question",
                "name": page.title,
                "text": rich_text_plain(page.question_context) or page.title,
                "acceptedAnswer": {"@type": "Answer", "text": rich_text_plain(page.answer), "url": url},
            }
        ],
    }
    return [faq, page_breadcrumbs(request, page)]


def page_structured_data(request: HttpRequest, page) -> list[dict[str, Any]]:
    """Any other public Wagtail page: its breadcrumbs."""
    if getattr(request, "is_preview", False) or not is_public_page(page) or page.depth <= 2:
        return []
    return [page_breadcrumbs(request, page)]
