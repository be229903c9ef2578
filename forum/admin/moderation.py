"""The moderation screens of the Wagtail admin: the queue (open flags grouped by post, with
uphold, dismiss, hide and unhide) and the banned members list (ban by username, unban).

Every action calls ``forum.services.moderation`` with the same checks as the site; a refusal
comes back as a message and a redirect, never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property

from core.admin import GuardedViewSet, admin_post_action
from core.http import safe_next
from forum import permissions, selectors
from forum.admin.forms import BanLookupForm
from forum.models import Post
from forum.services import moderation

QUEUE_PER_PAGE = 20


# Moderator-only admin POST: refusals become a message and a redirect back to the queue.
_admin_action = admin_post_action(check=permissions.check_moderate, back="forum_moderation:queue")


def queue_view(request):
    """Open flags grouped by post, the longest-waiting first."""
    permissions.check_moderate(request.user)
    page = Paginator(selectors.moderation_queue(), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "forum/moderation/admin_queue.html",
        {
            "page_title": "Moderation queue",
            "header_title": "Moderation queue",
            "header_icon": "warning",
            "page": page,
            "items": list(page.object_list),
            "threshold": moderation_threshold(),
        },
    )


def moderation_threshold() -> int:
    return settings.FORUM_FLAGS_TO_HIDE


@_admin_action
def queue_resolve(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("uphold", "dismiss"):
        raise ValidationError("Choose uphold or dismiss.")
    closed = moderation.post_resolve_flags(user=request.user, post=post, uphold=decision == "uphold")
    verb = "Upheld" if decision == "uphold" else "Dismissed"
    messages.success(
        request, f"{verb} {closed} flag{'s' if closed != 1 else ''} on \u201c{post.topic.title}\u201d."
    )
    return redirect(safe_next(request, reverse("forum_moderation:queue")))


@_admin_action
def queue_hide(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    moderation.post_hide(user=request.user, post=post, reason=request.POST.get("reason", ""))
    messages.success(request, "The post is hidden.")
    return redirect(safe_next(request, reverse("forum_moderation:queue")))


@_admin_action
def queue_unhide(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    moderation.post_unhide(user=request.user, post=post)
    messages.success(request, "The post is visible again.")
    return redirect(safe_next(request, reverse("forum_moderation:queue")))


@_admin_action
def member_ban(request, pk: int):
    target = get_object_or_404(get_user_model(), pk=pk)
    moderation.user_ban(user=request.user, target=target, reason=request.POST.get("reason", ""))
    messages.success(request, f"{target.name} is banned.")
    return redirect(safe_next(request, reverse("forum_moderation:banned")))


@_admin_action
def member_unban(request, pk: int):
    target = get_object_or_404(get_user_model(), pk=pk)
    moderation.user_unban(user=request.user, target=target)
    messages.success(request, f"{target.name} may take part again.")
    return redirect(safe_next(request, reverse("forum_moderation:banned")))


def banned_view(request):
    """Banned members, with unban; and a form to ban anyone by username."""
    permissions.check_moderate(request.user)
    form = BanLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        target = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if target is None:
            form.add_error("username", "No member has that username.")
        else:
            try:
                moderation.user_ban(user=request.user, target=target, reason=form.cleaned_data["reason"])
            except PermissionDenied as exc:
                form.add_error("username", str(exc))
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            else:
                messages.success(request, f"{target.name} is banned.")
                return redirect("forum_moderation:banned")
    query = (request.GET.get("q") or "").strip()[:150]
    banned = get_user_model().objects.filter(is_banned=True).order_by("username")
    if query:
        banned = banned.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    page = Paginator(banned, 50).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "forum/moderation/admin_banned.html",
        {
            "page_title": "Banned members",
            "header_title": "Banned members",
            "header_icon": "user",
            "page": page,
            "form": form,
            "query": query,
        },
        status=400 if form.errors else 200,
    )


class ModerationViewSet(GuardedViewSet):
    """The moderation queue (open flags grouped by post) and the banned members list. The
    queue's menu entry says how many posts wait in it (one count query)."""

    name = "forum_moderation"
    url_prefix = "community/moderation"
    icon = "warning"
    menu_label = "Moderation queue"
    menu_name = "moderation-queue"
    menu_shown_to = staticmethod(permissions.is_moderator)
    menu_count = staticmethod(selectors.open_flag_total)

    def get_urlpatterns(self):
        return [
            path("", queue_view, name="queue"),
            path("posts/<int:pk>/resolve/", queue_resolve, name="resolve"),
            path("posts/<int:pk>/hide/", queue_hide, name="hide"),
            path("posts/<int:pk>/unhide/", queue_unhide, name="unhide"),
            path("banned/", banned_view, name="banned"),
            path("members/<int:pk>/ban/", member_ban, name="ban"),
            path("members/<int:pk>/unban/", member_unban, name="unban"),
        ]


class BannedMembersViewSet(GuardedViewSet):
    """A menu entry for the banned members list (its views live in ModerationViewSet)."""

    name = "forum_banned"
    icon = "user"
    menu_label = "Banned members"
    menu_name = "banned-members"
    menu_shown_to = staticmethod(permissions.is_moderator)

    def get_urlpatterns(self):
        return []

    @cached_property
    def menu_url(self):
        return reverse("forum_moderation:banned")
