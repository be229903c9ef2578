"""Mentions in the Wagtail admin (see ``mentions.viewsets``): the triage queue and sources."""

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from mentions import viewsets
from mentions.models import Source

register_permission_policy(Source, viewsets.source_policy, exact_class=True)
register_snippet(viewsets.MentionsViewSetGroup)
