"""The community in the Wagtail admin (see ``forum.viewsets``): the "Community" menu with the
moderation queue, topics, posts, flags, categories and banned members; the role-based
permission policies; bulk actions on topics, posts, flags and users."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from forum import viewsets
from forum.models import Category, Flag, Post, Topic
from forum.reports import admin as reports_admin  # noqa: F401  (registers the report's URL and menu item)

for model, policy in (
    (Category, viewsets.category_policy),
    (Topic, viewsets.topic_policy),
    (Post, viewsets.post_policy),
    (Flag, viewsets.flag_policy),
):
    register_permission_policy(model, policy, exact_class=True)

register_snippet(viewsets.CommunityViewSetGroup)

for action_class in viewsets.BULK_ACTIONS:
    hooks.register("register_bulk_action", action_class)
