"""A request id in every log line: taken from the proxy's ``X-Request-ID`` (nginx's
``$request_id``) when it looks like one, else made here; echoed in the response."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def _request_id_for(request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _VALID.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id_for(request)
        request.request_id = request_id
        # Kept until the response is closed (``forget_request_id``): Django logs a 4xx/5xx
        # response after the middleware has returned it.
        _request_id.set(request_id)
        try:
            import sentry_sdk

            sentry_sdk.set_tag("request_id", request_id)
        except ImportError:  # pragma: no cover - sentry-sdk is a requirement
            pass
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def forget_request_id(**kwargs) -> None:
    """``request_finished``: later lines of this thread belong to no request."""
    _request_id.set(None)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or "-"
        return True
