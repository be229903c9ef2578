"""The staff responsiveness report in the Wagtail admin (Staff and Editors).

The figures come from ``forum.reports.responsiveness``; this module only shows them. Who may
see it is ``accounts.permissions.check_view_staff_reports``. Other apps add sections of their
own through the ``register_responsiveness_section`` hook: a function taking ``request`` and
``now`` and returning ``None`` or a dict with a ``template`` and that template's context.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts import permissions as account_permissions
from core.admin import GuardedMenuItem
from forum.reports import responsiveness

QUEUE_PER_PAGE = 25


class ResponsivenessView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "forum/reports/responsiveness.html"
    page_title = "Staff responsiveness"
    header_icon = "time"

    def dispatch(self, request, *args, **kwargs):
        account_permissions.check_view_staff_reports(request.user)
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
        sections = [
            fn(request=self.request, now=now) for fn in hooks.get_hooks("register_responsiveness_section")
        ]
        context.update(
            windows=windows,
            queue=queue,
            queue_total=queue.paginator.count,
            now=now,
            extra_sections=[section for section in sections if section],
        )
        return context


@hooks.register("register_admin_urls")
def register_responsiveness_url():
    return [path("responsiveness/", ResponsivenessView.as_view(), name="forum_responsiveness")]


@hooks.register("register_admin_menu_item")
def register_responsiveness_menu_item():
    return GuardedMenuItem(
        "Responsiveness",
        reverse("forum_responsiveness"),
        shown_to=account_permissions.can_view_staff_reports,
        icon_name="time",
        order=850,
    )
