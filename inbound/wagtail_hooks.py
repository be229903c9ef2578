"""The inbound mail log in the Wagtail admin (see ``inbound.viewsets``)."""

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from inbound import viewsets
from inbound.models import InboundMessage

register_permission_policy(InboundMessage, viewsets.message_policy, exact_class=True)
register_snippet(viewsets.InboundMessageViewSet)
