from django import template

from notifications import mail, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    request = context.get("request")
    if request is None or not getattr(request, "user", None):
        return 0
    return selectors.unread_count(request)


@register.filter
def notification_summary(notification) -> str:
    return mail.summary(notification)


@register.filter
def notification_excerpt(notification) -> str:
    return mail.excerpt(notification, 180)
