"""The JSON API under /api/v1/: one NinjaAPI with a router per domain; domain errors mapped to HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from cityops.analytics.api import router as analytics_router
from cityops.analytics.export_api import router as exports_router
from cityops.assets.api import router as assets_router
from cityops.cases.api import router as cases_router
from cityops.catalog.api import router as catalog_router
from cityops.command.api import router as command_router
from cityops.core.api_auth import API_AUTH
from cityops.core.errors import DomainError
from cityops.evaluation.api import router as evaluation_router
from cityops.geo.api import router as geo_router
from cityops.intake.api import router as intake_router
from cityops.intake.inspector_api import router as inspector_router
from cityops.intake.public_api import router as public_router
from cityops.notify.api import router as notify_router
from cityops.org.api import router as org_router

api = NinjaAPI(
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
api.add_router("/intake", intake_router, tags=["intake"])
api.add_router("/command", command_router, tags=["command"])
api.add_router("/evaluation", evaluation_router, tags=["evaluation"])
api.add_router("/analytics", analytics_router, tags=["analytics"])
api.add_router("/exports", exports_router, tags=["exports"])


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if getattr(exc, "retry_after", None):  # 429 from a rate limit
        response["Retry-After"] = str(exc.retry_after)
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
    fields = ", ".join(e["field"] for e in errors if e["field"])
    body = {"code": "invalid", "detail": f"Invalid input: {fields}" if fields else "Invalid input.", "errors": errors}
    return api.create_response(request, body, status=422)


def _error_field(loc: Any) -> str | None:
    parts = [str(part) for part in loc[1:]]
    # A JSON body arrives as one parameter (e.g. "payload"): its name means nothing to the client.
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "unauthenticated", "detail": "Log in or send an API token (Authorization: Bearer …)."}
    return api.create_response(request, body, status=401)
