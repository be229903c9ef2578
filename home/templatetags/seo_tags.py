"""Tags for what search engines and link previews read (see ``home.seo``).

``{% seo_head %}`` writes the canonical link, OpenGraph and Twitter card tags and, where a page
must stay out of search results, ``<meta name="robots" content="noindex">``.
``{% topic_structured_data topic %}``, ``{% faq_structured_data page %}`` and
``{% page_structured_data page %}`` write JSON-LD built from what anonymous visitors see, on the
pages anonymous visitors (and so crawlers) get: a member's page goes without, which keeps the
signed-in topic page from reading the anonymous view of the topic a second time.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from home import seo

register = template.Library()


@register.inclusion_tag("includes/seo_head.html", takes_context=True)
def seo_head(context, title: str = "", description: str = "", kind: str = "website", noindex: bool = False):
    request = context.get("request")
    if request is None:
        return {"skip": True}
    site_name = getattr(settings, "SITE_NAME", "")
    return {
        "canonical": seo.canonical_url(request),
        "title": title or site_name,
        "description": " ".join(
            (description or f"Questions, answers and the FAQ of the {site_name}.").split()
        )[:200],
        "kind": kind,
        "site_name": site_name,
        "noindex": noindex or seo.is_private_path(request.path),
    }


def _anonymous_request(context):
    request = context.get("request")
    if request is None or getattr(getattr(request, "user", None), "is_authenticated", False):
        return None
    return request


def _scripts(items: list) -> SafeString:
    # Safe: each item is built by seo.json_ld, which escapes the JSON text.
    return mark_safe("".join(seo.json_ld(item) for item in items))  # noqa: S308 - seo.json_ld escapes each


@register.simple_tag(takes_context=True)
def topic_structured_data(context, topic) -> SafeString:
    request = _anonymous_request(context)
    return _scripts(seo.topic_structured_data(request, topic)) if request is not None else SafeString("")


@register.simple_tag(takes_context=True)
def faq_structured_data(context, page) -> SafeString:
    request = _anonymous_request(context)
    return _scripts(seo.faq_article_structured_data(request, page)) if request is not None else SafeString("")


@register.simple_tag(takes_context=True)
def page_structured_data(context, page) -> SafeString:
    request = _anonymous_request(context)
    return _scripts(seo.page_structured_data(request, page)) if request is not None else SafeString("")


@register.simple_tag(takes_context=True)
def topic_seo_head(context, topic, question=None) -> SafeString:
    """``seo_head`` for a topic: its title, the question's text (when anonymous visitors may see
    it) and ``noindex`` per ``seo.topic_noindex``."""
    from django.template.loader import render_to_string

    text = question.text if question is not None and not question.is_hidden else ""
    values = seo_head(
        context, title=topic.title, description=text, kind="article", noindex=seo.topic_noindex(topic)
    )
    return render_to_string("includes/seo_head.html", values)


@register.filter
def noindex_topic(topic) -> bool:
    return seo.topic_noindex(topic)
