"""Who may do what with accounts and the staff-only screens built on the roles.

Each ``check_*`` raises ``PermissionDenied`` with a sentence a person can read; ``can_*`` is
the same rule as a boolean (menus, templates).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts import roles


def check_view_staff_reports(user) -> None:
    """The responsiveness and search reports in the admin: Editors and Staff."""
    if not roles.is_editor_or_staff(user):
        raise PermissionDenied("Only Staff and Editors can see this report.")


def can_view_staff_reports(user) -> bool:
    return roles.is_editor_or_staff(user)
