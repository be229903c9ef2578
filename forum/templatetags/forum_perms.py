"""``{% can "action" obj as name %}``: a permission rule from ``forum.permissions`` as a boolean.

``action`` names a ``check_<action>`` function; the current user is the first argument, the
objects given follow it. Example::

    {% load forum_perms %}
    {% can "reply" topic as can_reply %}
    {% if can_reply %}…{% endif %}
"""

from django import template

from forum import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, *objects) -> bool:
    check = getattr(permissions, f"check_{action}", None)
    if check is None:
        raise template.TemplateSyntaxError(f"No permission rule named check_{action}")
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return permissions.allowed(check, user, *objects)
