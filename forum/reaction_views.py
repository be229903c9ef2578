"""Actions for reactions (me too, votes) and moderation (flags, hiding, bans, the queue).

Every action is a POST with CSRF and goes through ``forum.services.reactions`` or
``forum.services.moderation``, which check ``forum.permissions``. Answers:

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

import functools
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import safe_next, wants_json
from forum import permissions, selectors
from forum.models import Flag, Post, Topic
from forum.services import moderation, reactions

QUEUE_PER_PAGE = 20


# --- forms ------------------------------------------------------------------------------


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?",
        choices=Flag.Reason.choices,
        error_messages={
            "required": "Choose why you are flagging this post.",
            "invalid_choice": "Choose why you are flagging this post.",
        },
    )
    note = forms.CharField(
        label="Anything moderators should know?",
        required=False,
        max_length=moderation.FLAG_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": moderation.FLAG_NOTE_MAX}),
        help_text="Required when you choose \u201cSomething else\u201d.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", "Say what is wrong when you choose \u201cSomething else\u201d.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=moderation.HIDE_REASON_MAX)


class BanForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to the member)",
        max_length=moderation.BAN_REASON_MAX,
        widget=forms.TextInput(attrs={"maxlength": moderation.BAN_REASON_MAX}),
        error_messages={"required": "Give a reason for the ban."},
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", "Uphold"), ("dismiss", "Dismiss")],
        error_messages={
            "required": "Choose uphold or dismiss.",
            "invalid_choice": "Choose uphold or dismiss.",
        },
    )


# --- plumbing ---------------------------------------------------------------------------


def _post_url(post: Post) -> str:
    if post.topic.first_post_id == post.pk:
        return post.topic.get_absolute_url()
    return reverse("forum:post", kwargs={"pk": post.pk})


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def action(view):
    """Turn refusals into the answers described in the module docstring."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            message = str(exc) or "You can't do that."
            if not permissions.is_signed_in(request.user):
                fallback = request.get_full_path() if request.method == "GET" else reverse("forum:index")
                next_url = safe_next(request, fallback)
                if wants_json(request):
                    login = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
                    return JsonResponse({"error": message, "login_url": login}, status=401)
                return redirect_to_login(next_url)
            if wants_json(request):
                return JsonResponse({"error": message}, status=403)
            raise

    return wrapper


def _done(
    request: HttpRequest, back: str, message: str, payload: dict, level=messages.SUCCESS
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"message": message, **payload})
    messages.add_message(request, level, message)
    return HttpResponseRedirect(back)


def _invalid(request: HttpRequest, back: str, message: str, errors: dict | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message, "errors": errors or {}}, status=400)
    messages.error(request, message)
    return HttpResponseRedirect(back)


def _get_post(pk: int) -> Post:
    return get_object_or_404(Post.objects.select_related("topic", "author"), pk=pk)


def _want_state(request: HttpRequest) -> bool | None:
    """``state=on|off`` asks for a state (a double click then changes nothing); absent toggles."""
    return {"on": True, "off": False}.get(request.POST.get("state", ""))


# --- reactions --------------------------------------------------------------------------


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
    return _done(
        request,
        safe_next(request, topic.get_absolute_url()),
        message,
        {"active": active, "count": topic.metoo_count},
    )


@require_POST
@action
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    post = _get_post(pk)
    permissions.check_view_topic(request.user, post.topic)
    active = reactions.post_toggle_vote(user=request.user, post=post, set_to=_want_state(request))
    message = "Your vote is counted." if active else "Your vote is withdrawn."
    return _done(
        request, safe_next(request, _post_url(post)), message, {"active": active, "count": post.vote_count}
    )


# --- flags ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@action
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the flag form on a page of its own (for links and for showing errors); POST: flag."""
    post = _get_post(pk)
    permissions.check_view_topic(request.user, post.topic)
    permissions.check_flag(request.user, post)
    back = safe_next(request, _post_url(post))
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
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                message = "Thanks for flagging this post: moderators will review it."
                if post.is_hidden:
                    message += " It is hidden until they do."
                return _done(request, back, message, {"flagged": True, "hidden": post.is_hidden})
        if wants_json(request):
            errors = {name: list(errs) for name, errs in form.errors.items()}
            first = next(iter(errors.values()), ["Check the form."])[0]
            return JsonResponse({"error": first, "errors": errors}, status=400)
    context = {"post": post, "topic": post.topic, "form": form, "next": back}
    return render(request, "forum/moderation/flag.html", context, status=400 if form.errors else 200)


# --- hiding -----------------------------------------------------------------------------


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
    post = _get_post(pk)
    permissions.check_hide(request.user, post)
    back = safe_next(request, _post_url(post))
    try:
        changed = moderation.post_hide(user=request.user, post=post, reason=_reason(request))
    except ValidationError as exc:
        return _invalid(request, back, _messages(exc))
    is_question = post.topic.first_post_id == post.pk
    if not changed:
        message = "That post was already hidden."
    elif is_question:
        message = "The question is hidden, and with it the topic."
    else:
        message = "The post is hidden. Its author, moderators and staff still see it, marked hidden."
    return _done(request, back, message, {"hidden": True})


@require_POST
@action
def unhide_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = _get_post(pk)
    permissions.check_hide(request.user, post)
    changed = moderation.post_unhide(user=request.user, post=post)
    message = "The post is visible again." if changed else "That post was not hidden."
    return _done(request, safe_next(request, _post_url(post)), message, {"hidden": False})


@require_POST
@action
def hide_topic(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    permissions.check_hide(request.user, topic)
    back = safe_next(request, topic.get_absolute_url())
    try:
        changed = moderation.topic_hide(user=request.user, topic=topic, reason=_reason(request))
    except ValidationError as exc:
        return _invalid(request, back, _messages(exc))
    message = (
        "The topic is hidden from everyone but its author, moderators and staff."
        if changed
        else "That topic was already hidden."
    )
    return _done(request, back, message, {"hidden": True})


@require_POST
@action
def unhide_topic(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    permissions.check_hide(request.user, topic)
    changed = moderation.topic_unhide(user=request.user, topic=topic)
    message = "The topic is visible again." if changed else "That topic was not hidden."
    return _done(request, safe_next(request, topic.get_absolute_url()), message, {"hidden": False})


# --- bans -------------------------------------------------------------------------------


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
            return _done(
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
    return _done(
        request,
        safe_next(request, reverse("forum:moderation_queue")),
        f"{target.name} may take part again.",
        {"banned": False},
    )


# --- the moderation queue ---------------------------------------------------------------


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
    post = _get_post(pk)
    permissions.check_moderate(request.user)
    back = safe_next(request, reverse("forum:moderation_queue"))
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, back, "Choose uphold or dismiss.", dict(form.errors))
    uphold = form.cleaned_data["decision"] == "uphold"
    closed = moderation.post_resolve_flags(user=request.user, post=post, uphold=uphold)
    if not closed:
        message = "Those flags were already handled."
    elif uphold:
        message = f"Upheld {closed} flag{'s' if closed != 1 else ''}: the post stays hidden."
    else:
        message = f"Dismissed {closed} flag{'s' if closed != 1 else ''}" + (
            "." if post.is_hidden else "; the post is visible."
        )
    return _done(request, back, message, {"closed": closed, "hidden": post.is_hidden})
