"""Which Wagtail site answers a request, found with SQL compiled once per process.

Wagtail's ``Site.find_for_request`` runs ``get_site_for_hostname`` (``wagtail/models/sites.py``)
on every request it serves: one query whose ``CASE`` ranking of the matches costs more to build
than to run (1 ms of an FAQ article's 7 ms from scratch, ``bench/render_cost.py --profile
faq_article``). ``PreparedSiteMiddleware`` answers the same question with the same query and the
same ranking through ``core.prepared``, and hands the answer to Wagtail where Wagtail keeps it
for the request (``request._wagtail_site``, the cache its ``find_for_request`` documents), for
the views that serve Wagtail pages only. Any other view that asks still gets Wagtail's own
lookup. The query runs on every request, so a site added or changed in the admin is seen at
once, as before.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, When
from django.http import HttpRequest
from django.http.request import split_domain_port

from wagtail import views as wagtail_views
from wagtail.models import Site
from wagtail.models.sites import (
    MATCH_DEFAULT,
    MATCH_HOSTNAME,
    MATCH_HOSTNAME_DEFAULT,
    MATCH_HOSTNAME_PORT,
)

from core.prepared import prepared


@prepared
def _ranked_sites(hostname: str, port: int):
    # Wagtail's query, as get_site_for_hostname writes it.
    return (
        Site.objects.annotate(
            match=Case(
                When(hostname=hostname, port=port, then=MATCH_HOSTNAME_PORT),
                When(hostname=hostname, is_default_site=True, then=MATCH_HOSTNAME_DEFAULT),
                When(is_default_site=True, then=MATCH_DEFAULT),
                default=MATCH_HOSTNAME,
                output_field=IntegerField(),
            )
        )
        .filter(Q(hostname=hostname) | Q(is_default_site=True))
        .order_by("match")
        .select_related("root_page")
    )


def site_for_hostname(hostname: str, port: int) -> Site | None:
    """The site Wagtail's ``get_site_for_hostname`` picks, or None where it raises
    ``Site.DoesNotExist`` (no match and no default site)."""
    sites = _ranked_sites(hostname, port)
    if not sites:
        return None
    if len(sites) == 1 or sites[0].match in (MATCH_HOSTNAME_PORT, MATCH_HOSTNAME_DEFAULT):
        return sites[0]
    if sites[0].match == MATCH_DEFAULT:
        # The default site, unless exactly one other site has this host name.
        return sites[len(sites) == 2]
    return None


def site_for_request(request: HttpRequest) -> Site | None:
    """``Site.find_for_request(request)``, as Wagtail reads the host (without the
    ``ALLOWED_HOSTS`` check, which the request has passed or will fail elsewhere)."""
    hostname = split_domain_port(request._get_raw_host())[0]
    return site_for_hostname(hostname, int(request.get_port()))


def _numeric_port(request: HttpRequest) -> bool:
    return str(request.get_port()).isdigit()


class PreparedSiteMiddleware:
    """Finds the site for the views that serve Wagtail pages, before Wagtail looks (see the
    module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # A port that is no number (a forged X-Forwarded-Port) is left to Wagtail's lookup.
        if (
            view_func is wagtail_views.serve
            and not hasattr(request, "_wagtail_site")
            and _numeric_port(request)
        ):
            request._wagtail_site = site_for_request(request)
        return None
