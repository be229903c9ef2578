"""What a webhook says about each event: only what an anonymous visitor of the site may see.

Every builder reads the rows again through the public visibility rules (``Topic.objects.visible()``,
``Post.objects.visible()``, live and unrestricted FAQ pages) and returns ``None`` when the thing
is not public, in which case no message is sent at all. No email address, no hidden post, no
moderation detail, no private profile field is ever put in a payload; addresses are absolute
(``SITE_URL``). The envelope is versioned (``envelope``): a change that would break a receiver
gets a new ``version``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from forum.models import Post, Topic

VERSION = 1
TEXT_EXCERPT = 1000


def absolute(url: str) -> str:
    """``url`` on the site's public address (``SITE_URL``)."""
    if url.startswith(("http://", "https://")):
        return url
    return str(settings.SITE_URL or "").rstrip("/") + url


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def envelope(event: str, data: dict[str, Any], *, when: datetime | None = None) -> dict[str, Any]:
    return {"type": event, "version": VERSION, "timestamp": _when(when or timezone.now()), "data": data}


def _person(user) -> dict[str, Any] | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return {"username": user.username, "name": user.name, "url": absolute(user.get_absolute_url())}


def public_topic(topic_id: int) -> Topic | None:
    return (
        Topic.objects.visible()
        .select_related("category", "author", "first_post")
        .prefetch_related("tags")
        .filter(pk=topic_id)
        .first()
    )


def public_post(post_id: int) -> Post | None:
    return Post.objects.visible(with_topic=True).select_related("author").filter(pk=post_id).first()


def topic_data(topic: Topic) -> dict[str, Any]:
    question = topic.first_post if topic.first_post_id else None
    if question is not None and question.is_hidden:
        question = None
    return {
        "id": topic.pk,
        "title": topic.title,
        "kind": topic.kind,
        "status": topic.status,
        "url": absolute(topic.get_absolute_url()),
        "category": {
            "id": topic.category_id,
            "name": topic.category.name,
            "slug": topic.category.slug,
            "url": absolute(topic.category.get_absolute_url()),
        },
        "tags": sorted(tag.name for tag in topic.tags.all()),
        "author": _person(topic.author),
        "created_at": _when(topic.created_at),
        "reply_count": topic.reply_count,
        "question_text": question.text[:TEXT_EXCERPT] if question else "",
    }


def post_data(post: Post, topic: Topic) -> dict[str, Any]:
    return {
        "id": post.pk,
        "url": absolute(topic.get_absolute_url()) + f"#post-{post.pk}",
        "author": _person(post.author),
        "is_official": post.is_official,
        "created_at": _when(post.created_at),
        "html": post.html,
        "text": post.text[:TEXT_EXCERPT],
    }


def for_topic(topic_id: int) -> dict[str, Any] | None:
    topic = public_topic(topic_id)
    return {"topic": topic_data(topic)} if topic else None


def for_post(topic_id: int, post_id: int) -> dict[str, Any] | None:
    """A reply, an official or an accepted answer: both the topic and the post must be public."""
    topic = public_topic(topic_id)
    post = public_post(post_id)
    if topic is None or post is None or post.topic_id != topic.pk:
        return None
    return {"topic": topic_data(topic), "post": post_data(post, topic)}


def for_status(topic_id: int, old_status: str, new_status: str) -> dict[str, Any] | None:
    topic = public_topic(topic_id)
    if topic is None:
        return None
    return {"topic": topic_data(topic), "old_status": old_status, "new_status": new_status}


def for_faq_article(page_id: int) -> dict[str, Any] | None:
    """A published FAQ article that anyone may read (live, no view restriction)."""
    from kb.models import FaqArticlePage

    page = FaqArticlePage.objects.live().public().filter(pk=page_id).first()
    if page is None:
        return None
    section = page.get_parent()
    source = public_topic(page.source_topic_id) if page.source_topic_id else None
    return {
        "article": {
            "id": page.pk,
            "title": page.title,
            "summary": page.summary,
            "url": absolute(page.get_url() or page.url_path),
            "section": {"id": section.pk, "title": section.title, "url": absolute(section.get_url() or "")}
            if section
            else None,
            "tags": sorted(tag.name for tag in page.tags.all()),
            "first_published_at": _when(page.first_published_at),
            "last_published_at": _when(page.last_published_at),
            "source_topic_url": absolute(source.get_absolute_url()) if source else None,
        }
    }


def for_mention(mention) -> dict[str, Any]:
    """A mention taken in from a public feed elsewhere. Its author's name and address are left
    out (feeds often put an email address there); staff follow ``admin_url`` to triage it."""
    from django.urls import reverse

    return {
        "mention": {
            "id": mention.pk,
            "url": mention.url,
            "title": mention.title,
            "text": mention.text[:TEXT_EXCERPT],
            "kind": mention.kind,
            "sentiment": mention.sentiment,
            "language": mention.language,
            "source": mention.source.name if mention.source_id and mention.source else mention.via,
            "category": mention.category.slug if mention.category_id and mention.category else None,
            "published_at": _when(mention.published_at),
            "repost_of": mention.duplicate_of_id,
            "admin_url": absolute(reverse("mentions:detail", args=[mention.pk])),
        }
    }


def ping(endpoint_id: int) -> dict[str, Any]:
    return {"endpoint": endpoint_id, "message": "A test event from the community's webhook settings."}
