"""Small public endpoints of the FAQ: "Was this helpful?" votes and comments, and staff
nominating a topic. Each is a POST with CSRF; with ``Accept: application/json`` (kb.js) the
answer is JSON, otherwise a redirect back with a message, so everything works without script."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from core.http import wants_json
from forum.models import Topic
from kb import services
from kb.models import FaqArticlePage


def _reply(
    request: HttpRequest, article: FaqArticlePage, *, ok: bool, message: str, status: int = 200, **data
):
    if wants_json(request):
        return JsonResponse({"ok": ok, "message": message, **data}, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(f"{article.url}#helpful")


def _article(pk: int) -> FaqArticlePage:
    return get_object_or_404(FaqArticlePage.objects.live().public(), pk=pk)


@require_POST
def helpful_vote(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    choice = request.POST.get("helpful", "")
    if choice not in ("yes", "no"):
        return _reply(request, article, ok=False, message="Choose “Yes” or “No”.", status=400)
    visitor = services.visitor_from_request(request, create_session=True)
    try:
        result = services.article_vote_helpful(
            article=article, visitor=visitor, helpful=choice == "yes", comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        return _reply(request, article, ok=False, message=exc.messages[0], status=400)
    except services.RateLimited as exc:
        return _reply(request, article, ok=False, message=str(exc), status=429)
    if not result.created:
        message = "You already told us about this article. Thank you!"
    elif result.vote.helpful:
        message = "Thanks for your feedback! Glad it helped."
    else:
        message = "Thanks for your feedback. What was missing? Tell us below."
    return _reply(
        request,
        article,
        ok=True,
        message=message,
        created=result.created,
        helpful=result.vote.helpful,
        ask_comment=not result.vote.helpful and not result.vote.comment,
    )


@require_POST
def helpful_comment(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    visitor = services.visitor_from_request(request)
    try:
        services.article_comment_helpful(
            article=article, visitor=visitor, comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        return _reply(request, article, ok=False, message=exc.messages[0], status=400)
    except services.RateLimited as exc:
        return _reply(request, article, ok=False, message=str(exc), status=429)
    return _reply(request, article, ok=True, message="Thank you: we'll use this to improve the article.")


@require_POST
def nominate(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=topic_id)
    value = request.POST.get("nominate", "1")
    if value not in ("0", "1"):
        messages.error(request, "Unknown nomination choice.")
        return redirect(topic.get_absolute_url())
    try:
        services.topic_nominate_for_faq(actor=request.user, topic=topic, nominate=value == "1")
    except PermissionDenied as exc:
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={topic.get_absolute_url()}")
        raise exc
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(topic.get_absolute_url())
    messages.success(
        request,
        "Nominated for the FAQ: editors will see it among the candidates."
        if value == "1"
        else "Nomination withdrawn.",
    )
    return redirect(topic.get_absolute_url())
