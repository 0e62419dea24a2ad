"""Refuse NUL characters in a request's path, query or text body before any view sees them.

PostgreSQL text cannot hold a NUL ("A string literal cannot contain NUL (0x00) characters"), so a `%00` in any
value that reaches a query would end as a 500; no legitimate input of the platform contains one. The answer is
a 422 naming the field on the JSON API, Open311's error list on `/open311/`, and a plain 400 page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"
# A JSON text may spell the character as an escape; both forms are refused.
JSON_NUL = (b"\x00", b"\\u0000")


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_field(request)
        if field is None:
            return self.get_response(request)
        return _refusal(request, field)


def nul_field(request: HttpRequest) -> str | None:
    """The name of the first part of the request holding a NUL character, or None."""
    if NUL in request.path:
        return "path"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "") or "query"
    if request.content_type == "application/json" and any(mark in request.body for mark in JSON_NUL):
        return "body"
    # Form fields (urlencoded or multipart; uploaded files are checked by their own validators, not here).
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                              "multipart/form-data"):
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "") or "body"
    return None


def _refusal(request: HttpRequest, field: str) -> HttpResponse:
    message = _("%(name)s must not contain NUL characters.") % {"name": field}
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "invalid", "detail": message, "field": field}, status=422)
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": 400, "description": message}], status=400, safe=False)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
