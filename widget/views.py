"""The product-page widget's two roads (docs/widget.md).

* ``/widget.js``: the script a shop puts on its product pages. A static file, served here at a
  stable address (a hashed static name would change on every release and break the tag shops
  copied), cached by browsers for ``WIDGET_SCRIPT_MAX_AGE`` and revalidated by ETag and
  Last-Modified. It reads ``/api/v1/widget`` and ``/api/v1/similar`` across origins (CORS).
* ``/embed/?category=&tags=``: the same lists rendered here as HTML, for hosts whose CSP
  forbids outside scripts. Only ``WIDGET_EMBED_ORIGINS`` may frame it (CSP
  ``frame-ancestors``); with none named nobody may.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.http import condition, require_GET

from widget import selectors
from widget.links import ask_url

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,80}")
SCRIPT = Path(settings.BASE_DIR) / "static" / "widget" / "widget.js"


@cache
def script() -> tuple[bytes, str, float]:
    """The script's bytes, its ETag and its modification time, read once per process."""
    body = SCRIPT.read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', SCRIPT.stat().st_mtime


def _script_etag(request: HttpRequest) -> str:
    return script()[1]


def _script_modified(request: HttpRequest):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(script()[2]), tz=UTC)


@require_GET
@condition(etag_func=_script_etag, last_modified_func=_script_modified)
def widget_js(request: HttpRequest) -> HttpResponse:
    body, _, modified = script()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={settings.WIDGET_SCRIPT_MAX_AGE}"
    response["Last-Modified"] = http_date(int(modified))
    # Any page may load the script; it reads only what anonymous visitors see.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _frameable(response: HttpResponse) -> HttpResponse:
    """Let the named shops frame the page, and nobody else."""
    origins = list(settings.WIDGET_EMBED_ORIGINS)
    response._csp_replace = {"frame-ancestors": origins or ["'none'"]}  # type: ignore[attr-defined]
    if origins:
        # frame-ancestors decides; X-Frame-Options cannot name another origin.
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


@require_GET
def embed(request: HttpRequest) -> HttpResponse:
    """The lists as HTML (no script needed). A bad or missing product answers 400, an unknown
    category 404, each with a message inside the frame."""
    category = (request.GET.get("category") or "").strip()
    error, status = "", 200
    content = None
    try:
        tags = selectors.parse_tags(request.GET.get("tags", "")[:1100])
    except ValueError as exc:
        error, status, tags = str(exc), 400, []
    if not error and not (category or tags):
        error, status = "Name a product: a category, tags, or both.", 400
    elif not error and category and not SLUG_RE.fullmatch(category):
        error, status = "The category is a slug (letters, digits, - and _).", 400
    if not error:
        try:
            content = selectors.product_content(category_slug=category, tags=tags)
        except selectors.UnknownCategory:
            error, status = f"No category \u201c{category}\u201d.", 404
    context = {
        "content": content,
        "error": error,
        "site_name": settings.SITE_NAME,
        "ask_url": ask_url(request, content.category.slug if content and content.category else ""),
    }
    response = render(request, "widget/embed.html", context, status=status)
    response["Cache-Control"] = f"public, max-age={settings.WIDGET_CACHE_SECONDS}"
    return _frameable(response)
