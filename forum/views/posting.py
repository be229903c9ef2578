"""Writing: asking a question, replying, and the live preview of either.

A double submit (two clicks, a retried request) makes one topic or reply: the form's one-time
token goes through ``forum.services.submissions.submit_once``, and the same text posted again
within a few minutes leads to what is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.ratelimit import throttle, user_or_client_key
from forum import markup, permissions, selectors
from forum.forms import AskForm, PreviewForm, ReplyForm
from forum.models import Post, Topic
from forum.services import posts as post_services
from forum.services import submissions
from forum.services import topics as topic_services
from forum.views.base import add_errors, denied_to_login, preview_of_source, visible_topic

IDENTICAL_REPLY_WINDOW = timedelta(minutes=10)
T = TypeVar("T")


def _submit_once(request: HttpRequest, form, create: Callable[[], T]) -> tuple[T | None, bool, int]:
    """``create`` after the posting rate check, at most once per form token
    (``submissions.submit_once``). Returns ``(object, created, 200)``; or, when refused,
    ``(None, False, status)`` with the reason on the form: 429 for the rate limit, 409 for a
    submit still in progress, 400 for invalid input."""

    def checked_create() -> T:
        post_services.post_rate_check(user=request.user)
        return create()

    try:
        obj, created = submissions.submit_once(user=request.user, token=form.token, create=checked_create)
    except post_services.RateLimitExceeded as exc:
        form.add_error(None, str(exc))
        return None, False, 429
    except submissions.AlreadySubmitted as exc:
        form.add_error(None, str(exc))
        return None, False, 409
    except ValidationError as exc:
        add_errors(form, exc)
        return None, False, 400
    return obj, created, 200


@require_http_methods(["GET", "POST"])
@denied_to_login
def ask(request: HttpRequest) -> HttpResponse:
    permissions.check_ask(request.user)
    preview_html = None
    status = 200
    if request.method == "GET":
        initial = {"title": request.GET.get("title", "")[:200]}
        if request.GET.get("category"):
            found = selectors.category_by_slug(request.GET["category"])
            if found:
                initial["category"] = found.pk
        form = AskForm(initial=initial)
        return render(request, "forum/ask.html", {"form": form})

    form = AskForm(request.POST)
    if form.is_bot:
        # A honeypot hit: answer like a success, keep nothing.
        return redirect("forum:index")
    if "preview" in request.POST:
        form.is_valid()
        return render(request, "forum/ask.html", {"form": form, "preview_html": preview_of_source(request)})
    if form.is_valid():
        data = form.cleaned_data
        existing = topic_services.recent_identical_topic(
            author=request.user, title=data["title"], source=data["source"]
        )
        if existing is not None:
            messages.info(request, "You already posted this question: here it is.")
            return redirect(existing.get_absolute_url())

        def create() -> Topic:
            return topic_services.topic_create(
                author=request.user,
                title=data["title"],
                source=data["source"],
                kind=data["kind"],
                category=data["category"],
                tags=data["tags"],
            )

        topic, created, status = _submit_once(request, form, create)
        if topic is not None:
            if created:
                messages.success(request, "Your question is posted. You'll be notified of replies.")
            return redirect(topic.get_absolute_url())
    else:
        status = 400
    return render(request, "forum/ask.html", {"form": form, "preview_html": preview_html}, status=status)


@require_POST
@throttle(
    "preview",
    rate_setting="PREVIEW_RATE_LIMIT",
    key=user_or_client_key,
    message="The preview is taking a break: you asked for many in a short time.",
    as_json=True,
)
def preview(request: HttpRequest) -> HttpResponse:
    """The HTML that ``forum.markup`` makes of ``source``, for the live preview."""
    if not permissions.is_signed_in(request.user):
        return JsonResponse({"error": "Sign in to preview."}, status=403)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse(
            {"error": f"Keep it under {markup.MAX_SOURCE_LENGTH:,} characters."},
            status=400,
        )
    rendered = markup.render_markdown(form.cleaned_data["source"])
    return JsonResponse({"html": rendered.html})


@require_http_methods(["GET", "POST"])
@denied_to_login
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    topic = visible_topic(request, pk)
    permissions.check_reply(request.user, topic)
    if request.method == "GET":
        return render(request, "forum/reply.html", {"topic": topic, "form": ReplyForm()})
    form = ReplyForm(request.POST)
    if form.is_bot:
        return redirect(topic.get_absolute_url())
    if "preview" in request.POST:
        form.is_valid()
        context = {"topic": topic, "form": form, "preview_html": preview_of_source(request)}
        return render(request, "forum/reply.html", context)
    status = 400
    if form.is_valid():
        source = form.cleaned_data["source"].strip()
        existing = (
            Post.objects.filter(
                topic=topic,
                author=request.user,
                source=source,
                created_at__gte=timezone.now() - IDENTICAL_REPLY_WINDOW,
            )
            .exclude(pk=topic.first_post_id)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            messages.info(request, "You already posted this reply: here it is.")
            return redirect("forum:post", pk=existing.pk)

        def create() -> Post:
            return post_services.post_create(author=request.user, topic=topic, source=source)

        post, created, status = _submit_once(request, form, create)
        if post is not None:
            if created:
                messages.success(request, "Your reply is posted.")
            return redirect("forum:post", pk=post.pk)
    return render(request, "forum/reply.html", {"topic": topic, "form": form}, status=status)
