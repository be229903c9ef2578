"""Writes with a bearer token (Wagtail's ``APIToken``): ask, reply, me too, vote, follow; and
accept, mark official, set status, which the forum's permissions allow to the asker (accept)
and to staff. Every write calls the same service as the site, which checks the same
permission, so the API is no road around a rule. A token also needs the scope for the kind of
write (``api.models.Scope``), and writes are limited per token (``API_WRITE_RATE_LIMIT``).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import HttpRequest

from wagtail.api.v3.auth import BearerTokenAuth

from ninja import Path
from ninja.throttling import BaseThrottle

from api import reads, schemas
from api.errors import ApiError, Problem
from api.models import Scope
from api.reads import post_data, topic_detail_data, visible_topic
from api.services import check_scope
from core import ratelimit
from forum import selectors
from forum.models import Post
from forum.services import follows, reactions
from forum.services import posts as post_services
from forum.services import topics as topic_services


class TokenRateThrottle(BaseThrottle):
    """``API_WRITE_RATE_LIMIT`` writes per token (by its id), counted by the site's one rate
    limit helper (``core.ratelimit``). The instance is shared by every request, so the wait
    it reports is kept per thread."""

    def __init__(self):
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        try:
            ratelimit.hit(
                scope="api-write",
                who=f"token:{getattr(request.auth, 'pk', 'none')}",
                rate=settings.API_WRITE_RATE_LIMIT,
            )
        except ratelimit.RateLimited as exc:
            self._local.wait = exc.retry_after
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


ID = Path(..., ge=1, le=2**62)

# One router for reads and writes: ninja serves one path's methods from one router.
router = reads.router
WRITE = {"auth": BearerTokenAuth(), "throttle": TokenRateThrottle(), "tags": ["write"]}
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}


def _visible_post(request: HttpRequest, post_id: int) -> Post:
    """A reply or question anonymous visitors and the token's owner may see, else 404."""
    post = (
        Post.objects.select_related("topic", "author").filter(pk=post_id).first()
        if 0 < post_id < 2**63
        else None
    )
    if (
        post is None
        or post.topic.is_hidden
        and not selectors.permissions.allowed(
            selectors.permissions.check_view_topic, request.user, post.topic
        )
    ):
        raise ApiError(404, f"No post {post_id}.")
    return post


@router.post("/topics", response={201: schemas.TopicOut, **ERRORS}, summary="Ask (scope: post)", **WRITE)
def ask(request: HttpRequest, payload: schemas.AskIn):
    check_scope(request.auth, Scope.POST)
    category = selectors.category_by_slug(payload.category)
    if category is None:
        raise ApiError(
            400,
            f"No category \u201c{payload.category}\u201d.",
            {"category": ["Choose an existing category's slug."]},
        )
    post_services.post_rate_check(user=request.user)
    created = topic_services.topic_create(
        author=request.user,
        title=payload.title,
        source=payload.body,
        kind=payload.kind,
        category=category,
        tags=payload.tags,
        via=Post.Via.API,
    )
    return 201, topic_detail_data(request, selectors.topic_for_page(created.pk), 1)


@router.post(
    "/topics/{int:topic_id}/replies",
    response={201: schemas.PostOut, **ERRORS},
    summary="Reply (scope: post)",
    **WRITE,
)
def reply(request: HttpRequest, payload: schemas.ReplyIn, topic_id: int = ID):
    check_scope(request.auth, Scope.POST)
    topic = visible_topic(topic_id)
    post_services.post_rate_check(user=request.user)
    post = post_services.post_create(
        author=request.user, topic=selectors.topic_for_page(topic.pk), source=payload.body, via=Post.Via.API
    )
    return 201, post_data(request, post)


def _metoo(request: HttpRequest, topic_id: int, on: bool):
    check_scope(request.auth, Scope.REACT)
    topic = selectors.topic_for_page(visible_topic(topic_id).pk)
    active = reactions.topic_toggle_metoo(user=request.user, topic=topic, set_to=on)
    return {"active": active, "count": topic.metoo_count}


@router.put(
    "/topics/{int:topic_id}/metoo",
    response={200: schemas.StateOut, **ERRORS},
    summary="Say me too (scope: react)",
    **WRITE,
)
def metoo(request: HttpRequest, topic_id: int = ID):
    return _metoo(request, topic_id, True)


