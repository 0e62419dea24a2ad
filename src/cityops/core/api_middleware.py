"""Give the JSON API's fallback answers (an unknown route, a method a route lacks) the API's error body.

Django answers an unknown URL with its HTML 404 page and ninja a wrong method with a bare "Method not allowed";
neither comes from an endpoint, so no exception handler of the API sees them. Under /api/ they become
`{"code", "detail", "field"}` like every other error, so a client parses one shape.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


class ApiErrorBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # an endpoint's own answer, already in shape
        return _as_error(response)


def _as_error(response: HttpResponse) -> HttpResponse:
    if response.status_code == 404:
        return JsonResponse({"code": "not_found", "detail": _("No such API endpoint."), "field": None}, status=404)
    allowed = response.get("Allow", "")
    body = {"code": "method_not_allowed", "field": None,
            "detail": _("Method not allowed; this endpoint accepts: %(allowed)s.") % {"allowed": allowed}}
    refused = JsonResponse(body, status=405)
    refused["Allow"] = allowed
    return refused
