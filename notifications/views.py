"""The inbox, mark read, preferences and unsubscribe pages. Views stay thin: the rules live in
``notifications.services``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.http import safe_next
from notifications import selectors, services
from notifications.forms import PreferencesForm
from notifications.models import EventType, Notification
from notifications.tokens import ExpiredToken, InvalidToken, read_unsubscribe_token


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    paginator = Paginator(
        selectors.inbox(user=request.user, unread_only=unread_only), settings.NOTIFICATIONS_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "unread_only": unread_only,
            "unread_total": selectors.unread_count(request),
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    if request.headers.get("x-requested-with") == "fetch":
        return JsonResponse({"ok": True, "id": notification.pk})
    if request.POST.get("open"):
        return redirect(notification.get_absolute_url())
    return redirect(safe_next(request, "notifications:inbox"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect(safe_next(request, "notifications:inbox"))


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.preferences_for([request.user.pk])[request.user.pk]
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user=request.user, deliveries=form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    context = {"form": form, "reply_by_email": bool(settings.INBOUND_EMAIL_DOMAIN)}
    return render(request, "notifications/preferences.html", context, status=400 if form.errors else 200)


@csrf_exempt  # the signed token is the credential; mail clients POST here without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link turns off and a button (link checkers in mail systems fetch
    links, so a GET changes nothing); POST turns it off, whether from that button or from a
    mail client's one-click ``List-Unsubscribe-Post``."""
    try:
        target = read_unsubscribe_token(token)
    except ExpiredToken as exc:
        return render(
            request, "notifications/unsubscribe.html", {"error": str(exc), "expired": True}, status=400
        )
    except InvalidToken as exc:
        return render(request, "notifications/unsubscribe.html", {"error": str(exc)}, status=400)
    label = dict(EventType.choices).get(target.event_type) if target.event_type else None
    context = {"target_user": target.user, "event_type_label": label, "token": token}
    if request.method == "POST":
        services.notifications_unsubscribe(user=target.user, event_type=target.event_type)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
