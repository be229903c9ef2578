"""A topic's status: every rule for how it moves, in one place.

Rules:

* **Automatic** ("open" <-> "answered"): while staff have not chosen the status by hand
  (``status_set_by_staff`` is False) and it is one of these two, it follows the answers: a topic
  with an official or accepted answer is "answered", one without is "open"
  (``status_after_answer_change``, called by ``forum.services.posts`` when answers change).
* **By hand** (staff, ``forum.services.topics.topic_set_status``): any status but "duplicate"
  (``validate_staff_status``); from then on marking answers no longer moves it.
* **Duplicates** (``topic_mark_duplicate``): "duplicate", set by hand. Unmarking one makes its
  status automatic again (``automatic_status``).
* **Answered in the FAQ**: publishing an article promoted from a topic makes the topic "solved",
  unless staff chose its status by hand or it is a duplicate (``topic_mark_solved_by_faq``,
  called by ``kb.services.article_published``).

Every change is written on the topic's timeline (a ``STATUS`` / ``DUPLICATE`` event) and
``forum.events.status_changed`` is sent after commit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from forum import events
from forum.models import Topic, TopicEvent

AUTOMATIC_STATUSES = (Topic.Status.OPEN, Topic.Status.ANSWERED)


def automatic_status(topic: Topic) -> str:
    """The status answers alone give a topic: "answered" with an answer, else "open"."""
    return Topic.Status.ANSWERED if topic.has_answer else Topic.Status.OPEN


def status_after_answer_change(topic: Topic) -> str | None:
    """The status ``topic`` moves to now that its answers changed, or None when it stays."""
    if topic.status_set_by_staff or topic.status not in AUTOMATIC_STATUSES:
        return None
    new = automatic_status(topic)
    return None if new == topic.status else new


def validate_staff_status(topic: Topic, status: str) -> None:
    """Staff may choose any listed status by hand, except "duplicate" (which needs the original)
    and except on a duplicate (whose status follows the original)."""
    if status not in Topic.Status.values:
        raise ValidationError({"status": "Choose one of the listed statuses."})
    if status == Topic.Status.DUPLICATE:
        raise ValidationError({"status": "To mark a duplicate, say which topic it duplicates."})
    if topic.duplicate_of_id:
        raise ValidationError({"status": "Unmark the duplicate first: its status follows the original."})


def status_after_faq_published(topic: Topic) -> str | None:
    """ "solved" once the topic is answered in a published FAQ article, unless staff chose the
    status by hand or it is a duplicate (or already solved)."""
    if topic.status_set_by_staff or topic.status in (Topic.Status.SOLVED, Topic.Status.DUPLICATE):
        return None
    return Topic.Status.SOLVED


def topic_mark_solved_by_faq(*, topic_id: int, faq_page_id: int, actor=None, page=None) -> Topic | None:
    """Link topic ``topic_id`` to the published FAQ article ``faq_page_id`` and apply the
    "answered in the FAQ" status rule (see the module rules). The first time, the timeline says
    the topic is in the FAQ and ``forum.events.topic_promoted`` is sent after commit with
    ``page`` (the live article: the asker's notice links to it). Returns the topic, or None
    when it no longer exists."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
        if topic is None:
            return None
        fields = []
        if topic.faq_page_id != faq_page_id:
            topic.faq_page_id = faq_page_id
            fields.append("faq_page")
        old_status = topic.status
        new_status = status_after_faq_published(topic)
        if new_status:
            topic.status = new_status
            fields.append("status")
        if fields:
            topic.save(update_fields=fields)
        if not TopicEvent.objects.filter(topic=topic, kind=TopicEvent.Kind.PROMOTED).exists():
            TopicEvent.objects.create(topic=topic, actor=actor, kind=TopicEvent.Kind.PROMOTED)
            transaction.on_commit(
                lambda: events.topic_promoted.send(sender=Topic, topic=topic, actor=actor, page=page)
            )
        if new_status:
            TopicEvent.objects.create(
                topic=topic,
                actor=actor,
                kind=TopicEvent.Kind.STATUS,
                from_value=old_status,
                to_value=new_status,
            )
            events.send_after_commit(
                events.status_changed,
                sender=Topic,
                topic=topic,
                actor=actor,
                old_status=old_status,
                new_status=new_status,
            )
    return topic