@router.delete(
    "/topics/{int:topic_id}/metoo",
    response={200: schemas.StateOut, **ERRORS},
    summary="Take back me too (scope: react)",
    **WRITE,
)
def metoo_undo(request: HttpRequest, topic_id: int = ID):
    return _metoo(request, topic_id, False)


def _vote(request: HttpRequest, post_id: int, on: bool):
    check_scope(request.auth, Scope.REACT)
    post = _visible_post(request, post_id)
    active = reactions.post_toggle_vote(user=request.user, post=post, set_to=on)
    return {"active": active, "count": post.vote_count}


@router.put(
    "/posts/{int:post_id}/vote",
    response={200: schemas.StateOut, **ERRORS},
    summary="Vote on a reply (scope: react)",
    **WRITE,
)
def vote(request: HttpRequest, post_id: int = ID):
    return _vote(request, post_id, True)


@router.delete(
    "/posts/{int:post_id}/vote",
    response={200: schemas.StateOut, **ERRORS},
    summary="Take a vote back (scope: react)",
    **WRITE,
)
def vote_undo(request: HttpRequest, post_id: int = ID):
    return _vote(request, post_id, False)


@router.put(
    "/topics/{int:topic_id}/follow",
    response={200: schemas.StateOut, **ERRORS},
    summary="Follow (scope: react)",
    **WRITE,
)
def follow(request: HttpRequest, topic_id: int = ID):
    check_scope(request.auth, Scope.REACT)
    topic = visible_topic(topic_id)
    follows.topic_follow(user=request.user, topic=topic)
    return {"active": True}


@router.delete(
    "/topics/{int:topic_id}/follow",
    response={200: schemas.StateOut, **ERRORS},
    summary="Unfollow (scope: react)",
    **WRITE,
)
def unfollow(request: HttpRequest, topic_id: int = ID):
    check_scope(request.auth, Scope.REACT)
    topic = visible_topic(topic_id)
    follows.topic_unfollow(user=request.user, topic=topic)
    return {"active": False}


def _mark(request: HttpRequest, post_id: int, service):
    check_scope(request.auth, Scope.MANAGE)
    post = _visible_post(request, post_id)
    topic = service(actor=request.user, post=post)
    return {"active": post.pk in (topic.official_answer_id, topic.accepted_answer_id)}


@router.put(
    "/posts/{int:post_id}/official",
    response={200: schemas.StateOut, **ERRORS},
    summary="Mark the official answer (staff; scope: manage)",
    **WRITE,
)
def official(request: HttpRequest, post_id: int = ID):
    return _mark(request, post_id, post_services.post_mark_official)


@router.delete(
    "/posts/{int:post_id}/official",
    response={200: schemas.StateOut, **ERRORS},
    summary="Unmark the official answer (staff; scope: manage)",
    **WRITE,
)
def official_undo(request: HttpRequest, post_id: int = ID):
    return _mark(request, post_id, post_services.post_unmark_official)


@router.put(
    "/posts/{int:post_id}/accepted",
    response={200: schemas.StateOut, **ERRORS},
    summary="Accept an answer (the asker or staff; scope: manage)",
    **WRITE,
)
def accept(request: HttpRequest, post_id: int = ID):
    return _mark(request, post_id, post_services.post_accept)


@router.delete(
    "/posts/{int:post_id}/accepted",
    response={200: schemas.StateOut, **ERRORS},
    summary="Unaccept (the asker or staff; scope: manage)",
    **WRITE,
)
def accept_undo(request: HttpRequest, post_id: int = ID):
    return _mark(request, post_id, post_services.post_unaccept)


@router.put(
    "/topics/{int:topic_id}/status",
    response={200: schemas.TopicOut, **ERRORS},
    summary="Set the status (staff; scope: manage)",
    **WRITE,
)
def status(request: HttpRequest, payload: schemas.StatusIn, topic_id: int = ID):
    check_scope(request.auth, Scope.MANAGE)
    topic = selectors.topic_for_page(visible_topic(topic_id).pk)
    topic_services.topic_set_status(actor=request.user, topic=topic, status=payload.status)
    return topic_detail_data(request, selectors.topic_for_page(topic.pk), 1)
