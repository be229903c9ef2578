"""A topic: its short address, its page (question, answers, replies, timeline, the visitor's
reactions) and the staff and follower actions on it (status, duplicate, lock, move, follow).

The page is cached whole for anonymous visitors and in fragments for members (``forum.cache``);
each action is a POST that returns to the page (or the ``next`` address) with a message, or a
400 page with the reason when the input is refused.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.http import safe_next
from forum import cache as page_cache
from forum import events, permissions, selectors
from forum.cache import anonymous_page_cache, count_topic_view
from forum.forms import DuplicateForm, MoveForm, ReplyForm, StatusForm
from forum.models import Topic
from forum.services import follows
from forum.services import topics as topic_services
from forum.services import views as view_services
from forum.views.base import denied_to_login, error_message, unwrap_user, visible_topic

TOPIC_PARAMS = {"page": page_cache.page_number}


@require_GET
@denied_to_login
def topic_short(request: HttpRequest, pk: int) -> HttpResponse:
    """The short address redirects to the full one (with the slug, which is made from the
    title): only for people who may see the topic, exactly like the topic page."""
    topic = get_object_or_404(Topic.objects.only("pk", "slug", "is_hidden", "author_id"), pk=pk)
    permissions.check_view_topic(request.user, topic)
    url = topic.get_absolute_url()
    if request.GET:
        url += "?" + request.GET.urlencode()
    return HttpResponseRedirect(url)


def _topic_scopes(request: HttpRequest, pk: int, *args, **kwargs) -> tuple[str, ...]:
    return (page_cache.topic_scope(pk),)


@require_GET
@denied_to_login
@anonymous_page_cache(scopes=_topic_scopes, params=TOPIC_PARAMS, on_hit=count_topic_view)
def topic_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    unwrap_user(request)
    topic = visible_topic(request, pk, cached=True)
    if slug != topic.slug:
        url = topic.get_absolute_url()
        if request.GET:
            url += "?" + request.GET.urlencode()
        return HttpResponseRedirect(url)
    view_services.topic_record_view(request=request, topic=topic)
    if permissions.is_signed_in(request.user):
        # Whoever keeps track of what a member has read (notifications) listens to this.
        events.topic_opened.send(sender=Topic, topic=topic, user=request.user, request=request)
    data = selectors.topic_page(request.user, topic, request.GET.get("page"))
    state = _apply_reaction_state(request.user, data)
    user = request.user
    is_staff = permissions.is_staff(user)
    try:
        permissions.check_reply(user, topic)
        reply_denied = None
    except PermissionDenied as exc:
        reply_denied = str(exc)
    context = {
        "topic": topic,
        "data": data,
        "question": data.question,
        "answers": data.answers,
        # Shown in full above the replies: in the reply list they are an excerpt and a link.
        "answer_ids": {answer["post"].pk for answer in data.answers},
        "page": data.page,
        "posts": data.posts,
        "events": data.events,
        "duplicates": data.duplicates,
        "reply_form": ReplyForm() if reply_denied is None else None,
        "reply_denied": reply_denied,
        "is_following": state.get("following", False),
        "is_staff": is_staff,
        "is_moderator": permissions.is_moderator(user),
        "status_form": StatusForm(initial={"status": topic.status}) if is_staff else None,
        "duplicate_form": DuplicateForm() if is_staff else None,
        "move_form": MoveForm(initial={"category": topic.category_id}) if is_staff else None,
        # What the template's {% url 'account_login' %}?next={{ request.get_full_path|urlencode }}
        # gives, once per page instead of once per post.
        "login_next_url": f"{reverse('account_login')}?next={quote(request.get_full_path())}",
        **page_cache.fragment_context(page_cache.topic_scope(topic.pk), request=request),
    }
    return render(request, "forum/topic_detail.html", context)


def _apply_reaction_state(user, data: selectors.TopicPage) -> dict:
    """Per-user me-too, follow, vote and flag state (one query; none when signed out)."""
    if not permissions.is_signed_in(user):
        return {}
    every_post = list(data.posts) + [a["post"] for a in data.answers]
    if data.question:
        every_post.append(data.question)
    state = selectors.user_reaction_state(user, data.topic, every_post)
    data.topic.user_metoo = bool(state.get("metoo"))
    voted = state.get("voted_post_ids") or set()
    flagged = state.get("flagged_post_ids") or set()
    for post in every_post:
        post.voted = post.pk in voted
        post.flagged = post.pk in flagged
    data.extra["reaction_state"] = state
    return state


def _topic_action(handler):
    @require_POST
    @denied_to_login
    @functools.wraps(handler)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        topic = visible_topic(request, pk)
        back = safe_next(request, fallback=topic.get_absolute_url())
        try:
            message = handler(request, topic)
        except ValidationError as exc:
            # Bad input is a 400 with the reason, not a redirect that looks like success.
            context = {"topic": topic, "message": error_message(exc), "back": back}
            return render(request, "forum/action_refused.html", context, status=400)
        if message:
            messages.success(request, message)
        return redirect(back)

    return view


def _form_or_error(form) -> dict:
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    return form.cleaned_data


@_topic_action
def topic_status(request: HttpRequest, topic: Topic) -> str:
    permissions.check_set_status(request.user, topic)
    data = _form_or_error(StatusForm(request.POST))
    topic_services.topic_set_status(actor=request.user, topic=topic, status=data["status"])
    return f"Status set to “{topic.get_status_display()}”."


@_topic_action
def topic_duplicate(request: HttpRequest, topic: Topic) -> str:
    permissions.check_mark_duplicate(request.user, topic)
    data = _form_or_error(DuplicateForm(request.POST))
    topic_services.topic_mark_duplicate(actor=request.user, topic=topic, original=data["original"])
    return f"Marked as a duplicate of “{data['original'].title}”."


@_topic_action
def topic_unduplicate(request: HttpRequest, topic: Topic) -> str:
    topic_services.topic_unmark_duplicate(actor=request.user, topic=topic)
    return "No longer marked as a duplicate."


@_topic_action
def topic_lock(request: HttpRequest, topic: Topic) -> str:
    topic_services.topic_lock(actor=request.user, topic=topic)
    return "Topic locked: it takes no new replies."


@_topic_action
def topic_unlock(request: HttpRequest, topic: Topic) -> str:
    topic_services.topic_unlock(actor=request.user, topic=topic)
    return "Topic unlocked."


@_topic_action
def topic_move(request: HttpRequest, topic: Topic) -> str:
    permissions.check_move(request.user, topic)
    data = _form_or_error(MoveForm(request.POST))
    topic_services.topic_move(actor=request.user, topic=topic, category=data["category"])
    return f"Moved to {data['category'].name}."


@_topic_action
def topic_follow(request: HttpRequest, topic: Topic) -> str:
    follows.topic_follow(user=request.user, topic=topic)
    return "You're following this topic."


@_topic_action
def topic_unfollow(request: HttpRequest, topic: Topic) -> str:
    follows.topic_unfollow(user=request.user, topic=topic)
    return "You're no longer following this topic."
