"""The official answer to a question asked by email goes back by mail (``inbound.services``)."""

from __future__ import annotations

from django.dispatch import receiver

from forum import events
from forum.models import Topic


@receiver(events.official_answer_changed, dispatch_uid="inbound.official_answer_mail")
def mail_official_answer(sender, *, topic: Topic, post, marked: bool, **kwargs) -> None:
    if not marked or post is None:
        return
    from inbound.services import official_answer_mail

    official_answer_mail(topic=topic, post=post)
