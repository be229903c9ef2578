"""Refuse requests that carry a NUL character before any view sees them.

PostgreSQL text columns cannot hold NUL (0x00): a NUL in an address, a query parameter, a
form field or a cookie that reached a database lookup made the request fail with a 500
(``psycopg.DataError``). No legitimate request carries one, so this middleware answers 400
(Django's ``SuspiciousOperation``, logged under ``django.security``) for all of them at once.
Multipart bodies are left to the forms: Django's form fields refuse NUL themselves
(``ProhibitNullCharactersValidator``), and reading the body here would spoil uploads.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse

NUL = "\x00"


class NulCharacterRequest(SuspiciousOperation):
    pass


def _has_nul(values) -> bool:
    return any(NUL in key or any(NUL in value for value in vals) for key, vals in values.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or _has_nul(request.GET):
            if request.path.startswith("/api/"):
                # The API answers in its own error format (RFC 9457), as its schema documents.
                return JsonResponse(
                    {
                        "type": "about:blank",
                        "title": "Bad Request",
                        "status": 400,
                        "detail": "The address contains a NUL character.",
                    },
                    status=400,
                    content_type="application/problem+json",
                )
            raise NulCharacterRequest("NUL character in the address")
        if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
            raise NulCharacterRequest("NUL character in a cookie")
        form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
        if form and _has_nul(request.POST):
            raise NulCharacterRequest("NUL character in the form")
        return self.get_response(request)
