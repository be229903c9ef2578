"""Double submits: one form, one result, however many times (and however fast) it is sent.

The ask and reply forms carry a one-time token. ``submit_once`` claims it in the database
(``FormSubmission``, unique per member and token) in the same transaction that creates the
topic or reply. A second submit of the same form waits on that unique index while the first is
running; once the first has committed it finds the claim and gets what the first created
instead of creating a copy. If the first fails (a validation error, the rate limit) its claim
rolls back with it and the token can be used again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from forum.models import FormSubmission, Post, Topic

KEEP_CLAIMS = timedelta(days=1)


class AlreadySubmitted(Exception):
    """The token was used, but what it created is gone (deleted since)."""


def submit_once(*, user, token: str, create: Callable[[], Topic | Post]) -> tuple[Topic | Post, bool]:
    """Run ``create`` once per ``(user, token)``; return ``(the object, True)`` the first time
    and ``(the object the first call created, False)`` for every repeat. An empty token runs
    ``create`` unguarded."""
    if not token:
        return create(), True
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(user=user, token=token)
        except IntegrityError:
            claim = None
        if claim is None:
            return _earlier_result(user, token), False
        # The member's claims older than a day are no longer needed: keep the table small.
        FormSubmission.objects.filter(user=user, created_at__lt=timezone.now() - KEEP_CLAIMS).delete()
        created = create()
        if isinstance(created, Topic):
            claim.topic = created
        else:
            claim.post = created
        claim.save(update_fields=["topic", "post"])
    return created, True


def _earlier_result(user, token: str) -> Topic | Post:
    claim = FormSubmission.objects.filter(user=user, token=token).select_related("topic", "post").first()
    result = (claim.topic or claim.post) if claim is not None else None
    if result is None:
        raise AlreadySubmitted("This form was already sent. Reload the page to start again.")
    return result
