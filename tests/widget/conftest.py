"""A product with something in every list, and things that must never show."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.models import Topic
from kb.models import FaqSectionPage
from mentions.models import Mention
from tests.factories import CategoryFactory, TopicFactory
from tests.mentions import factories as mention_factories
from tests.search.helpers import faq_article


@pytest.fixture(autouse=True)
def _widget_settings(settings):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    settings.API_WRITE_RATE_LIMIT = "1000/m"
    settings.WIDGET_CACHE_SECONDS = 0


def answered(title: str, **kwargs) -> Topic:
    topic = TopicFactory(title=title, **kwargs)
    Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.ANSWERED)
    topic.refresh_from_db()
    return topic


@pytest.fixture
def product(db):
    cloud = CategoryFactory(name="Acme Cloud", slug="acme-cloud")
    other = CategoryFactory(name="Acme Phone", slug="acme-phone")
    top = answered("How do I sync a shared folder?", category=cloud)
    Topic.objects.filter(pk=top.pk).update(vote_count=9)
    second = answered("Where are my invoices?", category=cloud)
    second.tags.add("billing")
    waiting = TopicFactory(title="Sync stopped after the update", category=cloud)
    hidden = answered("A hidden answered topic", category=cloud)
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    phone = answered("How do I pair the phone?", category=other)
    phone.tags.add("billing")
    article = faq_article("How does syncing work?")
    section = FaqSectionPage.objects.get(pk=article.get_parent().pk)
    FaqSectionPage.objects.filter(pk=section.pk).update(category=cloud)
    draft = faq_article("A draft article about sync", live=False)
    said = mention_factories.mention(
        title="Acme Cloud saved my week", category=cloud, show_on_product_pages=True, keywords=["acme cloud"]
    )
    unapproved = mention_factories.mention(title="Acme Cloud is slow today", category=cloud)
    repost = mention_factories.mention(
        title="Repost: Acme Cloud saved my week",
        category=cloud,
        show_on_product_pages=True,
        duplicate_of=said,
    )
    elsewhere = mention_factories.mention(
        title="Acme Phone battery lasts", category=other, show_on_product_pages=True, keywords=["billing"]
    )
    return SimpleNamespace(
        cloud=cloud,
        other=other,
        top=top,
        second=second,
        waiting=waiting,
        hidden=hidden,
        phone=phone,
        article=article,
        draft=draft,
        said=said,
        unapproved=unapproved,
        repost=repost,
        elsewhere=elsewhere,
        mentions=Mention.objects,
    )
