"""``/faq/feed/``: FAQ articles as they are published and updated (RSS 2.0), newest update
first. Only live, public articles (``kb.selectors.public_articles``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed

from kb import selectors


class FaqUpdatesFeed(Feed):
    feed_type = Rss201rev2Feed

    def title(self) -> str:
        return f"{settings.SITE_NAME}: FAQ updates"

    def link(self) -> str:
        index = selectors.faq_index()
        return (index.get_url() if index is not None else None) or "/faq/"

    def description(self) -> str:
        return "New and updated answers in the FAQ."

    def items(self):
        return selectors.public_articles().order_by("-last_published_at", "-pk")[: settings.FEED_LENGTH]

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return item.get_url() or "/faq/"

    def item_guid(self, item) -> str:
        # One entry per publication: an update shows again in feed readers.
        stamp = item.last_published_at.isoformat() if item.last_published_at else ""
        return f"{self.item_link(item)}#{stamp}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.last_published_at or item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at
