"""HTTP API of integrations, mounted at /api/v1/intake: signed detections and 12345 hotline tickets.

These endpoints do not use the session or an API token: each request is signed by its integration source
(HMAC-SHA256, see `cityops.intake.integrations.webhooks`). Refusals: 401 (signature), 422 naming the field,
413/415 for the evidence image. A new report answers 201, a resend of the same external id 200 with the same
result.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ValidationError as PydanticError

from cityops.core.api_schemas import ErrorOut
from cityops.core.errors import InvalidInput, MalformedBody
from cityops.intake.integrations import services
from cityops.intake.integrations.webhooks import verify_signed_request
from cityops.intake.models import IntegrationKind

router = Router(auth=None)
# Each operation id is pinned to the name it had before intake's channels became sub-packages: clients
# generated from the published schema keep working.

# 401: a missing, unknown, wrong, stale or replayed signature; 413/415: the evidence image; 422: the body.
ERRORS = {401: ErrorOut, 413: ErrorOut, 415: ErrorOut, 422: ErrorOut}


class DetectionIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=80)
    catalog_class: str = Field(..., alias="class", min_length=1, max_length=40)
    lon: float
    lat: float
    crs: str = "wgs84"
    confidence: float = Field(..., ge=0, le=1)
    description: str = Field(..., min_length=1, max_length=2000)
    address: str = Field("", max_length=200)
    evidence_image: str | None = None
    detected_at: datetime | None = None


class TicketIn(Schema):
    ticket_id: str = Field(..., min_length=1, max_length=80)
    caller_name: str = Field("", max_length=60)
    caller_phone: str = Field("", max_length=120)
    catalog_class: str = Field(..., alias="class", min_length=1, max_length=40)
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str = Field("", max_length=200)
    description: str = Field(..., min_length=1, max_length=2000)


class IntakeOut(Schema):
    external_id: str
    case_number: str | None
    outcome: str


def _parse(request: HttpRequest, schema: type[Schema]) -> Any:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody(_("The body is not valid JSON."), field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput(_("The body must be a JSON object."), field="body")
    try:
        return schema.model_validate(data)
    except PydanticError as exc:
        errors = [{"field": ".".join(str(p) for p in err["loc"]) or "body", "detail": err["msg"]}
                  for err in exc.errors()]
        raise InvalidInput(_("Invalid input: %(fields)s") % {"fields": ", ".join(e["field"] for e in errors)},
                           field=errors[0]["field"], details=errors) from None


@router.post("/detections", response={200: IntakeOut, 201: IntakeOut, **ERRORS}, summary="Post a signed detection",
             operation_id="cityops_intake_api_post_detection")
def post_detection(request: HttpRequest) -> Status:
    """A detection from a video AI, drone, sensor or other platform, signed with the source's secret."""
    kinds = tuple(k for k in IntegrationKind.values if k != IntegrationKind.HOTLINE)
    source = verify_signed_request(request.META, request.body, kinds=kinds)
    data = _parse(request, DetectionIn)
    detection = services.Detection(
        external_id=data.external_id, catalog_class=data.catalog_class, lon=data.lon, lat=data.lat, crs=data.crs,
        confidence=data.confidence, description=data.description, address=data.address,
        evidence_image=data.evidence_image, detected_at=data.detected_at,
    )
    result = services.external_report_receive(source=source, detection=detection)
    return Status(201 if result.created else 200, result.as_dict())


@router.post("/hotline/tickets", response={200: IntakeOut, 201: IntakeOut, **ERRORS}, summary="Push a 12345 hotline ticket",
             operation_id="cityops_intake_api_post_ticket")
def post_ticket(request: HttpRequest) -> Status:
    """A ticket from the 12345 hotline system (工单推送), signed with the hotline source's secret."""
    source = verify_signed_request(request.META, request.body, kinds=(IntegrationKind.HOTLINE,))
    data = _parse(request, TicketIn)
    ticket = services.Detection(
        external_id=data.ticket_id, catalog_class=data.catalog_class, lon=data.lon, lat=data.lat, crs=data.crs,
        description=data.description, address=data.address, reporter_name=data.caller_name,
        reporter_contact=data.caller_phone,
    )
    result = services.external_report_receive(source=source, detection=ticket)
    return Status(201 if result.created else 200, result.as_dict())
