"""The inbound mail log in the Wagtail admin, for staff: every message that came in, what
became of it (taken, ignored, refused) and why, at /admin/inbound/messages/. Read-only:
rows are written by the pipeline alone."""

from __future__ import annotations

from django.utils.functional import cached_property

from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts import roles
from accounts.permissions import RolePermissionPolicy
from inbound.models import InboundMessage

message_policy = RolePermissionPolicy(InboundMessage, view_groups=(roles.STAFF,))


class InboundMessageViewSet(SnippetViewSet):
    model = InboundMessage
    icon = "mail"
    menu_label = "Inbound email"
    menu_order = 950
    add_to_admin_menu = True
    url_prefix = "inbound/messages"
    url_namespace = "inbound_messages"
    list_display = [
        Column("subject", label="Subject"),
        Column("sender", label="From"),
        Column("kind", label="Kind", accessor="get_kind_display"),
        Column("status", label="Status", accessor="get_status_display"),
        Column("reason", label="Why"),
        Column("source", label="Via", accessor="get_source_display"),
        DateColumn("received_at", label="Received"),
    ]
    list_filter = ["status", "kind", "source"]
    search_fields = ["subject", "sender", "recipient", "reason", "message_id"]
    search_backend_name = None
    ordering = ["-received_at", "-id"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "received_at",
        "source",
        "message_id",
        "sender",
        "recipient",
        "subject",
        "size",
        "kind",
        "status",
        "reason",
        "auth_results",
        "dropped_attachments",
        "user",
        "topic",
        "post",
    ]
    form_fields = ["reason"]  # never shown: the log is read-only

    def get_queryset(self, request):
        return InboundMessage.objects.select_related("user", "topic", "post")

    @cached_property
    def permission_policy(self):
        return message_policy
