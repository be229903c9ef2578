from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.template import loader
from django.urls import reverse
from django.views.decorators.http import require_GET

from forum import cache as page_cache
from forum.cache import anonymous_page_cache
from home import seo, sitemaps


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseNotFound(loader.render_to_string("404.html", {"request_path": request.path}, request))


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors and no database: the cause of the 500 may be either.
    return HttpResponseServerError(loader.get_template("500.html").render({}))


# --- search engines -----------------------------------------------------------------------

# The sitemaps list topics (with their last activity), categories and FAQ pages.
SITEMAP_CACHE = {"scopes": (page_cache.LISTS, page_cache.FAQ), "params": {"p": page_cache.page_number}}


@require_GET
@anonymous_page_cache(**SITEMAP_CACHE)
def sitemap(request: HttpRequest) -> HttpResponse:
    """``/sitemap.xml``: every section in one ``urlset`` while the addresses fit in
    ``SITEMAP_LIMIT``, else a sitemap index of ``/sitemap-<section>.xml?p=N``."""
    found = sitemaps.sections(request)
    total = sum(section.paginator.count for section in found.values())
    if total > settings.SITEMAP_LIMIT:
        return sitemap_views.index(request, found, sitemap_url_name="sitemap_section")
    return sitemap_views.sitemap(request, found)


@require_GET
@anonymous_page_cache(**SITEMAP_CACHE)
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, sitemaps.sections(request), section=section)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Names the sitemap; keeps search, previews, sign-in and account pages out."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in (*seo.PRIVATE_PREFIXES, *seo.PRIVATE_PATTERNS)]
    lines += [
        "Disallow: /*?*sort=",
        "Allow: /",
        "",
        f"Sitemap: {seo.absolute(request, reverse('sitemap'))}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
