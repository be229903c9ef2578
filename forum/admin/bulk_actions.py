"""Bulk actions of the Wagtail admin's listings: hide, unhide, lock and unlock topics; hide and
unhide posts; uphold and dismiss flags; ban members and lift bans from the Users listing.

Each calls one service per object, with the site's permission check on every object
(``forum.permissions``), so a bulk action is never a road around a rule.
"""

from __future__ import annotations

from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.users.views.bulk_actions.user_bulk_action import UserBulkAction

from forum import permissions
from forum.admin.forms import BanReasonForm, HideReasonForm
from forum.models import Flag, Post, Topic
from forum.services import moderation
from forum.services import topics as topic_services


class ForumBulkAction(SnippetBulkAction):
    """A bulk action that calls a service per object, with the site's permission check.

    Each concrete action defines ``apply(cls, *, user, obj, form) -> bool`` (a classmethod that
    calls one service and says whether the object changed), plus ``check`` and ``verb``."""

    template_name = "forum/moderation/admin_confirm_bulk.html"
    check = None  # a forum.permissions check_* taking (user, obj)
    verb = ""

    def check_perm(self, obj):
        return permissions.allowed(type(self).check, self.request.user, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"verb": self.verb, "action_label": self.display_name})
        return context

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        changed = sum(1 for obj in objects if cls.apply(user=user, obj=obj, form=kwargs["self"].cleaned_form))
        return changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        label = (
            self.model._meta.verbose_name if num_parent_objects == 1 else self.model._meta.verbose_name_plural
        )
        return f"{self.verb.capitalize()} {num_parent_objects} {label}."


def _hide_check(user, obj):
    permissions.check_hide(user, obj)


def _lock_check(user, obj):
    permissions.check_lock(user, obj)


class _HideBulkAction(ForumBulkAction):
    """Hide the selected topics or posts, with one optional reason for all (kept for staff)."""

    display_name = "Hide"
    form_class = HideReasonForm
    check = staticmethod(_hide_check)
    verb = "hid"
    action_priority = 10


class _UnhideBulkAction(ForumBulkAction):
    display_name = "Unhide"
    check = staticmethod(_hide_check)
    verb = "unhid"
    action_priority = 20


class HideTopicsBulkAction(_HideBulkAction):
    action_type = "forum_hide_topics"
    aria_label = "Hide the selected topics"
    models = [Topic]

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.topic_hide(user=user, topic=obj, reason=form.cleaned_data.get("reason", ""))


class UnhideTopicsBulkAction(_UnhideBulkAction):
    action_type = "forum_unhide_topics"
    aria_label = "Show the selected topics again"
    models = [Topic]

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.topic_unhide(user=user, topic=obj)


class LockTopicsBulkAction(ForumBulkAction):
    display_name = "Lock"
    action_type = "forum_lock_topics"
    aria_label = "Lock the selected topics"
    models = [Topic]
    check = staticmethod(_lock_check)
    verb = "locked"
    action_priority = 30

    @classmethod
    def apply(cls, *, user, obj, form):
        if obj.is_locked:
            return False
        topic_services.topic_lock(actor=user, topic=obj)
        return True


class UnlockTopicsBulkAction(ForumBulkAction):
    display_name = "Unlock"
    action_type = "forum_unlock_topics"
    aria_label = "Unlock the selected topics"
    models = [Topic]
    check = staticmethod(_lock_check)
    verb = "unlocked"
    action_priority = 40

    @classmethod
    def apply(cls, *, user, obj, form):
        if not obj.is_locked:
            return False
        topic_services.topic_unlock(actor=user, topic=obj)
        return True


class HidePostsBulkAction(_HideBulkAction):
    action_type = "forum_hide_posts"
    aria_label = "Hide the selected posts"
    models = [Post]

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.post_hide(user=user, post=obj, reason=form.cleaned_data.get("reason", ""))


class UnhidePostsBulkAction(_UnhideBulkAction):
    action_type = "forum_unhide_posts"
    aria_label = "Show the selected posts again"
    models = [Post]

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.post_unhide(user=user, post=obj)


def _moderate_check(user, obj):
    permissions.check_moderate(user)


class _ResolveFlagsBulkAction(ForumBulkAction):
    """Acts on the posts of the selected flags: every open flag on each post is resolved."""

    models = [Flag]
    check = staticmethod(_moderate_check)
    uphold = False

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        posts = {flag.post_id: flag.post for flag in objects if flag.state == Flag.State.OPEN}
        closed = sum(
            moderation.post_resolve_flags(user=user, post=post, uphold=cls.uphold) for post in posts.values()
        )
        return closed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{self.verb.capitalize()} {num_parent_objects} open flag{'s' if num_parent_objects != 1 else ''}."


class UpholdFlagsBulkAction(_ResolveFlagsBulkAction):
    display_name = "Uphold"
    action_type = "forum_uphold_flags"
    aria_label = "Uphold the selected flags and keep their posts hidden"
    verb = "upheld"
    uphold = True
    action_priority = 10


class DismissFlagsBulkAction(_ResolveFlagsBulkAction):
    display_name = "Dismiss"
    action_type = "forum_dismiss_flags"
    aria_label = "Dismiss the selected flags and show posts the flags hid"
    verb = "dismissed"
    action_priority = 20


def _ban_check(user, target):
    permissions.check_ban(user, target)


class BanUsersBulkAction(UserBulkAction):
    display_name = "Ban"
    action_type = "forum_ban_users"
    aria_label = "Ban the selected members from posting"
    template_name = "forum/moderation/admin_confirm_bulk.html"
    form_class = BanReasonForm
    action_priority = 60

    def check_perm(self, obj):
        return permissions.allowed(_ban_check, self.request.user, obj) and not obj.is_banned

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}

    def get_execution_context(self):
        return {"user": self.request.user, "reason": self.cleaned_form.cleaned_data["reason"]}

    @classmethod
    def execute_action(cls, objects, user=None, reason="", **kwargs):
        for target in objects:
            moderation.user_ban(user=user, target=target, reason=reason)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"Banned {num_parent_objects} member{'s' if num_parent_objects != 1 else ''}."


class UnbanUsersBulkAction(UserBulkAction):
    display_name = "Lift ban"
    action_type = "forum_unban_users"
    aria_label = "Lift the ban on the selected members"
    template_name = "forum/moderation/admin_confirm_bulk.html"
    action_priority = 61

    def check_perm(self, obj):
        return permissions.allowed(_ban_check, self.request.user, obj) and obj.is_banned

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}

    def get_execution_context(self):
        return {"user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        for target in objects:
            moderation.user_unban(user=user, target=target)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"Lifted the ban on {num_parent_objects} member{'s' if num_parent_objects != 1 else ''}."


BULK_ACTIONS = [
    BanUsersBulkAction,
    UnbanUsersBulkAction,
    HideTopicsBulkAction,
    UnhideTopicsBulkAction,
    LockTopicsBulkAction,
    UnlockTopicsBulkAction,
    HidePostsBulkAction,
    UnhidePostsBulkAction,
    UpholdFlagsBulkAction,
    DismissFlagsBulkAction,
]
