"""Who may do what with mentions: staff triage them; nobody else sees the queue."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from forum import permissions as forum_permissions


def can_triage(user) -> bool:
    return forum_permissions.is_staff(user)


def check_triage(user) -> None:
    if not can_triage(user):
        raise PermissionDenied("Only staff can triage mentions.")


def check_assignee(user) -> None:
    if user is not None and not can_triage(user):
        raise PermissionDenied("Mentions can be assigned to staff members only.")


def check_push(user) -> None:
    """Pushing mentions in from another tool (the API) is for staff: what comes in lands in
    their triage queue."""
    if not can_triage(user):
        raise PermissionDenied("Only staff can push mentions.")
