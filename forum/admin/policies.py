"""Who may see and change the community's models in the Wagtail admin: a role-based permission
policy per model (``accounts.roles``), registered in ``forum/wagtail_hooks.py``, instead of
Django model permissions. (The policy class is ``accounts.permissions.RolePermissionPolicy``,
shared with the other apps' admin screens.)

* Staff: categories (editable) and topics (list, inspect, bulk actions).
* Moderators and Staff: posts and flags.
"""

from __future__ import annotations

from accounts import roles
from accounts.permissions import RolePermissionPolicy
from forum.models import Category, Flag, Post, Topic

STAFF_ONLY = (roles.STAFF,)
MODERATORS = (roles.MODERATORS, roles.STAFF)

category_policy = RolePermissionPolicy(
    Category, view_groups=STAFF_ONLY, manage_groups=STAFF_ONLY, can_delete=lambda c: not c.topics.exists()
)
topic_policy = RolePermissionPolicy(Topic, view_groups=STAFF_ONLY)
post_policy = RolePermissionPolicy(Post, view_groups=MODERATORS)
flag_policy = RolePermissionPolicy(Flag, view_groups=MODERATORS)
