"""Addresses the widget hands out, the same from the API (``/api/v1/widget``) and ``/embed/``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from home.seo import absolute


def ask_url(request: HttpRequest, category_slug: str = "", title: str = "") -> str:
    """The ask form with the category (and a title) filled in; the form checks both
    (``forum.views.ask``: an unknown category is ignored, the title is cut to 200 characters)."""
    params = {key: value for key, value in (("category", category_slug), ("title", title)) if value}
    return absolute(request, reverse("forum:ask")) + (f"?{urlencode(params)}" if params else "")
