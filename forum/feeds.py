"""RSS feeds of recent topics: the whole community (``/community/feed/``), one category
(``/community/<slug>/feed/``) and one tag (``/community/tags/<tag>/feed/``). Hidden topics
never appear (anonymous visibility). Links are absolute on the site's address: Django's
syndication joins them to the request's scheme and the ``django.contrib.sites`` domain."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from forum import selectors
from forum.models import Category, Topic


def _recent_topics(category: Category | None = None, tag: str = ""):
    topics = selectors.visible_topics(AnonymousUser()).select_related("first_post", "author", "category")
    if category is not None:
        topics = topics.filter(category=category)
    if tag:
        topics = topics.filter(tags__slug=tag)
    return topics.order_by("-created_at", "-id")[: settings.FEED_LENGTH]


class LatestTopicsFeed(Feed):
    feed_type = Rss201rev2Feed

    def title(self) -> str:
        return f"{settings.SITE_NAME}: new topics"

    def link(self) -> str:
        return reverse("forum:index")

    def description(self) -> str:
        return f"The newest questions, problems, ideas and praise in the {settings.SITE_NAME}."

    def items(self):
        return _recent_topics()

    def item_title(self, item: Topic) -> str:
        return f"[{item.get_kind_display()}] {item.title}"

    def item_description(self, item: Topic) -> str:
        # Plain text only: feed readers render HTML with their own (weaker) rules.
        text = item.first_post.text if item.first_post and not item.first_post.is_hidden else ""
        return text[:500] + ("…" if len(text) > 500 else "")

    def item_link(self, item: Topic) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Topic):
        return item.created_at

    def item_author_name(self, item: Topic) -> str:
        return item.author.name if item.author else "A deleted user"

    def item_categories(self, item: Topic):
        return [item.category.name]


class CategoryTopicsFeed(LatestTopicsFeed):
    def get_object(self, request, slug: str) -> Category:
        category = selectors.category_by_slug(slug)
        if category is None:
            raise Http404("No such category.")
        return category

    def title(self, obj: Category) -> str:
        return f"{settings.SITE_NAME}: new topics in {obj.name}"

    def link(self, obj: Category) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Category) -> str:
        return obj.description or f"The newest topics in {obj.name}."

    def items(self, obj: Category):
        return _recent_topics(category=obj)


class TagTopicsFeed(LatestTopicsFeed):
    def get_object(self, request, tag: str):
        from taggit.models import Tag

        found = Tag.objects.filter(slug=tag).first()
        if found is None:
            raise Http404("No such tag.")
        return found

    def title(self, obj) -> str:
        return f"{settings.SITE_NAME}: new topics tagged \u201c{obj.name}\u201d"

    def link(self, obj) -> str:
        return f"{reverse('forum:index')}?tag={obj.slug}"

    def description(self, obj) -> str:
        return f"The newest topics tagged \u201c{obj.name}\u201d."

    def items(self, obj):
        return _recent_topics(tag=obj.slug)
