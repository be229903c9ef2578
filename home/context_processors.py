from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "company_name": getattr(settings, "COMMUNITY_COMPANY_NAME", "") or settings.SITE_NAME,
    }
