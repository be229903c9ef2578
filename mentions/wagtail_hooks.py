"""Mentions in the Wagtail admin (see ``mentions.viewsets``): the triage queue and sources."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from mentions import permissions, selectors, viewsets
from mentions.models import Source

register_permission_policy(Source, viewsets.source_policy, exact_class=True)
register_snippet(viewsets.MentionsViewSetGroup)


@hooks.register("register_responsiveness_section")
def mentions_response_times(request, now):
    """Mentions' time to first response, on the staff responsiveness report."""
    if not permissions.can_triage(request.user):
        return None
    return {
        "template": "mentions/admin/responsiveness_section.html",
        "windows": [selectors.response_times(days) for days in (7, 30)],
    }
