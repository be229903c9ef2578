"""Who may do what with webhooks: staff (and superusers) manage endpoints and read the
delivery log; nobody else sees them, since an endpoint's secret signs what the site says."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from forum import permissions as forum_permissions


def can_manage(user) -> bool:
    return forum_permissions.is_staff(user)


def check_manage(user) -> None:
    if not can_manage(user):
        raise PermissionDenied("Only staff can manage webhooks.")
