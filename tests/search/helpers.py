"""Helpers for the search feature tests: topics, answers and FAQ articles, indexed."""

from __future__ import annotations

from wagtail.search import index

from forum.models import Post, Topic
from tests.factories import PostFactory, TopicFactory, UserFactory


def reindex(*objects) -> None:
    for obj in objects:
        obj.refresh_from_db()
        index.insert_or_update_object(obj)


def make_topic(title: str, body: str = "", *, category=None, tags=(), **fields) -> Topic:
    """A visible topic with its question, indexed with its tags and answers."""
    kwargs = {"title": title}
    if category is not None:
        kwargs["category"] = category
    topic = TopicFactory(body=body or f"Details about {title.lower()}", **kwargs)
    if tags:
        topic.tags.add(*tags)
    if fields:
        Topic.objects.filter(pk=topic.pk).update(**fields)
    reindex(topic)
    return topic


def answer(topic: Topic, text: str, *, official: bool = False, accepted: bool = False) -> Post:
    post = PostFactory(topic=topic, source=text, author=UserFactory())
    if official:
        topic.official_answer = post
    if accepted:
        topic.accepted_answer = post
    topic.save()
    reindex(topic)
    return post


def faq_article(
    title: str, *, summary: str = "", answer_html: str = "<p>See the steps.</p>", live: bool = True
):
    """An FAQ article page under /faq/<section>/ (index and section made on first use)."""
    from home.models import HomePage
    from kb.models import FaqArticlePage, FaqIndexPage, FaqSectionPage

    home = HomePage.objects.get()
    faq_index = FaqIndexPage.objects.first() or home.add_child(instance=FaqIndexPage(title="FAQ", slug="faq"))
    section = FaqSectionPage.objects.first() or faq_index.add_child(
        instance=FaqSectionPage(title="Accounts", slug="accounts")
    )
    page = FaqArticlePage(title=title, summary=summary or f"In short: {title}", answer=answer_html, live=live)
    section.add_child(instance=page)
    if not live:
        page.save_revision()
    reindex(page)
    return page
