"""What every community page and action shares: how a refusal is answered, how an object is
fetched for a visitor, how a service's ``ValidationError`` reaches the person.

Two ways of answering a refusal, one per kind of view:

* ``denied_to_login`` for pages and form posts: an anonymous visitor is sent to the login page
  (coming back afterwards), everyone else gets the site's 403 page with the rule's message;
* ``action`` for reactions and moderation, which scripts also call (``static/js/reactions.js``,
  ``Accept: application/json``): the same answers, or JSON (401 with the login address, 403)
  when the client asked for it. ``done`` and ``invalid`` answer success and bad input the same
  two ways.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import LazyObject, empty

from core.http import safe_next, wants_json
from forum import markup, permissions, selectors
from forum.models import Post, Topic

# --- refusals -----------------------------------------------------------------------------


def denied_to_login(view):
    """Turn ``PermissionDenied`` into a login redirect for anonymous visitors (back to the
    page they were on; for a POST, the page the action belongs to) and a 403 otherwise."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            if not permissions.is_signed_in(request.user):
                next_url = request.get_full_path()
                if request.method != "GET":
                    next_url = safe_next(request, fallback=reverse("forum:index"))
                return redirect_to_login(next_url)
            raise

    return wrapper


def action(view):
    """Like ``denied_to_login``, and in JSON for clients that asked for it (module docstring)."""

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


def done(
    request: HttpRequest, back: str, message: str, payload: dict, level=messages.SUCCESS
) -> HttpResponse:
    """An action succeeded: JSON with ``payload``, or a message and a redirect to ``back``."""
    if wants_json(request):
        return JsonResponse({"message": message, **payload})
    messages.add_message(request, level, message)
    return HttpResponseRedirect(back)


def invalid(request: HttpRequest, back: str, message: str, errors: dict | None = None) -> HttpResponse:
    """An action's input was refused: a JSON 400, or an error message and a redirect."""
    if wants_json(request):
        return JsonResponse({"error": message, "errors": errors or {}}, status=400)
    messages.error(request, message)
    return HttpResponseRedirect(back)


# --- errors -------------------------------------------------------------------------------


def add_errors(form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` onto the form: on its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def preview_of_source(request: HttpRequest) -> str:
    """The HTML of the posted ``source`` (cut to the longest allowed), for a form's preview
    button: what ``forum.markup`` will store if the text is posted."""
    return markup.render_markdown(request.POST.get("source", "")[: markup.MAX_SOURCE_LENGTH]).html


# --- fetching -----------------------------------------------------------------------------


def unwrap_user(request: HttpRequest):
    """``request.user`` without its lazy wrapper, for pages that read it hundreds of times (each
    permission check and template lookup through the wrapper costs a proxy call)."""
    user = request.user
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
        request.user = user
    return user


def visible_topic(request: HttpRequest, pk: int, *, cached: bool = False) -> Topic:
    """The topic, or 404; 403 when ``request.user`` may not see it. ``cached``: read from the
    content cache, for views that only show it (never for one that writes)."""
    topic = (selectors.topic_for_page_cached if cached else selectors.topic_for_page)(pk)
    if topic is None:
        raise Http404("No such topic.")
    permissions.check_view_topic(request.user, topic)
    return topic


def post_in_visible_topic(request: HttpRequest, pk: int) -> Post:
    """The post, or 404; 403 when ``request.user`` may not see its topic."""
    post = get_object_or_404(Post.objects.select_related("topic", "author"), pk=pk)
    permissions.check_view_topic(request.user, post.topic)
    return post


def post_or_404(pk: int) -> Post:
    """The post with its topic and author; the action's own check decides who may act on it."""
    return get_object_or_404(Post.objects.select_related("topic", "author"), pk=pk)


def post_url(post: Post) -> str:
    """Where a post is shown: its topic's page for the question, its permalink for a reply."""
    if post.topic.first_post_id == post.pk:
        return post.topic.get_absolute_url()
    return reverse("forum:post", kwargs={"pk": post.pk})
