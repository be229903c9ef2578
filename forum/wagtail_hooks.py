"""The community in the Wagtail admin (``forum.admin``): the "Community" menu with the
moderation queue, topics, posts, flags, categories and banned members; the role-based
permission policies; bulk actions on topics, posts, flags and users."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from forum.admin import bulk_actions, policies, viewsets
from forum.models import Category, Flag, Post, Topic
from forum.reports import admin as reports_admin  # noqa: F401  (registers the report's URL and menu item)

for model, policy in (
    (Category, policies.category_policy),
    (Topic, policies.topic_policy),
    (Post, policies.post_policy),
    (Flag, policies.flag_policy),
):
    register_permission_policy(model, policy, exact_class=True)

register_snippet(viewsets.CommunityViewSetGroup)

for action_class in bulk_actions.BULK_ACTIONS:
    hooks.register("register_bulk_action", action_class)


@hooks.register("register_log_actions")
def register_forum_log_actions(actions):
    actions.register_action(
        "forum.redact_revision", "Redact an earlier version", "Redacted an earlier version of a post"
    )
