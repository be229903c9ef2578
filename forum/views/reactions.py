"""Reactions: "me too" on a topic and votes on a reply.

Each is a POST with CSRF through ``forum.services.reactions`` (which checks
``forum.permissions``), answered by ``forum.views.base.action``: a redirect back with a message,
or JSON for ``static/js/reactions.js``. ``state=on|off`` asks for a state, so a double click
changes nothing; without it the action toggles.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from core.http import safe_next
from forum import permissions
from forum.models import Topic
from forum.services import reactions
from forum.views.base import action, done, post_or_404, post_url


def _want_state(request: HttpRequest) -> bool | None:
    """``state=on|off`` asks for a state (a double click then changes nothing); absent toggles."""
    return {"on": True, "off": False}.get(request.POST.get("state", ""))


@require_POST
@action
def metoo(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    active = reactions.topic_toggle_metoo(user=request.user, topic=topic, set_to=_want_state(request))
    message = (
        "Thanks: you\u2019re counted in. We\u2019ll show staff how many people have this."
        if active
        else "You\u2019re no longer counted as having this."
    )
    return done(
        request,
        safe_next(request, topic.get_absolute_url()),
        message,
        {"active": active, "count": topic.metoo_count},
    )


@require_POST
@action
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_or_404(pk)
    permissions.check_view_topic(request.user, post.topic)
    active = reactions.post_toggle_vote(user=request.user, post=post, set_to=_want_state(request))
    message = "Your vote is counted." if active else "Your vote is withdrawn."
    return done(
        request, safe_next(request, post_url(post)), message, {"active": active, "count": post.vote_count}
    )
