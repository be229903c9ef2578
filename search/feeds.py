"""A search as a feed ("subscribe to this search"): ``/search/feed/?q=`` (RSS 2.0) and
``/search/feed/atom/?q=`` (Atom), with the search page's filters (``type``, ``category``,
``status``).

The items are what the search page finds for the query (``selectors.site_search_cached``:
visible topics and live, public FAQ articles, so nothing an anonymous visitor cannot see),
newest first, ``FEED_LENGTH`` of them: a feed reader shows what is new for the query.
Addresses are absolute on the site's address (Django's syndication: the request's scheme and
the ``django.contrib.sites`` domain). A missing or unsearchable query is a 404 with a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from forum.models import Topic
from search import selectors
from search.text import backend_query, normalise_query


def _filters(request) -> selectors.Filters:
    from search.views import _filters_from

    return _filters_from(request)


class SearchFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request):
        query = normalise_query(request.GET.get("q"))
        if not query:
            raise Http404("Add a search to the address, for example ?q=invoice.")
        if not backend_query(query):
            raise Http404("That search has no words to look for.")
        filters = _filters(request)
        params = {"q": query, "type": filters.type, "status": filters.status}
        if filters.category is not None:
            params["category"] = filters.category.slug
        return {
            "query": query,
            "filters": filters,
            "params": urlencode({k: v for k, v in params.items() if v}),
        }

    def title(self, obj) -> str:
        return f"{settings.SITE_NAME}: search for \u201c{obj['query']}\u201d"

    def link(self, obj) -> str:
        return f"{reverse('search:index')}?{obj['params']}"

    def description(self, obj) -> str:
        return f"New questions, topics and FAQ articles matching \u201c{obj['query']}\u201d."

    def items(self, obj) -> list:
        outcome = selectors.site_search_cached(obj["query"], obj["filters"], autocorrect=False)
        hits = [hit for hit in outcome.hits if hit.type in ("topic", "faq")]
        topic_ids = [hit.obj.pk for hit in hits if hit.type == "topic"]
        topics = Topic.objects.filter(pk__in=topic_ids, is_hidden=False).select_related(
            "first_post", "author", "category"
        )
        by_id = {topic.pk: topic for topic in topics}
        items = []
        for hit in hits:
            if hit.type == "topic":
                if hit.obj.pk in by_id:
                    items.append(by_id[hit.obj.pk])
            else:
                items.append(hit.obj)
        oldest = datetime.min.replace(tzinfo=UTC)
        items.sort(key=lambda item: self.item_pubdate(item) or oldest, reverse=True)
        return items[: settings.FEED_LENGTH]

    def item_title(self, item) -> str:
        if isinstance(item, Topic):
            return f"[{item.get_kind_display()}] {item.title}"
        return f"[FAQ] {item.title}"

    def item_description(self, item) -> str:
        # Plain text: feed readers render HTML by their own rules.
        if isinstance(item, Topic):
            text = item.first_post.text if item.first_post and not item.first_post.is_hidden else ""
            return text[:500] + ("\u2026" if len(text) > 500 else "")
        return getattr(item, "summary", "") or ""

    def item_link(self, item) -> str:
        if isinstance(item, Topic):
            return item.get_absolute_url()
        return item.get_url() or "/"

    def item_guid(self, item) -> str:
        return self.item_link(item)

    def item_pubdate(self, item):
        if isinstance(item, Topic):
            return item.created_at
        return item.first_published_at or item.last_published_at or item.latest_revision_created_at

    def item_updateddate(self, item):
        if isinstance(item, Topic):
            return item.last_activity_at
        return item.last_published_at

    def item_author_name(self, item) -> str | None:
        if isinstance(item, Topic):
            return item.author.name if item.author else "A deleted user"
        return None

    def item_categories(self, item):
        if isinstance(item, Topic):
            return [item.category.name]
        return ["FAQ"]


class SearchAtomFeed(SearchFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj) -> str:
        return self.description(obj)
