"""Conditional reads for the API: an ETag on every successful ``GET`` under ``/api/v1/``
(from the body, unless the operation set one) and ``304 Not Modified`` for a matching
``If-None-Match`` or an unchanged ``If-Modified-Since`` (Django's ``ConditionalGetMiddleware``,
limited to the API)."""

from __future__ import annotations

from django.middleware.http import ConditionalGetMiddleware

API_PREFIX = "/api/v1/"


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    def process_response(self, request, response):
        if not request.path.startswith(API_PREFIX) or request.method not in ("GET", "HEAD"):
            return response
        if response.status_code == 200 and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return super().process_response(request, response)
