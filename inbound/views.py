"""Two pages: a stranger confirms the question they mailed, a member revokes their reply
addresses (from the notification settings page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from inbound import services, tokens


@require_http_methods(["GET", "POST"])
def confirm_question(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail systems fetch links to scan them: a GET changes nothing);
    POST publishes the question."""
    try:
        tokens.read_confirm_token(token)
        if request.method == "POST":
            topic = services.question_confirm(token=token)
            return render(request, "inbound/confirm.html", {"done": True, "topic": topic})
    except tokens.InvalidToken as exc:
        return render(request, "inbound/confirm.html", {"error": str(exc)}, status=400)
    return render(request, "inbound/confirm.html", {"token": token})


@login_required
@require_POST
def revoke_reply_addresses(request: HttpRequest) -> HttpResponse:
    services.reply_addresses_revoke(user=request.user)
    messages.success(
        request,
        "Done: replies to the emails you had until now will no longer be posted. New emails carry new addresses.",
    )
    return redirect("notifications:preferences")
