"""Public profiles, editing your own profile, and deleting your account."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import roles, services
from accounts.forms import DeleteAccountForm, ProfileForm
from accounts.models import User
from accounts.signals import profile_context


@require_http_methods(["GET", "HEAD", "POST"])
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """``/admin/login/``: the admin's sign-in is allauth's (``WAGTAILADMIN_LOGIN_URL``).

    Visitors go to allauth's login with their ``next``; whatever is posted here is never
    checked, so this address is no password oracle. A member who is signed in but may not
    use the admin gets a 403 that says so (sending them to the login page would bounce them
    straight back here)."""
    if not request.user.is_authenticated:
        query = request.META.get("QUERY_STRING", "")
        return redirect(reverse("account_login") + (f"?{query}" if query else ""))
    raise PermissionDenied(
        "Your account has no access to the admin. Sign out and sign in with a team account to use it."
    )


def _member(username: str) -> User:
    return get_object_or_404(User, username=username, is_active=True)


def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A member's public page: who they are here; the apps built on accounts add what they
    know (``accounts.signals.profile_context``: the forum adds posts and counts)."""
    member = _member(username)
    context = {
        "member": member,
        "is_staff_member": roles.is_staff_member(member),
        "is_self": request.user.is_authenticated and request.user.pk == member.pk,
    }
    for _receiver, extra in profile_context.send(sender=User, request=request, member=member):
        context.update(extra or {})
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, username: str) -> HttpResponse:
    member = _member(username)
    services.check_edit_profile(request.user, member)
    initial = {"display_name": member.display_name, "bio": member.bio, "staff_title": member.staff_title}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial, user=member)
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            user=member,
            actor=request.user,
            display_name=form.cleaned_data["display_name"],
            bio=form.cleaned_data["bio"],
            avatar=form.cleaned_data["avatar"],
            remove_avatar=form.cleaned_data["remove_avatar"],
            staff_title=form.cleaned_data.get("staff_title") if "staff_title" in form.fields else None,
        )
        messages.success(request, "Your profile is saved.")
        return redirect(member.get_absolute_url())
    return render(
        request,
        "accounts/profile_edit.html",
        {"member": member, "form": form, "max_avatar_bytes": settings.AVATAR_MAX_BYTES},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest, username: str) -> HttpResponse:
    member = _member(username)
    services.check_delete_account(request.user, member)
    form = DeleteAccountForm(request.POST or None, user=member)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=member, actor=request.user)
        logout(request)
        messages.success(request, "Your account is deleted. Your posts remain, shown as from a deleted user.")
        return redirect("/")
    return render(
        request,
        "accounts/account_delete.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )
