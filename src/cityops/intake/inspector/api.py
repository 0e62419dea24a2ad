"""The inspector app's JSON API (/api/v1/inspector): grids, tasks, class picker, reports, position pings.

Every endpoint needs the inspector role (403 otherwise); the browser session sends the CSRF token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import StrictBool

from cityops.assets.selectors import component_get_for_user
from cityops.cases import selectors as case_selectors
from cityops.cases import services as case_services
from cityops.cases.schemas import ErrorOut
from cityops.cases.services import MAX_DESCRIPTION, MAX_RESULT
from cityops.core.api_schemas import Latitude, Longitude, StrictMetres, Version
from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import require_role, require_token_scope
from cityops.intake.inspector import selectors as sel
from cityops.intake.inspector import services as svc
from cityops.org.models import Role
from cityops.tracking.services import position_ping_record

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest, User

router = Router()
# Each operation id is pinned to the name it had before intake's channels became sub-packages: clients
# generated from the published schema keep working.
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut, 422: ErrorOut}


def _inspector(request: AuthedRequest, scope: str = "cases:read") -> User:
    user = request.auth
    require_role(user, Role.INSPECTOR)
    require_token_scope(user, scope)
    return user


class ReportIn(Schema):
    catalog_class: str = Field(..., min_length=1, max_length=20,
                               description='"matter:06010" or a bare 5-digit matter code')
    description: str = Field(..., min_length=1, max_length=MAX_DESCRIPTION)
    lon: Longitude
    lat: Latitude
    address: str = Field("", max_length=200)
    component: str | None = Field(None, max_length=17, description="ident of the component the report is about")
    self_handled: StrictBool = False
    result: str = Field("", max_length=MAX_RESULT)
    photos: list[str] = Field(default_factory=list, max_length=svc.MAX_PHOTOS,
                              description="up to 6 images as base64 or data: URLs")


class ReportOut(Schema):
    number: str
    state: str
    created: bool
    photos: int
    photos_added: int
    duplicates: list[str]


class PingIn(Schema):
    lon: Longitude
    lat: Latitude
    accuracy: StrictMetres | None = Field(None, le=100_000, description="Accuracy of the fix in metres.")


class PingOut(Schema):
    stored: bool
    grid: str | None = None


class DecisionIn(Schema):
    version: Version
    yes: StrictBool
    note: str = Field("", max_length=2000)


class TaskOut(Schema):
    number: str
    state: str
    version: int
    class_name: str
    description: str
    address: str
    lon: float
    lat: float
    due_at: str | None
    is_overdue: bool


@router.get("/grids", response={200: dict, 403: ErrorOut}, summary="My unit grids as GeoJSON",
            operation_id="cityops_intake_inspector_api_grids")
def grids(request: AuthedRequest) -> dict:
    return sel.my_grids(user=_inspector(request, "geo:read"))


@router.get("/tasks", response={200: list[TaskOut], 403: ErrorOut}, summary="Cases waiting for me to verify or check",
            operation_id="cityops_intake_inspector_api_tasks")
def tasks(request: AuthedRequest) -> list[dict[str, Any]]:
    return [task_row(case) for case in sel.my_tasks(user=_inspector(request))[:100]]


def task_row(case: Any) -> dict[str, Any]:
    """One task as the app lists it."""
    return {"number": case.number, "state": case.state, "version": case.version,
            "class_name": case.catalog_class.display_name, "description": case.description,
            "address": case.address, "lon": case.lon, "lat": case.lat,
            "due_at": case.due_at.isoformat() if case.due_at else None, "is_overdue": case.is_overdue}


@router.post("/tasks/{number}/verify", response={200: TaskOut, **ERRORS}, summary="Verify on site (属实 / 不属实)",
             operation_id="cityops_intake_inspector_api_verify")
def verify(request: AuthedRequest, number: str, payload: DecisionIn) -> dict[str, Any]:
    user = _inspector(request, "cases:write")
    case = case_services.case_verify(case=_task(user, number), actor=user, version=payload.version,
                                     confirmed=payload.yes, note=payload.note)
    return task_row(case)


@router.post("/tasks/{number}/check", response={200: TaskOut, **ERRORS}, summary="Check the fix (通过 / 不通过)",
             operation_id="cityops_intake_inspector_api_check")
def check(request: AuthedRequest, number: str, payload: DecisionIn) -> dict[str, Any]:
    user = _inspector(request, "cases:write")
    case = case_services.case_check(case=_task(user, number), actor=user, version=payload.version,
                                    passed=payload.yes, note=payload.note)
    return task_row(case)


def _task(user: User, number: str) -> Any:
    case = sel.my_task(user=user, number=number)
    if case is None:
        # Not waiting for this inspector (any more): the generic lookup answers 404 or shows its state.
        return case_selectors.case_get_for_user(user=user, number=number)
    return case


@router.get("/classes", response={200: list[dict], 403: ErrorOut, 422: ErrorOut},
            summary="Class picker: my recent classes, then those of open cases nearby, then by name or pinyin",
            operation_id="cityops_intake_inspector_api_classes")
def classes(request: AuthedRequest, lon: float | None = Query(None, ge=-180, le=180),
            lat: float | None = Query(None, ge=-90, le=90), q: str = Query("", max_length=40)) -> list[dict[str, Any]]:
    user = _inspector(request, "catalog:read")
    return sel.class_choices(user=user, lon=lon, lat=lat, q=q)


@router.get("/components", response={200: list[dict], 403: ErrorOut, 422: ErrorOut},
            summary="Components nearest to a point (within 200 m)",
            operation_id="cityops_intake_inspector_api_components")
def components(request: AuthedRequest, lon: float = Query(..., ge=-180, le=180),
               lat: float = Query(..., ge=-90, le=90)) -> list[dict[str, Any]]:
    return sel.nearby_components(user=_inspector(request, "assets:read"), lon=lon, lat=lat)


@router.post("/reports", response={200: ReportOut, 201: ReportOut, **ERRORS},
             summary="Report a problem with photos (idempotent with Idempotency-Key)",
             operation_id="cityops_intake_inspector_api_report")
def report(request: AuthedRequest, payload: ReportIn,
           idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80)) -> Status:
    """Create a case; a resend with the same `Idempotency-Key` answers 200 with the same case, photos not doubled.

    Beyond the schema, checked against the data: the class must exist and be current and `component` be a census
    component you can see (422 naming them); the point must lie in a unit grid (422 `outside_service_area`) and
    in your data scope (404); each photo must be a JPEG, PNG or WebP (415) within the size limit (413); a
    self-handled report takes no photos (422 `photos`)."""
    user = _inspector(request, "cases:write")
    uploads = [svc.decode_photo(data, index=i) for i, data in enumerate(payload.photos[: svc.MAX_PHOTOS + 1])]
    filed = svc.inspector_report(
        actor=user, catalog_class=_class_ref(payload.catalog_class), description=payload.description,
        lon=payload.lon, lat=payload.lat, address=payload.address,
        component=_component(user, payload.component) if payload.component else None, photos=uploads,
        idempotency_key=idempotency_key or None, self_handled=payload.self_handled, result=payload.result,
    )
    case = filed.result.case
    body = {"number": case.number, "state": case.state, "created": filed.result.created,
            "photos": case.photos.count(), "photos_added": filed.photos_added,
            "duplicates": [d.number for d in filed.result.duplicates]}
    return Status(201 if filed.result.created else 200, body)


def _class_ref(ref: str) -> str:
    ref = (ref or "").strip()
    return ref if ":" in ref else f"matter:{ref}"


def _component(user: User, ident: str) -> Any:
    try:
        return component_get_for_user(user=user, ident=ident.strip())
    except NotFound as exc:
        raise InvalidInput(exc.message, field="component") from exc


@router.post("/pings", response={200: PingOut, 201: PingOut, 403: ErrorOut, 422: ErrorOut},
             summary="My position while on duty (at most one stored per 10 s)",
             operation_id="cityops_intake_inspector_api_ping")
def ping(request: AuthedRequest, payload: PingIn) -> Status:
    """Store my position. An inspector's point outside every unit grid is kept without a grid (a patrol may cross
    the city's edge); for anyone else (an administrator) it is refused: 422 `outside_service_area` naming `lon`."""
    user = _inspector(request, "cases:write")
    stored = position_ping_record(actor=user, lon=payload.lon, lat=payload.lat, accuracy_m=payload.accuracy)
    if stored is None:
        return Status(200, {"stored": False, "grid": None})
    return Status(201, {"stored": True, "grid": stored.grid.code if stored.grid_id else None})
