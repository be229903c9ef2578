"""Who may do what with accounts and the staff-only screens built on the roles.

Each ``check_*`` raises ``PermissionDenied`` with a sentence a person can read; ``can_*`` is
the same rule as a boolean (menus, templates). ``RolePermissionPolicy`` turns the roles into
Wagtail model permissions for the apps' admin listings (``forum/admin/policies.py``,
``mentions/viewsets.py``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from wagtail.permission_policies.base import BasePermissionPolicy

from accounts import roles


def check_view_staff_reports(user) -> None:
    """The responsiveness and search reports in the admin: Editors and Staff."""
    if not roles.is_editor_or_staff(user):
        raise PermissionDenied("Only Staff and Editors can see this report.")


def can_view_staff_reports(user) -> bool:
    return roles.is_editor_or_staff(user)


class RolePermissionPolicy(BasePermissionPolicy):
    """Model permissions from the site's roles: ``view_groups`` may list and inspect,
    ``manage_groups`` may add, change and delete. Superusers hold every role."""

    def __init__(
        self, model, *, view_groups: tuple[str, ...], manage_groups: tuple[str, ...] = (), can_delete=None
    ):
        super().__init__(model)
        self.view_groups = view_groups
        self.manage_groups = manage_groups
        self.can_delete = can_delete

    def _groups_for(self, action: str) -> tuple[str, ...]:
        if action == "view":
            return tuple(dict.fromkeys(self.view_groups + self.manage_groups))
        if action in ("add", "change", "delete"):
            return self.manage_groups
        return ()

    def user_has_permission(self, user, action: str) -> bool:
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return False
        if user.is_superuser:
            return action == "view" or (action in ("add", "change", "delete") and bool(self.manage_groups))
        return any(roles.user_in_group(user, name) for name in self._groups_for(action))

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        if action == "delete" and self.can_delete is not None and not self.can_delete(instance):
            return False
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        groups = {name for action in actions for name in self._groups_for(action)}
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name__in=groups))
            .distinct()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if self.user_has_any_permission(user, actions):
            return self.model._default_manager.all()
        return self.model._default_manager.none()
