"""The public API v1 at /api/v1/ (django-ninja): OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs. See docs/api.md."""

from __future__ import annotations

from ninja import NinjaAPI

from api import errors, mentions, reads, widget, writes  # noqa: F401 - these register their operations

DESCRIPTION = """Read the community and the FAQ as anonymous visitors see them; write with a
bearer token (`Authorization: Bearer <token>`) that a member creates on their account page.
Errors are RFC 9457 problem details (`application/problem+json`)."""


class CommunityAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Error responses are documented as ``application/problem+json``, which they are."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content") or {}
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content[errors.PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = CommunityAPI(
    title="Community API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/", reads.router)  # writes, the widget and mentions register on the same router
