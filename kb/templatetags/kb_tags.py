"""Template tags of the FAQ pages."""

from __future__ import annotations

from django import template

from kb.models import page_url as _page_url

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, page) -> str | None:
    """``{% pageurl page %}`` for a page of the site being served, without Wagtail's lookup of
    every site's root path (``kb.models.page_url``)."""
    return _page_url(page, context.get("request"))
