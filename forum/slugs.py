"""The one reserved category-slug list, derived from the community's own routes.

A category lives at ``/community/<slug>/``, after every fixed route (``ask/``, ``t/…``,
``moderation/``…): a category whose slug is one of those first segments would never be reached.
The list is read from the URL configuration when a category is validated, so a new address
under ``/community/`` reserves its slug by being added to ``forum/urls.py``. (Reading the
resolver, rather than importing ``forum.urls``, keeps the models free of the views.)
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

# Slugs no route owns that would still read as the site's own addresses under /community/.
CONFUSABLE_SLUGS = frozenset({"tags", "search", "u"})
FORUM_NAMESPACE = "forum"


def _first_segments(patterns) -> set[str]:
    segments = set()
    for pattern in patterns:
        if isinstance(pattern, URLPattern | URLResolver):
            first = str(pattern.pattern).split("/", 1)[0]
            if first and "<" not in first:
                segments.add(first)
    return segments


def reserved_category_slugs() -> frozenset[str]:
    """The first segment of every fixed route under the forum's namespace, plus
    ``CONFUSABLE_SLUGS``."""
    _prefix, resolver = get_resolver().namespace_dict[FORUM_NAMESPACE]
    return frozenset(_first_segments(resolver.url_patterns) | CONFUSABLE_SLUGS)
