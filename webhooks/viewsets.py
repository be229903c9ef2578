"""Webhooks in the Wagtail admin, for staff, at /admin/webhooks/: the endpoints, a form to
register or edit one (address and events checked by ``webhooks.services``; nothing is saved
when anything is wrong), a page per endpoint with its secret (shown once, after it is made or
rotated), "send test event", disable / enable, and its delivery log (paginated, by status) with
"redeliver" on failed messages.

Every view checks ``webhooks.permissions.check_manage``; every action calls a service;
refusals come back as a message, never a 500.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from webhooks import permissions, selectors, services
from webhooks.models import Delivery, Endpoint, Event

PER_PAGE = 25
SECRET_SESSION_KEY = "webhooks_show_secret"  # noqa: S105 (a session key name)


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Address",
        max_length=2000,
        help_text="Where the messages are POSTed: a public https:// address.",
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(value, f"{value}: {label}") for value, label in Event.choices],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )

    def apply_errors(self, exc: ValidationError) -> None:
        """Put the service's refusals on the fields they are about."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def _endpoint(pk: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=pk)


def _detail(pk: int) -> str:
    return reverse("webhooks:endpoint", args=[pk])


def _show_secret_once(request, endpoint: Endpoint) -> None:
    request.session[SECRET_SESSION_KEY] = endpoint.pk


def list_view(request):
    permissions.check_manage(request.user)
    return TemplateResponse(
        request,
        "webhooks/admin/list.html",
        {
            "page_title": "Webhooks",
            "header_title": "Webhooks",
            "header_icon": "link-external",
            "endpoints": selectors.endpoints_with_counts(),
        },
    )


def _form_page(request, form, *, endpoint: Endpoint | None):
    return TemplateResponse(
        request,
        "webhooks/admin/form.html",
        {
            "page_title": "Edit webhook endpoint" if endpoint else "Add a webhook endpoint",
            "header_title": "Edit webhook endpoint" if endpoint else "Add a webhook endpoint",
            "header_icon": "link-external",
            "form": form,
            "endpoint": endpoint,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def add_view(request):
    permissions.check_manage(request.user)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            _show_secret_once(request, endpoint)
            messages.success(request, "Endpoint added. Copy its secret now: it is shown only this once.")
            return redirect(_detail(endpoint.pk))
    return _form_page(request, form, endpoint=None)


def edit_view(request, pk: int):
    permissions.check_manage(request.user)
    endpoint = _endpoint(pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect(_detail(endpoint.pk))
    return _form_page(request, form, endpoint=endpoint)


def detail_view(request, pk: int):
    permissions.check_manage(request.user)
    endpoint = _endpoint(pk)
    status = request.GET.get("status", "")
    if status not in Delivery.Status.values:
        status = ""
    page = Paginator(selectors.delivery_log(endpoint, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    secret = None
    if request.session.get(SECRET_SESSION_KEY) == endpoint.pk:
        secret = endpoint.secret
        del request.session[SECRET_SESSION_KEY]
    return TemplateResponse(
        request,
        "webhooks/admin/detail.html",
        {
            "page_title": f"Webhook: {endpoint}",
            "header_title": "Webhook endpoint",
            "header_icon": "link-external",
            "endpoint": endpoint,
            "secret": secret,
            "page": page,
            "status": status,
            "statuses": Delivery.Status.choices,
            "counts": selectors.status_counts(endpoint),
        },
    )


def _staff_action(view):
    """Staff-only admin POST: refusals become a message and a redirect to the endpoint."""

    def wrapper(request, pk: int, *args, **kwargs):
        permissions.check_manage(request.user)
        try:
            return view(request, pk, *args, **kwargs)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(_detail(pk))

    wrapper.__name__ = view.__name__
    return require_POST(wrapper)


@_staff_action
def test_action(request, pk: int):
    services.endpoint_send_test(actor=request.user, endpoint=_endpoint(pk))
    messages.success(request, "Test event sent: its outcome is at the top of the log.")
    return redirect(_detail(pk))


@_staff_action
def rotate_action(request, pk: int):
    endpoint = services.endpoint_rotate_secret(actor=request.user, endpoint=_endpoint(pk))
    _show_secret_once(request, endpoint)
    messages.success(request, "New secret made. Messages are signed with the old one too for a while.")
    return redirect(_detail(pk))


@_staff_action
def disable_action(request, pk: int):
    if services.endpoint_disable(actor=request.user, endpoint=_endpoint(pk)):
        messages.success(request, "Endpoint disabled: nothing is sent to it until it is enabled again.")
    else:
        messages.info(request, "The endpoint was already disabled.")
    return redirect(_detail(pk))


@_staff_action
def enable_action(request, pk: int):
    if services.endpoint_enable(actor=request.user, endpoint=_endpoint(pk)):
        messages.success(request, "Endpoint enabled: the messages waiting for it are being sent.")
    else:
        messages.info(request, "The endpoint was already enabled.")
    return redirect(_detail(pk))


@_staff_action
def redeliver_action(request, pk: int, delivery_pk: int):
    delivery = get_object_or_404(Delivery, pk=delivery_pk, endpoint_id=pk)
    raw = request.POST.get("attempts", "")
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationError("Reload the page and try again.")
    if services.delivery_redeliver(actor=request.user, delivery=delivery, seen_attempts=int(raw)):
        messages.success(request, "Sent again: its outcome is in the log.")
    else:
        messages.info(request, "That message has already been sent again.")
    return redirect(_detail(pk))


@_staff_action
def delete_action(request, pk: int):
    endpoint = _endpoint(pk)
    permissions.check_manage(request.user)
    label = str(endpoint)
    endpoint.delete()
    messages.success(request, f"Endpoint “{label}” deleted, with its delivery log.")
    return redirect("webhooks:list")


class WebhooksMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_manage(request.user)


class WebhooksViewSet(ViewSet):
    name = "webhooks"
    url_prefix = "webhooks"
    icon = "link-external"
    menu_label = "Webhooks"
    add_to_settings_menu = True

    def get_urlpatterns(self):
        return [
            path("", list_view, name="list"),
            path("add/", add_view, name="add"),
            path("<int:pk>/", detail_view, name="endpoint"),
            path("<int:pk>/edit/", edit_view, name="edit"),
            path("<int:pk>/test/", test_action, name="test"),
            path("<int:pk>/rotate/", rotate_action, name="rotate"),
            path("<int:pk>/disable/", disable_action, name="disable"),
            path("<int:pk>/enable/", enable_action, name="enable"),
            path("<int:pk>/delete/", delete_action, name="delete"),
            path("<int:pk>/deliveries/<int:delivery_pk>/redeliver/", redeliver_action, name="redeliver"),
        ]

    def get_menu_item(self, order=None):
        return WebhooksMenuItem(
            self.menu_label,
            reverse("webhooks:list"),
            name="webhooks",
            icon_name=self.icon,
            order=order or 900,
        )
