"""``POST /api/v1/mentions``: another tool (a social-media inbox's webhook, a monitoring
service) pushes a mention it found into the staff triage queue.

A staff member's token with the ``mentions`` scope; the write goes through
``mentions.services.mention_push``, the same sanitising, classifying and repost folding as a
polled feed. A new address answers ``201``; an address already known answers ``200`` with the
mention that has it and ``created: false`` (nothing is added), so pushing twice is safe.
Limited per token like every write (``API_WRITE_RATE_LIMIT``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from api import schemas
from api.errors import ApiError
from api.models import Scope
from api.services import check_scope
from api.writes import ERRORS, WRITE, router
from forum import selectors as forum_selectors
from mentions import permissions as mention_permissions
from mentions import services as mention_services
from mentions.models import Mention


def mention_data(mention: Mention, created: bool) -> dict[str, Any]:
    return {
        "id": mention.pk,
        "url": mention.url,
        "title": mention.title,
        "kind": mention.kind,
        "sentiment": mention.sentiment,
        "language": mention.language,
        "status": mention.status,
        "category": mention.category.slug if mention.category_id and mention.category else None,
        "repost_of": mention.duplicate_of_id,
        "created": created,
    }


@router.post(
    "/mentions",
    response={200: schemas.MentionOut, 201: schemas.MentionOut, **ERRORS},
    summary="Push a mention into the triage queue (staff; scope: mentions)",
    **WRITE,
)
def push_mention(request: HttpRequest, payload: schemas.MentionIn):
    """201 with the new mention; 200 with the existing one (``created: false``) when its
    address is already known."""
    check_scope(request.auth, Scope.MENTIONS)
    mention_permissions.check_push(request.user)
    category = None
    if payload.category:
        category = forum_selectors.category_by_slug(payload.category)
        if category is None:
            raise ApiError(
                400,
                f"No category \u201c{payload.category}\u201d.",
                {"category": ["Choose an existing category's slug."]},
            )
    mention, created = mention_services.mention_push(
        actor=request.user,
        url=payload.url,
        via=payload.source,
        title=payload.title,
        text=payload.text,
        author_name=payload.author_name,
        author_url=payload.author_url,
        published_at=payload.published_at,
        category=category,
    )
    mention = Mention.objects.select_related("category").get(pk=mention.pk)
    return (201 if created else 200), mention_data(mention, created)
