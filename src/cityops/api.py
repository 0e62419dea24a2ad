"""The JSON API under /api/v1/: one NinjaAPI with a router per domain; domain errors mapped to HTTP."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cityops.analytics.api import router as analytics_router
from cityops.assets.api import map_router as assets_map_router
from cityops.assets.api import router as assets_router
from cityops.cases.api import router as cases_router
from cityops.catalog.api import router as catalog_router
from cityops.command.api import router as command_router
from cityops.core.api_openapi import add_common_errors
from cityops.core.errors import DomainError, MalformedBody, NotFound
from cityops.evaluation.api import router as evaluation_router
from cityops.exports.api import router as exports_router
from cityops.geo.api import router as geo_router
from cityops.intake.inspector.api import router as inspector_router
from cityops.intake.integrations.api import router as intake_router
from cityops.intake.integrations.inbox_api import router as inbox_router
from cityops.intake.portal.api import router as public_router
from cityops.notify.api import router as notify_router
from cityops.org.api import router as org_router
from cityops.org.api_auth import API_AUTH
from cityops.tracking.api import router as tracking_router


class CityopsAPI(NinjaAPI):
    """The NinjaAPI whose published schema states the errors every operation can answer."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return add_common_errors(super().get_openapi_schema(*args, **kwargs))


api = CityopsAPI(
    title="cityops API",
    version="1",
    description="City Operation Management Service Platform (城市运行管理服务平台) — JSON API.",
    auth=API_AUTH,
    urls_namespace="api-v1",
)
api.add_router("/geo", geo_router, tags=["geo"])
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/assets", assets_router, tags=["assets"])
api.add_router("/org", org_router, tags=["org"])
api.add_router("/cases", cases_router, tags=["cases"])
api.add_router("/notify", notify_router, tags=["notify"])
api.add_router("/public", public_router, tags=["public"], auth=None)
api.add_router("/inspector", inspector_router, tags=["inspector"])
api.add_router("/intake/batches", inbox_router, tags=["intake"])
api.add_router("/intake", intake_router, tags=["intake"])
api.add_router("/command", command_router, tags=["command"])
# The one map's layers that other apps serve, under the map's prefix and tag.
api.add_router("/command", tracking_router, tags=["command"])
api.add_router("/command", assets_map_router, tags=["command"])
api.add_router("/evaluation", evaluation_router, tags=["evaluation"])
api.add_router("/analytics", analytics_router, tags=["analytics"])
api.add_router("/exports", exports_router, tags=["exports"])


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:  # 429 from a rate limit
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": _error_field(err.get("loc", [])),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors
    ]
    named = [e["field"] for e in errors if e["field"]]
    fields = ", ".join(named)
    body = {"code": "invalid", "detail": f"Invalid input: {fields}" if fields else "Invalid input.",
            "field": named[0] if named else None, "errors": errors}
    return api.create_response(request, body, status=422)


def _error_field(loc: Any) -> str | None:
    parts = [str(part) for part in loc[1:]]
    # A JSON body arrives as one parameter (e.g. "payload"): its name means nothing to the client.
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "unauthenticated", "detail": _("Log in or send an API token (Authorization: Bearer …)."),
            "field": None}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusals carry only {"detail"}. The one it raises itself is 400 "Cannot parse request body"
    # (not JSON, a broken multipart): bad input like any other, so 422 naming the body, like the intake API's.
    if exc.status_code == 400:
        return _domain_error(request, MalformedBody(_("The request body cannot be parsed."), field="body"))
    body = {"code": "rate_limited" if exc.status_code == 429 else "error", "detail": str(exc), "field": None}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _domain_error(request, NotFound(_("Not found.")))
