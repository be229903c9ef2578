"""The site's own address in the database follows ``SITE_URL``.

Two records name the site: django.contrib.sites' Site (allauth signs its mail with its name and
builds links from its domain) and Wagtail's default Site (full page URLs in sitemaps and feeds).
Both are brought in line with ``SITE_URL`` and ``SITE_NAME`` after every ``migrate``, so a
changed address takes effect with the usual upgrade step.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

logger = logging.getLogger(__name__)


def site_url_parts(site_url: str) -> tuple[str, str, int]:
    """``(domain, hostname, port)`` of an absolute http(s) address; the domain keeps a
    non-default port (``127.0.0.1:8000``), as django.contrib.sites expects."""
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an absolute http(s) address: {site_url!r}")
    default_port = 443 if parts.scheme == "https" else 80
    port = parts.port or default_port
    domain = parts.hostname if port == default_port else f"{parts.hostname}:{port}"
    return domain, parts.hostname, port


def sync_sites(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Write ``SITE_URL``'s host and ``SITE_NAME`` into both Site records; False when
    ``SITE_URL`` is unset or not an address (the deploy checks report that)."""
    from django.contrib.sites.models import Site as DjangoSite

    from wagtail.models import Site as WagtailSite

    site_url = getattr(settings, "SITE_URL", None)
    if not site_url:
        return False
    try:
        domain, hostname, port = site_url_parts(site_url)
    except ValueError:
        return False
    name = settings.SITE_NAME
    DjangoSite.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": name}
    )
    DjangoSite.objects.clear_cache()
    default = WagtailSite.objects.using(using).filter(is_default_site=True).first()
    if default is not None:
        taken = (
            WagtailSite.objects.using(using)
            .filter(hostname=hostname, port=port)
            .exclude(pk=default.pk)
            .exists()
        )
        if taken:
            logger.warning(
                "Another Wagtail site already uses %s:%s; the default site is left as it is", hostname, port
            )
        else:
            default.hostname, default.port, default.site_name = hostname, port, name
            default.save(using=using)
    return True


def sync_sites_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    sync_sites(using=using)
