"""Refuse NUL characters in a request's path, query or body before any view sees them.

PostgreSQL text cannot hold a NUL ("A string literal cannot contain NUL (0x00) characters"), so a `%00` in any
value that reaches a query would end as a 500; no legitimate input of the platform contains one. The answer is
a 422 naming the field on the JSON API, Open311's error list on `/open311/`, and a plain 400 page elsewhere.

The body is judged by what it holds, not by its declared type: django-ninja parses any non-form body as JSON
(a `text/plain` body included), so trusting `Content-Type` would let a NUL through to the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _

NUL = "\x00"
# Byte patterns that can spell a NUL in a body: raw, a JSON escape, a URL escape. A body without any of them
# is passed without being parsed here (the common case, one scan of the bytes).
NUL_MARKS = (b"\x00", b"\\u0000", b"%00")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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
    return _form_field(request.GET, default="query") or _body_field(request)


def _body_field(request: HttpRequest) -> str | None:
    if request.content_type == "multipart/form-data":
        # Text fields only: file parts are binary, and their own validators check them.
        return _form_field(request.POST, default="body") if request.method == "POST" else None
    body = request.body
    if not any(mark in body for mark in NUL_MARKS):
        return None
    if request.content_type == "application/x-www-form-urlencoded":
        return _form_field(QueryDict(body, encoding=request.encoding), default="body")
    try:
        data = json.loads(body, strict=False)  # a raw NUL inside a string is named too
    except (ValueError, RecursionError):
        # Not JSON: only a raw NUL counts (a "%00" in free text is just text); the API refuses the body anyway.
        return "body" if b"\x00" in body else None
    return _json_field(data)


def _form_field(data: QueryDict, *, default: str) -> str | None:
    for name, values in data.lists():
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "") or default
    return None


def _json_field(data: Any) -> str | None:
    """The dotted path of a string (or key) holding a NUL, as the API's validation errors name fields."""
    # A loop, not recursion: a body nested thousands deep must not end as a RecursionError 500.
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return ".".join(path) or "body"
            continue
        children: Iterable[tuple[str, Any]]
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list):
            children = ((str(index), item) for index, item in enumerate(value))
        else:
            continue
        for key, item in reversed(list(children)):
            if NUL in key:
                return ".".join((*path, key.replace(NUL, ""))) or "body"
            stack.append(((*path, key), item))
    return None


def _refusal(request: HttpRequest, field: str) -> HttpResponse:
    message = _("%(name)s must not contain NUL characters.") % {"name": field}
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "invalid", "detail": message, "field": field}, status=422)
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": 400, "description": message}], status=400, safe=False)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.CITYOPS_PERMISSIONS_POLICY): Django's SecurityMiddleware has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CITYOPS_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
