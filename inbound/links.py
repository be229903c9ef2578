"""Absolute addresses for the mail we send (the site's base address, as notification mail uses;
kept here so that notifications, which asks inbound for reply addresses, is not imported back)."""

from __future__ import annotations

from django.conf import settings


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url
