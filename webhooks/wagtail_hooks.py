"""Webhooks in the Wagtail admin (``webhooks.viewsets``, under Settings), and a dashboard panel
naming the endpoints that were disabled for failing, as the failed scheduled jobs are."""

from django.utils.html import format_html, format_html_join

from wagtail import hooks
from wagtail.admin.ui.components import Component

from webhooks import permissions, selectors, viewsets


@hooks.register("register_admin_viewset")
def register_webhooks_viewset():
    return viewsets.WebhooksViewSet()


class DisabledEndpointsPanel(Component):
    name = "disabled_webhooks"
    order = 55

    def __init__(self, endpoints):
        self.endpoints = endpoints

    def render_html(self, parent_context=None):
        rows = format_html_join(
            "",
            '<li><a href="{}"><strong>{}</strong></a>: {}</li>',
            (
                (endpoint.get_admin_url(), str(endpoint), endpoint.disabled_reason)
                for endpoint in self.endpoints
            ),
        )
        return format_html(
            '<section class="panel w-panel"><h2>Webhook endpoints disabled for failing</h2><ul>{}</ul>'
            "<p>Their messages are kept. Check the receiver, send a test event, then enable it.</p></section>",
            rows,
        )


@hooks.register("construct_homepage_panels")
def add_disabled_webhooks_panel(request, panels):
    if not permissions.can_manage(request.user):
        return
    endpoints = list(selectors.disabled_by_failures()[:10])
    if endpoints:
        panels.append(DisabledEndpointsPanel(endpoints))
