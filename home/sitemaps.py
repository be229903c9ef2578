"""The sitemap's sections: the site's Wagtail pages (the FAQ), the community's categories and
its topics, each with ``lastmod``. Only what anonymous visitors see and search engines may
index goes in: live public pages, visible categories, visible topics that are not ``noindex``
(``home.seo.indexable_topics_q``). Every location is on the site's one address (the request's
scheme and the ``django.contrib.sites`` domain), the Wagtail pages' too.

``SITEMAP_LIMIT`` addresses per file (50,000, the protocol's maximum): the view serves one
``urlset`` while everything fits and a sitemap index of the sections' pages beyond."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q

from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap

from forum.models import Category, Topic
from home.seo import indexable_topics_q


def _limit() -> int:
    return max(1, int(getattr(settings, "SITEMAP_LIMIT", 50000)))


class PageSitemap(WagtailSitemap):
    """Wagtail's sitemap (live, public pages of the request's site), on the site's address."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = _limit()

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        for url in urls:
            parts = urlsplit(url["location"])
            url["location"] = f"{protocol}://{domain}{parts.path}" + (
                f"?{parts.query}" if parts.query else ""
            )
        return urls

    def get_latest_lastmod(self):
        found = self.items().aggregate(latest=Max("last_published_at"))
        return found["latest"]


class CategorySitemap(Sitemap):
    changefreq = "daily"

    def __init__(self):
        self.limit = _limit()

    def items(self):
        return Category.objects.annotate(
            latest_activity=Max("topics__last_activity_at", filter=Q(topics__is_hidden=False))
        ).order_by("order", "name")

    def lastmod(self, obj: Category):
        return obj.latest_activity or obj.created_at

    def get_latest_lastmod(self):
        found = Topic.objects.filter(is_hidden=False).aggregate(latest=Max("last_activity_at"))
        return found["latest"]


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def __init__(self):
        self.limit = _limit()

    def items(self):
        return (
            Topic.objects.filter(indexable_topics_q()).only("pk", "slug", "last_activity_at").order_by("pk")
        )

    def lastmod(self, obj: Topic):
        return obj.last_activity_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("last_activity_at"))["latest"]


def sections(request) -> dict[str, Sitemap]:
    return {"pages": PageSitemap(request), "categories": CategorySitemap(), "topics": TopicSitemap()}
