"""Moderation on the site: flags, hiding and unhiding posts and topics, member bans, and the
moderation queue (open flags, longest waiting first).

Every action is a POST with CSRF (the flag and ban forms also have a GET page of their own, for
links and for showing errors) and goes through ``forum.services.moderation``, which checks
``forum.permissions``. Answers (``forum.views.base.action``):

* anonymous visitors are sent to the login page, coming back to the topic afterwards;
* a refused action is a 403 with the rule's message;
* bad input (unknown reason, oversized note, missing ban reason) is a 400 with the message,
  and nothing is saved;
* without JavaScript the action redirects back to where it came from (the ``next`` field, when
  it is a local address, else the post or topic) with a message; with JavaScript
  (``static/js/reactions.js``, ``Accept: application/json``) the answer is JSON and the page
  updates in place.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import safe_next, wants_json
from forum import permissions, selectors
from forum.forms import BanForm, FlagForm, ReasonForm, ResolveForm
from forum.models import Flag, Post, Topic
from forum.services import moderation
from forum.services.posts import RateLimitExceeded
from forum.views.base import action, add_errors, done, error_message, invalid, post_or_404, post_url

QUEUE_PER_PAGE = 20


@require_http_methods(["GET", "POST"])
@action
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the flag form on a page of its own (for links and for showing errors); POST: flag."""
    post = post_or_404(pk)
    permissions.check_view_topic(request.user, post.topic)
    permissions.check_flag(request.user, post)
    back = safe_next(request, post_url(post))
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                moderation.post_flag(
                    user=request.user,
                    post=post,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except RateLimitExceeded as exc:
                if wants_json(request):
                    return JsonResponse({"error": str(exc)}, status=429)
                form.add_error(None, str(exc))
                context = {"post": post, "topic": post.topic, "form": form, "next": back}
                return render(request, "forum/moderation/flag.html", context, status=429)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                message = "Thanks for flagging this post: moderators will review it."
                if post.is_hidden:
                    message += " It is hidden until they do."
                return done(request, back, message, {"flagged": True, "hidden": post.is_hidden})
        if wants_json(request):
            errors = {name: list(errs) for name, errs in form.errors.items()}
            first = next(iter(errors.values()), ["Check the form."])[0]
            return JsonResponse({"error": first, "errors": errors}, status=400)
    context = {"post": post, "topic": post.topic, "form": form, "next": back}
    return render(request, "forum/moderation/flag.html", context, status=400 if form.errors else 200)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            f"The reason can be at most {moderation.HIDE_REASON_MAX} characters "
            f"(it has {len(request.POST.get('reason', ''))})."
        )
    return form.cleaned_data["reason"]


@require_POST
@action
def hide_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_or_404(pk)
    permissions.check_hide(request.user, post)
    back = safe_next(request, post_url(post))
    try:
        changed = moderation.post_hide(user=request.user, post=post, reason=_reason(request))
    except ValidationError as exc:
        return invalid(request, back, error_message(exc))
    is_question = post.topic.first_post_id == post.pk
    if not changed:
        message = "That post was already hidden."
    elif is_question:
        message = "The question is hidden, and with it the topic."
    else:
        message = "The post is hidden. Its author, moderators and staff still see it, marked hidden."
    return done(request, back, message, {"hidden": True})


@require_POST
@action
def unhide_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_or_404(pk)
    permissions.check_hide(request.user, post)
    changed = moderation.post_unhide(user=request.user, post=post)
    message = "The post is visible again." if changed else "That post was not hidden."
    return done(request, safe_next(request, post_url(post)), message, {"hidden": False})


@require_POST
@action
def hide_topic(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    permissions.check_hide(request.user, topic)
    back = safe_next(request, topic.get_absolute_url())
    try:
        changed = moderation.topic_hide(user=request.user, topic=topic, reason=_reason(request))
    except ValidationError as exc:
        return invalid(request, back, error_message(exc))
    message = (
        "The topic is hidden from everyone but its author, moderators and staff."
        if changed
        else "That topic was already hidden."
    )
    return done(request, back, message, {"hidden": True})


@require_POST
@action
def unhide_topic(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    permissions.check_hide(request.user, topic)
    changed = moderation.topic_unhide(user=request.user, topic=topic)
    message = "The topic is visible again." if changed else "That topic was not hidden."
    return done(request, safe_next(request, topic.get_absolute_url()), message, {"hidden": False})


def _member(username: str):
    return get_object_or_404(get_user_model(), username=username)


@require_http_methods(["GET", "POST"])
@action
def ban_user(request: HttpRequest, username: str) -> HttpResponse:
    """GET: the ban form (a reason is required); POST: ban."""
    target = _member(username)
    permissions.check_ban(request.user, target)
    back = safe_next(request, reverse("forum:moderation_queue"))
    form = BanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.user_ban(user=request.user, target=target, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
        else:
            return done(
                request,
                back,
                f"{target.name} is banned: they can still read, but no longer post, vote or flag.",
                {"banned": True},
            )
    if request.method == "POST" and wants_json(request):
        errors = {name: list(errs) for name, errs in form.errors.items()}
        return JsonResponse({"error": " ".join(sum(errors.values(), [])), "errors": errors}, status=400)
    recent = list(Post.objects.filter(author=target).select_related("topic").order_by("-created_at")[:5])
    context = {"target": target, "form": form, "next": back, "recent_posts": recent}
    return render(request, "forum/moderation/ban.html", context, status=400 if form.errors else 200)


@require_POST
@action
def unban_user(request: HttpRequest, username: str) -> HttpResponse:
    target = _member(username)
    moderation.user_unban(user=request.user, target=target)
    return done(
        request,
        safe_next(request, reverse("forum:moderation_queue")),
        f"{target.name} may take part again.",
        {"banned": False},
    )


@require_GET
@action
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """Posts with open flags, longest waiting first, with what to do about each."""
    permissions.check_moderate(request.user)
    paginator = Paginator(selectors.moderation_queue(), QUEUE_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "items": list(page.object_list),
        "reasons": dict(Flag.Reason.choices),
        "threshold": settings.FORUM_FLAGS_TO_HIDE,
    }
    return render(request, "forum/moderation/queue.html", context)


@require_POST
@action
def resolve_flags(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_or_404(pk)
    permissions.check_moderate(request.user)
    back = safe_next(request, reverse("forum:moderation_queue"))
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return invalid(request, back, "Choose uphold or dismiss.", dict(form.errors))
    uphold = form.cleaned_data["decision"] == "uphold"
    was_waiting = moderation.is_auto_hidden(post)
    closed = moderation.post_resolve_flags(user=request.user, post=post, uphold=uphold)
    if not closed and was_waiting:
        message = "The post stays hidden." if uphold else "The post is visible again."
    elif not closed:
        message = "Those flags were already handled."
    elif uphold:
        message = f"Upheld {closed} flag{'s' if closed != 1 else ''}: the post stays hidden."
    else:
        message = f"Dismissed {closed} flag{'s' if closed != 1 else ''}" + (
            "." if post.is_hidden else "; the post is visible."
        )
    return done(request, back, message, {"closed": closed, "hidden": post.is_hidden})
