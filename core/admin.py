"""Plumbing the apps' Wagtail admin screens share: a guarded POST action that answers a refusal
with a message instead of a 500, and a menu entry for one role that can show how much waits
behind it (``GuardedMenuItem``, or ``GuardedViewSet`` for a viewset of custom screens).
Django's admin autodiscovery imports this module, as it does every installed app's ``admin``;
it registers nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from wagtail.admin.menu import LinkMenuItemComponent, MenuItem
from wagtail.admin.viewsets.base import ViewSet

from core.http import safe_next


def admin_post_action(*, check: Callable[[object], None], back: str):
    """Decorate an admin action: POST only; ``check(user)`` first (its ``PermissionDenied`` is
    the 403 of a screen the user may not open); then a ``PermissionDenied`` or
    ``ValidationError`` from the action becomes an error message and a redirect to the ``next``
    address, or to the URL named ``back``. Nothing the service refused is half-saved, so the
    screen can simply be shown again."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            check(request.user)
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect(safe_next(request, reverse(back)))

        return require_POST(wrapper)

    return decorate


class GuardedMenuItem(MenuItem):
    """A menu entry shown to those ``shown_to(user)`` admits; with ``count``, its label says how
    many items wait (one count query per admin page)."""

    def __init__(
        self,
        label: str,
        url: str,
        *,
        shown_to: Callable[[object], bool],
        count: Callable[[], int] | None = None,
        **kwargs,
    ):
        super().__init__(label, url, **kwargs)
        self.shown_to = shown_to
        self.count = count

    def is_shown(self, request: HttpRequest) -> bool:
        return self.shown_to(request.user)

    def render_component(self, request: HttpRequest):
        if self.count is None:
            return super().render_component(request)
        waiting = self.count()
        label = f"{self.label} ({waiting})" if waiting else self.label
        return LinkMenuItemComponent(
            self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs
        )


class GuardedViewSet(ViewSet):
    """A viewset of custom admin screens whose menu entry is a ``GuardedMenuItem``: set
    ``menu_shown_to`` (who sees the entry) and, for a queue, ``menu_count`` (how many wait), both
    as ``staticmethod``. The entry's address is the viewset's first URL (``menu_url``)."""

    @staticmethod
    def menu_shown_to(user) -> bool:
        return False  # nobody, until the viewset says who

    menu_count: Callable[[], int] | None = None

    def get_menu_item(self, order: int | None = None) -> GuardedMenuItem:
        return GuardedMenuItem(
            self.menu_label,
            self.menu_url,
            shown_to=self.menu_shown_to,
            count=self.menu_count,
            name=self.menu_name,
            icon_name=self.menu_icon,
            order=self.get_menu_item_order(order),
        )
