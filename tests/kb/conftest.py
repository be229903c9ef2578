"""Fixtures for the FAQ tests: the FAQ index the migration creates, sections, articles and
answered topics laid down as rows (behaviour goes through the services under test)."""

from __future__ import annotations

import pytest

from forum.models import Topic
from kb.models import FaqArticlePage, FaqIndexPage, FaqSectionPage
from tests.factories import CategoryFactory, PostFactory, TopicFactory, staff_user


@pytest.fixture
def faq_index(db) -> FaqIndexPage:
    return FaqIndexPage.objects.get()


def make_section(index: FaqIndexPage, title: str = "Billing", **kwargs) -> FaqSectionPage:
    section = FaqSectionPage(title=title, **kwargs)
    index.add_child(instance=section)
    section.save_revision().publish()
    return section


def make_article(section: FaqSectionPage, title: str = "How do I pay?", publish: bool = True, **kwargs):
    fields = {"summary": "Pay by card.", "answer": "<p>Use a card.</p>", **kwargs}
    article = FaqArticlePage(title=title, **fields)
    if not publish:
        article.live = False
    section.add_child(instance=article)
    revision = article.save_revision()
    if publish:
        revision.publish()
    return FaqArticlePage.objects.get(pk=article.pk)


def make_answered_topic(
    *, official: str | None = "Go to **Billing** and choose a plan.", accepted: str | None = None, **kwargs
) -> Topic:
    topic = TopicFactory(**kwargs)
    if official is not None:
        post = PostFactory(topic=topic, source=official, author=staff_user(), is_official=True)
        topic.official_answer = post
    if accepted is not None:
        post = PostFactory(topic=topic, source=accepted)
        topic.accepted_answer = post
    topic.save()
    return topic


@pytest.fixture
def section(faq_index) -> FaqSectionPage:
    return make_section(faq_index)


@pytest.fixture
def article(section) -> FaqArticlePage:
    return make_article(section)


@pytest.fixture
def answered_topic(db) -> Topic:
    return make_answered_topic(title="How do I change my plan?", category=CategoryFactory(slug="billing"))
