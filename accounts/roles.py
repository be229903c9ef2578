"""The site's roles, as Django groups. Membership is the single source of truth for powers."""

STAFF = "Staff"
MODERATORS = "Moderators"
EDITORS = "Editors"  # created by Wagtail's own migrations, as is "Moderators"

ROLE_GROUPS = (STAFF, MODERATORS, EDITORS)


def user_in_group(user, name: str) -> bool:
    """True when ``user`` belongs to group ``name``; superusers hold every role.

    Group names are cached on the user object so templates and lists that ask many times cost
    one query per request.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_group_names_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._group_names_cache = cached
    return name in cached


def is_staff_member(user) -> bool:
    return user_in_group(user, STAFF)


def is_moderator(user) -> bool:
    return user_in_group(user, MODERATORS) or user_in_group(user, STAFF)


def is_editor(user) -> bool:
    return user_in_group(user, EDITORS)


def is_editor_or_staff(user) -> bool:
    """Editors and Staff: the people who curate the FAQ, promote topics into it and read the
    staff reports. The one place this pair of roles is decided."""
    return is_editor(user) or is_staff_member(user)
