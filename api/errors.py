"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``,
``status``, ``detail`` and, for bad input, ``errors`` (field name -> messages). Every error the
API can meet maps to a 4xx with a message a person can read; anything unexpected is a 500
problem without internals."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse

from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from forum.services.posts import RateLimitExceeded

logger = logging.getLogger(__name__)
PROBLEM_CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


class ApiError(Exception):
    """Raise from an operation to answer with a problem: ``ApiError(404, "No such topic.")``."""

    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors


def problem(
    status: int, detail: str, errors: dict[str, list[str]] | None = None, **headers: str
) -> HttpResponse:
    import json

    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _field(loc) -> str:
    """The field's name from a pydantic location, without the parameter source and model."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    if parts and parts[0] in ("payload", "query"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def install(api) -> None:
    """Register the problem handlers on a NinjaAPI."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return problem(exc.status, exc.detail, exc.errors)

    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field(error.get("loc", ())), []).append(
                str(error.get("msg", "Invalid value."))
            )
        return problem(422, "Some values are missing or invalid: see errors.", errors)

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
            return problem(400, " ".join(m for ms in errors.values() for m in ms), errors)
        return problem(400, " ".join(exc.messages))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, str(exc) or "You may not do that.")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, str(exc) or "Nothing here.")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            401,
            "Send a valid, unrevoked API token: Authorization: Bearer <token>.",
            WWW_Authenticate='Bearer realm="api"',
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = int(exc.wait or 1)
        return problem(
            429, f"This token wrote too often: try again in {wait} seconds.", Retry_After=str(wait)
        )

    @api.exception_handler(RateLimitExceeded)
    def too_fast(request: HttpRequest, exc: RateLimitExceeded) -> HttpResponse:
        # Posting too fast, or searching too often from one client (core.ratelimit).
        wait = getattr(exc, "retry_after", None)
        return problem(429, str(exc), **({"Retry_After": str(wait)} if wait else {}))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, str(exc))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s", request.path)
        return problem(500, "Something went wrong on our side; it has been logged.")
