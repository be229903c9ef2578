"""How people appear on the site: names (including deleted accounts) and avatars.

``{% load accounts_tags %}``, then:

* ``{{ post.author|author_name }}``: the display name, or "a deleted user" when the account is
  gone (``Post.author`` and ``Topic.author`` are set to NULL when an account is deleted).
* ``{% avatar user %}`` / ``{% avatar user "lg" %}``: the uploaded picture, or the initials.
* ``{% author_link post.author %}``: the name linked to the profile (plain text when deleted).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

DELETED_USER_NAME = "a deleted user"


@register.filter
def author_name(user) -> str:
    """The name to show for ``user``; "a deleted user" when there is no account any more."""
    if user is None or not getattr(user, "pk", None):
        return DELETED_USER_NAME
    return user.name


@register.simple_tag
def author_link(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return format_html('<span class="author author-deleted">{}</span>', DELETED_USER_NAME)
    return format_html('<a class="author" href="{}">{}</a>', user.get_absolute_url(), user.name)


@register.simple_tag
def avatar(user, size: str = "") -> str:
    """A round avatar: the uploaded image, else the initials (a neutral mark when deleted)."""
    classes = "avatar" + (f" avatar-{size}" if size in {"sm", "lg"} else "")
    if user is None or not getattr(user, "pk", None):
        return format_html('<span class="{} avatar-deleted" aria-hidden="true">?</span>', classes)
    if user.avatar:
        try:
            url = user.avatar.url
        except ValueError:
            url = ""
        if url:
            return format_html('<span class="{}"><img src="{}" alt="" loading="lazy"></span>', classes, url)
    return format_html('<span class="{}" aria-hidden="true">{}</span>', classes, user.initials)


@register.filter
def uses_admin(user) -> bool:
    """Whether the account menu links to the Wagtail admin: superusers and the site's roles
    (Staff, Moderators, Editors all have admin access). Group names are cached on the user, so
    this costs at most one query per request instead of Django's two permission look-ups."""
    from accounts import roles

    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or any(roles.user_in_group(user, name) for name in roles.ROLE_GROUPS))


@register.filter
def masked_email(address: str) -> str:
    """``c•••@example.com``: enough for the owner to recognise their address, not enough for
    whoever else holds a link (an unsubscribe link forwarded with a mail) to learn it."""
    local, _, domain = (address or "").partition("@")
    if not domain:
        return "your address"
    return f"{local[:1]}\u2022\u2022\u2022@{domain}"
