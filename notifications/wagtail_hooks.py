"""The staff responsiveness report in the Wagtail admin (Staff and Editors).

The figures come from ``forum.responsiveness``; this module only shows them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts import roles
from forum import responsiveness

QUEUE_PER_PAGE = 25


def can_see_responsiveness(user) -> bool:
    return roles.is_staff_member(user) or roles.is_editor(user)


class ResponsivenessView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "notifications/admin/responsiveness.html"
    page_title = "Staff responsiveness"
    header_icon = "time"

    def dispatch(self, request, *args, **kwargs):
        if not can_see_responsiveness(request.user):
            raise PermissionDenied("Only Staff and Editors can see the responsiveness report.")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        windows = []
        for days in responsiveness.WINDOWS:
            rows = responsiveness.responsiveness(days=days, now=now)
            windows.append({"days": days, "rows": rows, "total": rows[-1]})
        queue = Paginator(responsiveness.staff_queue(), QUEUE_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            windows=windows,
            queue=queue,
            queue_total=queue.paginator.count,
            now=now,
        )
        return context


@hooks.register("register_admin_urls")
def register_responsiveness_url():
    return [path("responsiveness/", ResponsivenessView.as_view(), name="notifications_responsiveness")]


class ResponsivenessMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_responsiveness(request.user)


@hooks.register("register_admin_menu_item")
def register_responsiveness_menu_item():
    return ResponsivenessMenuItem(
        "Responsiveness", reverse("notifications_responsiveness"), icon_name="time", order=850
    )
