"""What the product-page widget shows for a product: the top answered questions, the FAQ
articles, and "what people say" (mentions staff approved for product pages).

One read serves both roads to the widget: the API's ``GET /api/v1/widget`` (the script) and
the server-rendered ``/embed/`` (the iframe), so they can never show different things.

Rules:

* A product is named by a category's slug, by tags, or both. With a category, the lists hold
  its topics and the articles of the FAQ sections tied to it, and tags only put what carries
  one of them first; with tags alone, the lists hold what carries one of them (any category).
* Everything is read as an anonymous visitor reads it: hidden topics never appear, FAQ
  articles only when live and public, mentions only when staff approved them for product
  pages (``mentions.selectors.for_product_pages``), reposts never.
* Questions count as answered when they have an official or accepted answer, or are marked
  answered or solved.
* Mentions belong to a product through their category (or their source's). With tags only,
  an approved mention shows when one of its matched keywords is one of the tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q

from forum import selectors as forum_selectors
from forum.models import Category, Topic
from kb.models import FaqArticlePage, FaqSectionPage, public_articles
from mentions import selectors as mention_selectors
from mentions.models import Mention

TAG_RE = re.compile(r"^[a-z0-9][-a-z0-9_]{0,99}$")
MAX_TAGS = 10
DEFAULT_LIMIT = 5
MAX_LIMIT = 10
ANSWERED_STATUSES = (Topic.Status.ANSWERED, Topic.Status.SOLVED)
MENTION_SCAN = 200  # approved mentions looked at when matching tags to keywords


class UnknownCategory(LookupError):
    """The product's category slug names no category."""


@dataclass
class ProductContent:
    category: Category | None
    tags: list[str]
    questions: list[Topic] = field(default_factory=list)
    articles: list[FaqArticlePage] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.questions or self.articles or self.mentions)


def parse_tags(raw: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]`` (lower-cased, unique, in order). Raises
    ``ValueError`` with a message for a tag that is not a slug or for too many tags."""
    tags = list(dict.fromkeys(part.strip().lower() for part in (raw or "").split(",") if part.strip()))
    if len(tags) > MAX_TAGS:
        raise ValueError(f"Name at most {MAX_TAGS} tags.")
    bad = [tag for tag in tags if not TAG_RE.match(tag)]
    if bad:
        raise ValueError(f"Tags are slugs (letters, digits, - and _): not {bad[0][:40]!r}.")
    return tags


def answered_topics(*, category: Category | None, tags: list[str], limit: int) -> list[Topic]:
    """The product's answered topics that anonymous visitors see, most useful first (votes,
    "me too", views)."""
    topics = forum_selectors.visible_topics(AnonymousUser()).filter(
        Q(official_answer__isnull=False) | Q(accepted_answer__isnull=False) | Q(status__in=ANSWERED_STATUSES)
    )
    order = ["-vote_count", "-metoo_count", "-view_count", "-last_activity_at", "-id"]
    if category is not None:
        topics = topics.filter(category=category)
    if tags:
        tagged = Exists(Topic.objects.filter(pk=OuterRef("pk"), tags__slug__in=tags))
        if category is None:
            topics = topics.filter(tagged)
        else:
            topics = topics.annotate(tagged=tagged)
            order.insert(0, "-tagged")
    return list(topics.select_related("category").order_by(*order)[:limit])


def product_articles(*, category: Category | None, tags: list[str], limit: int) -> list[FaqArticlePage]:
    """Live public FAQ articles in the sections tied to the category and/or tagged with one of
    the tags, the most viewed first."""
    scope = Q()
    if category is not None:
        sections = (
            FaqSectionPage.objects.live().public().filter(category=category).values_list("path", flat=True)
        )
        for path in sections:
            scope |= Q(path__startswith=path, depth__gt=len(path) // FaqArticlePage.steplen)
        if not scope:
            return []
    order = ["-view_count", "-helpful_yes_count", "title", "pk"]
    articles = public_articles().filter(scope)
    if tags:
        tagged = Exists(FaqArticlePage.objects.filter(pk=OuterRef("pk"), tags__slug__in=tags))
        if category is None:
            articles = articles.filter(tagged)
        else:
            articles = articles.annotate(tagged=tagged)
            order.insert(0, "-tagged")
    return list(articles.order_by(*order)[:limit])


def product_mentions(*, category: Category | None, tags: list[str], limit: int) -> list[Mention]:
    if category is not None:
        return list(mention_selectors.for_product_pages(category_slug=category.slug, limit=limit))
    wanted = {tag.replace("-", " ").replace("_", " ") for tag in tags}
    found = []
    for mention in mention_selectors.for_product_pages(limit=MENTION_SCAN):
        keywords = {str(k).lower().replace("-", " ").replace("_", " ") for k in mention.keywords or []}
        if keywords & wanted:
            found.append(mention)
            if len(found) == limit:
                break
    return found


def product_content(
    *, category_slug: str = "", tags: list[str] | None = None, limit: int = DEFAULT_LIMIT
) -> ProductContent:
    """The three lists for a product. Raises ``UnknownCategory`` for a slug that names no
    category; with neither a category nor tags, every list is empty (nothing is named)."""
    tags = tags or []
    category = None
    if category_slug:
        category = forum_selectors.category_by_slug(category_slug)
        if category is None:
            raise UnknownCategory(category_slug)
    content = ProductContent(category=category, tags=tags)
    if category is None and not tags:
        return content
    limit = max(1, min(limit, MAX_LIMIT))
    content.questions = answered_topics(category=category, tags=tags, limit=limit)
    content.articles = product_articles(category=category, tags=tags, limit=limit)
    content.mentions = product_mentions(category=category, tags=tags, limit=limit)
    return content
