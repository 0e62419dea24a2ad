"""The public JSON API under /api/v1/public (no login): report, track, rate, reopen, nearby, categories.

Mounted with ``auth=None``. Abuse protection lives in the services: per-IP and per-contact rate limits (429 with
Retry-After), the signed arithmetic challenge (GET /challenge first), photo size and content checks.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictInt

from cityops.core.api_schemas import ErrorOut, LatitudeParam, LongitudeParam
from cityops.intake.portal import selectors as sel
from cityops.intake.portal import services as svc
from cityops.intake.portal.challenge import challenge_new

router = Router(auth=None)
# Each operation id is pinned to the name it had before intake's channels became sub-packages: clients
# generated from the published schema keep working.

# Refusals of the writes: bad input or a wrong challenge (422), a photo too large or not an image (413/415), a
# report not yet closed or already rated (409), a rate limit (429 with Retry-After).
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def client_ip(request: HttpRequest) -> str:
    """The caller's address; behind a proxy, Django's REMOTE_ADDR must be set by the proxy middleware."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class CategoryOut(Schema):
    id: int
    name: str
    hint: str


class ChallengeOut(Schema):
    question: str
    token: str


class StepOut(Schema):
    step: str
    label: str
    at: datetime


class PublicPhotoOut(Schema):
    url: str
    thumbnail: str


class PublicRequestOut(Schema):
    tracking_code: str
    category: str
    status: str
    status_label: str
    reported_at: datetime
    closed_at: datetime | None
    accepted: bool
    description: str | None
    address: str | None
    location: list[float] | None
    photos: list[PublicPhotoOut]
    result: str | None
    after_photos: list[PublicPhotoOut]
    timeline: list[StepOut]
    can_rate: bool
    satisfaction: int | None
    satisfaction_comment: str | None
    rated_at: datetime | None
    can_reopen: bool
    recurrence_of: str | None
    reopened_as: list[str]


class CreatedOut(Schema):
    tracking_code: str
    status: str


class RatingIn(Schema):
    satisfaction: StrictInt = Field(..., ge=1, le=5, description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str = Field("", max_length=svc.MAX_COMMENT)


class NearbyOut(Schema):
    category: str
    status: str
    status_label: str
    reported_at: datetime
    lon: float
    lat: float


class NearbyQuery(Schema):
    lon: LongitudeParam
    lat: LatitudeParam
    radius: int = Field(1000, ge=50, le=sel.NEARBY_MAX_RADIUS_M, description="Metres around the point.")
    limit: int = Field(100, ge=1, le=sel.NEARBY_LIMIT)


@router.get("/categories", response=list[CategoryOut], operation_id="cityops_intake_public_api_categories")
def categories(request: HttpRequest) -> list[dict]:
    """The plain-words categories to choose from."""
    english = sel._english()
    return [{"id": c.id, "name": sel.category_label(c), "hint": (c.hint_en if english and c.hint_en else c.hint)}
            for c in sel.public_categories()]


class PublicPlaceOut(Schema):
    code: str
    name: str
    level: str


@router.get("/places", response={200: list[PublicPlaceOut], 422: ErrorOut}, url_name="places",
            operation_id="cityops_intake_public_api_places")
def places(request: HttpRequest, q: str = Query("", max_length=100)) -> list[dict]:
    """Streets, communities and grids whose name or code matches `q` (at most 10): send the code as `place`."""
    return sel.public_place_search(q=q)


@router.get("/challenge", response=ChallengeOut, operation_id="cityops_intake_public_api_challenge")
def challenge(request: HttpRequest) -> dict:
    """A question to answer with the report (send back `challenge_token` and `challenge_answer`)."""
    c = challenge_new()
    return {"question": c.question, "token": c.token}


@router.post("/requests", response={201: CreatedOut, **WRITE_ERRORS},
             operation_id="cityops_intake_public_api_request_create")
def request_create(
    request: HttpRequest, category: Form[int], description: Form[str], challenge_token: Form[str],
    challenge_answer: Form[str], lon: float | None = Form(None, ge=-180, le=180),
    lat: float | None = Form(None, ge=-90, le=90),
    address: Form[str] = "", contact: Form[str] = "", photos: File[list[UploadedFile]] = None,
    place: Form[str] = "",
) -> Status:
    """Report a problem at a point, or at a place from GET /places (its code as `place`); answer with the code.

    Beyond the schema, checked against the data: `category` must be an active category (422 `category`),
    `place` a known region code (422 `address`); with neither a point nor a place the answer is 422 `location`;
    the point must lie in a unit grid (422 `outside_service_area`); the challenge must be answered right, not too
    fast and not expired (422 `challenge`); photos are JPEG, PNG or WebP (415) of at most 5 MB (413), at most 3;
    rate limits answer 429 with Retry-After."""
    report = svc.PublicReport(category=category, description=description, lon=lon, lat=lat, address=address,
                              contact=contact, photos=tuple(photos or ()), challenge_token=challenge_token,
                              challenge_answer=challenge_answer, place=place)
    case = svc.portal_report_submit(report=report, ip=client_ip(request))
    return Status(201, {"tracking_code": case.tracking_code, "status": "received"})


@router.get("/requests/{code}", response={200: PublicRequestOut, 404: ErrorOut},
            operation_id="cityops_intake_public_api_request_get")
def request_get(request: HttpRequest, code: str) -> dict:
    """The public timeline of one report."""
    return sel.public_request(code=code)


@router.post("/requests/{code}/rating", response={200: PublicRequestOut, **WRITE_ERRORS},
             operation_id="cityops_intake_public_api_request_rate")
def request_rate(request: HttpRequest, code: str, payload: RatingIn) -> dict:
    """Rate the result of a closed report, once."""
    svc.portal_rate(code=code, satisfaction=payload.satisfaction, comment=payload.comment, ip=client_ip(request))
    return sel.public_request(code=code)


@router.post("/requests/{code}/reopen", response={201: CreatedOut, **WRITE_ERRORS},
             operation_id="cityops_intake_public_api_request_reopen")
def request_reopen(
    request: HttpRequest, code: str, description: Form[str], challenge_token: Form[str], challenge_answer: Form[str],
    contact: Form[str] = "", photos: File[list[UploadedFile]] = None,
) -> Status:
    """Not fixed: report it again as a new report linked to the closed one."""
    report = svc.PublicReport(category=None, description=description, lon=None, lat=None, contact=contact,
                              photos=tuple(photos or ()), challenge_token=challenge_token,
                              challenge_answer=challenge_answer)
    case = svc.portal_reopen(code=code, report=report, ip=client_ip(request))
    return Status(201, {"tracking_code": case.tracking_code, "status": "received"})


@router.get("/nearby", response={200: list[NearbyOut], 422: ErrorOut}, url_name="nearby",
            operation_id="cityops_intake_public_api_nearby")
def nearby(request: HttpRequest, query: Query[NearbyQuery]) -> list[dict]:
    """Accepted reports of the last 30 days around a point."""
    return sel.public_nearby(lon=query.lon, lat=query.lat, radius_m=query.radius, limit=query.limit)
