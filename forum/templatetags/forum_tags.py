"""Small helpers for the forum's templates: status names, timeline sentences."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from forum.models import Topic, TopicEvent
from forum.reports.responsiveness import format_duration

register = template.Library()

_STATUS_LABELS = dict(Topic.Status.choices)
_KIND_ICONS = {"question": "?", "problem": "!", "idea": "\u2605", "praise": "\u2665"}


@register.filter
def status_label(value: str) -> str:
    """ "in_progress" -> "In progress"."""
    return _STATUS_LABELS.get(value, value.replace("_", " ").capitalize() if value else "")


@register.filter
def kind_icon(kind: str) -> str:
    return _KIND_ICONS.get(kind, "?")


@register.filter
def event_sentence(event: TopicEvent) -> str:
    """What happened, as the end of a sentence that starts with the actor's name."""
    kind = event.kind
    if kind == TopicEvent.Kind.STATUS:
        return f"changed the status from {status_label(event.from_value)} to {status_label(event.to_value)}"
    if kind == TopicEvent.Kind.MOVED:
        return f"moved this topic from {event.from_value} to {event.to_value}"
    sentences = {
        TopicEvent.Kind.OFFICIAL: "marked a reply as the official answer",
        TopicEvent.Kind.UNOFFICIAL: "removed the official answer mark",
        TopicEvent.Kind.ACCEPTED: "accepted a reply as the answer",
        TopicEvent.Kind.UNACCEPTED: "removed the accepted answer mark",
        TopicEvent.Kind.DUPLICATE: "marked this topic as a duplicate of",
        TopicEvent.Kind.UNDUPLICATE: "unmarked this topic as a duplicate of",
        TopicEvent.Kind.LOCKED: "locked this topic",
        TopicEvent.Kind.UNLOCKED: "unlocked this topic",
        TopicEvent.Kind.HIDDEN: "hid this topic",
        TopicEvent.Kind.UNHIDDEN: "made this topic visible again",
        TopicEvent.Kind.NOMINATED: "nominated this topic for the FAQ",
        TopicEvent.Kind.PROMOTED: "published this topic in the FAQ",
    }
    return sentences.get(kind, event.get_kind_display().lower())


@register.filter
def event_icon(event: TopicEvent) -> str:
    return {
        "status": "\u25cf",
        "official": "\u2714",
        "accepted": "\u2714",
        "duplicate": "\u29c9",
        "locked": "\u2298",
        "unlocked": "\u25cb",
        "moved": "\u2192",
    }.get(event.kind, "\u2022")


@register.filter
def duration(value) -> str:
    """A timedelta as ``3d 4h`` / ``5h 12m`` / ``14m`` (an em dash for none)."""
    return format_duration(value)


@register.simple_tag
def topic_row(topic, index_url: str = "") -> SafeString:
    """A topic's row in a list (``forum.cards.topic_row``); ``index_url`` defaults to the topic list."""
    from forum import cards

    return cards.topic_row(topic, index_url or reverse("forum:index"))


@register.simple_tag
def post_card(post, topic, answer_labels=None, anchor=None, company_name: str = "") -> SafeString:
    """A post card's opening tag, head and body (``forum.cards.post_card``)."""
    from forum import cards

    return cards.post_card(post, topic, answer_labels or None, anchor, company_name)
