"""GeoReport v2 endpoints under /open311/v2/: thin views over the Open311 selectors and services.

The format comes from the extension (`.json` or `.xml`). Errors answer with the spec's error list and
400 (bad input, an unknown or missing format), 403 (missing or refused api_key), 404 (unknown service or
request) or 405 (a method the endpoint does not offer, with `Allow`). `jurisdiction_id` is
accepted and ignored: one installation serves one jurisdiction. The token of a created request is its
case number, so `tokens/{token}` resolves immediately.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cityops.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from cityops.open311 import selectors, services
from cityops.open311.rendering import FORMATS, error_response, respond
from cityops.org.api_auth import ApiTokenAuth

CHANGESET = "2026-11-21T00:00:00+08:00"


def georeport(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """An endpoint offering `methods` (GET also answers HEAD): format, method and domain errors as the spec's list."""
    allowed = ("GET", "HEAD", *methods[1:]) if methods[:1] == ("GET",) else methods

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str | None = None, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return error_response("json", 400, _unsupported_format(fmt))
            if request.method not in allowed:
                response = error_response(fmt, 405, _("The method %(method)s is not allowed here; use %(allowed)s.")
                                          % {"method": request.method, "allowed": ", ".join(methods)})
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                # 422 and 409 are not GeoReport statuses: every other refusal of the input is a 400. A rate
                # limit stays a 429 with Retry-After, so a client backs off instead of correcting its input.
                status = exc.status if exc.status in (403, 404, 429) else 400
                response = error_response(fmt, status, exc.message)
                if retry_after := getattr(exc, "retry_after", None):
                    response["Retry-After"] = str(retry_after)
                return response

        # Authenticated by api_key, never by a session cookie: CSRF protects nothing here, and its 403 would
        # hide the 405 a wrong method deserves.
        return csrf_exempt(wrapper)

    return decorate


def _unsupported_format(fmt: str | None) -> str:
    if not fmt:
        return _("Add the format to the address: .json or .xml.")
    return _("Unsupported format %(fmt)r; use json or xml.") % {"fmt": fmt}


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    """Any other address under /open311/v2/: the spec's error list (JSON: no format is known), not an HTML page."""
    return error_response("json", 404, _("No GeoReport endpoint at %(path)r.") % {"path": path})


@georeport("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:root"))
    data = {
        "changeset": CHANGESET,
        "contact": _("Contact the city operation management centre."),
        "key_service": _("Ask the platform administrator for an API key (an API token with the cases:write scope)."),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": url.rstrip("/"),
            "changeset": CHANGESET, "type": "production", "formats": ["application/json", "text/xml"],
        }],
    }
    return respond(fmt, data, root="discovery", item=None)


@georeport("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    data = [selectors.service_public(s) for s in selectors.service_list()]
    return respond(fmt, data, root="services", item="service")


@georeport("GET")
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    data = selectors.service_definition(service_code=service_code)
    return respond(fmt, data, root="service_definition", item=None)


@georeport("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    cases = selectors.request_list(params=request.GET.dict())
    data = [selectors.request_public(c, absolute=request.build_absolute_uri) for c in cases]
    return respond(fmt, data, root="service_requests", item="request")


@georeport("GET")
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    case = selectors.request_get(service_request_id=service_request_id)
    data = [selectors.request_public(case, absolute=request.build_absolute_uri)]
    return respond(fmt, data, root="service_requests", item="request")


@georeport("GET")
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    case = selectors.request_get(service_request_id=token)
    data = [{"service_request_id": case.number, "token": case.number}]
    return respond(fmt, data, root="service_requests", item="request")


@georeport("GET")
def request_updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """mySociety extension: public status changes in a date window."""
    data = selectors.request_update_list(params=request.GET.dict())
    return respond(fmt, data, root="service_request_updates", item="request_update")


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _api_key_user(request)
    data = _request_input(request.POST)
    case = services.open311_request_create(actor=user, data=data)
    notice = _("Received as case %(number)s.") % {"number": case.number}
    body = [{"service_request_id": case.number, "token": case.number, "service_notice": notice, "account_id": None}]
    return respond(fmt, body, root="service_requests", item="request")


def _api_key_user(request: HttpRequest) -> Any:
    key = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not key:
        raise Forbidden(_("An api_key is required to submit a service request."))
    user = ApiTokenAuth().authenticate(request, key)
    if user is None:
        raise Forbidden(_("The api_key is not valid."))
    return user


def _float(post: Any, name: str, low: float, high: float) -> float:
    raw = (post.get(name) or "").strip()
    if not raw:
        raise InvalidInput(_("lat and long are required (address_string alone cannot be located)."), field=name)
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(_("%(name)s must be a number.") % {"name": name}, field=name) from None
    if not low <= value <= high:
        raise InvalidInput(_("%(name)s is out of range.") % {"name": name}, field=name)
    return value


def _request_input(post: Any) -> services.RequestInput:
    code = (post.get("service_code") or "").strip()
    if not code:
        raise InvalidInput(_("service_code is required."), field="service_code")
    try:
        service = selectors.service_get(service_code=code)
    except NotFound as exc:
        # In a submitted form an unknown code is bad input (400), not a missing resource.
        raise InvalidInput(exc.message, field="service_code") from None
    lat = _float(post, "lat", -90, 90)
    lon = _float(post, "long", -180, 180)
    given = {k[len("attribute["):-1]: v for k, v in post.items() if k.startswith("attribute[") and k.endswith("]")}
    name = " ".join(p for p in ((post.get("first_name") or "").strip(), (post.get("last_name") or "").strip()) if p)
    contact = (post.get("email") or "").strip() or (post.get("phone") or "").strip()
    return services.RequestInput(
        service=service, lat=lat, lon=lon, description=post.get("description") or "",
        address=(post.get("address_string") or "").strip(), media_url=(post.get("media_url") or "").strip(),
        name=name, contact=contact, attributes=services.attribute_values_check(service, given),
    )
