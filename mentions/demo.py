"""Demo listening: two sources that read the sample feeds this site serves in development, and
the mentions from them waiting in the triage queue (taken in through the same parsing and
de-duplication as a real poll)."""

from __future__ import annotations

from django.conf import settings

from forum.models import Category
from mentions import services
from mentions.models import Mention, Source
from mentions.urls import SAMPLES

DEMO_SOURCES = [
    ("Blog search: Acme Cloud", "blog-search", "Acme Cloud", None, 60),
    ("Social: #acmecloud", "social", "Acme Cloud\nAcmeCloud", None, 15),
]


def _site_url() -> str:
    return (getattr(settings, "SITE_URL", "") or settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def seed(log=print) -> None:
    made = 0
    for name, sample, keywords, category_slug, minutes in DEMO_SOURCES:
        category = Category.objects.filter(slug=category_slug).first() if category_slug else None
        source, created = Source.objects.get_or_create(
            name=name,
            defaults={
                "feed_url": f"{_site_url()}/mentions/samples/{sample}.xml",
                "keywords": keywords,
                "category": category,
                "poll_minutes": minutes,
            },
        )
        if created:
            log(f"  created mention source {name}")
        entries = services.parse_feed((SAMPLES / f"{sample}.xml").read_bytes())
        made += len(services.ingest(entries, source=source, keywords=source.keyword_list, category=category))
    if made:
        log(
            f"  took in {made} demo mentions ({Mention.objects.filter(duplicate_of__isnull=True).count()} in the queue)"
        )
