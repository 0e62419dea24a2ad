"""Reads of the Open311 server: the public view of services and requests.

Which requests are public, and which of their fields, is the citizen portal's rule (`intake.portal.selectors`:
`public_cases`, `public_content`), called here rather than restated: Open311 shows what the portal shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CaseState
from cityops.core.errors import InvalidInput, NotFound
from cityops.intake.portal.selectors import (
    PUBLIC_STEPS,
    public_case_q,
    public_cases,
    public_content,
    public_photo_url,
)
from cityops.open311.models import Open311Service

MAX_SPAN = timedelta(days=90)
MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_REQUESTS = 1000
STATUSES = ("open", "closed")


def _english() -> bool:
    return (get_language() or "").startswith("en")


def service_list() -> QuerySet[Open311Service]:
    """The exposed services, in their configured order."""
    return Open311Service.objects.filter(exposed=True).select_related("catalog_class")


def service_get(*, service_code: str) -> Open311Service:
    """One exposed service by its public code (404 when unknown or hidden)."""
    service = service_list().filter(service_code=service_code).first()
    if service is None:
        raise NotFound(_("Unknown service_code %(code)r.") % {"code": service_code}, field="service_code")
    return service


def service_public(service: Open311Service) -> dict[str, Any]:
    """A service as GeoReport v2 lists it, in the request's language."""
    en = _english()
    return {
        "service_code": service.service_code,
        "service_name": (service.name_en if en and service.name_en else service.name),
        "description": (service.description_en if en and service.description_en else service.description) or None,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": service.keywords or None,
        "group": (service.group_en if en and service.group_en else service.group) or None,
    }


def service_definition(*, service_code: str) -> dict[str, Any]:
    """The service definition of an exposed service; one without attributes (`metadata` false) has an empty list."""
    # Clients fetch the definition of every service they offer, whatever `metadata` says: a 404 breaks them.
    service = service_get(service_code=service_code)
    attributes = []
    for i, attr in enumerate(service.attributes, start=1):
        attributes.append({
            "variable": bool(attr.get("variable", True)),
            "code": str(attr["code"]),
            "datatype": attr["datatype"],
            "required": bool(attr.get("required", False)),
            "datatype_description": attr.get("datatype_description") or None,
            "order": int(attr.get("order") or i),
            "description": attr.get("description") or None,
            "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in attr.get("values", [])],
        })
    return {"service_code": service.service_code, "attributes": attributes}


def _requests_base() -> QuerySet[Case]:
    # The portal's public cases, of classes exposed as services (a service_code a client can resolve).
    return (public_cases().filter(catalog_class__open311_service__exposed=True)
            .select_related("catalog_class__open311_service"))


def parse_w3c_datetime(value: str, *, field: str) -> datetime:
    """A w3c date-time with its offset (2026-01-02T03:04:05+08:00); anything else is refused."""
    try:
        parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    except ValueError:  # well formed but not a date (2026-02-30, a 25th hour)
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise InvalidInput(_("%(field)s must be a w3c date-time with a time-zone offset, e.g. "
                             "2026-01-02T03:04:05+08:00.") % {"field": field}, field=field)
    # The window reaches 90 days either side: a date at the calendar's edge would overflow (a 500, not a 400).
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidInput(_("%(field)s must lie between the years %(min)d and %(max)d.")
                           % {"field": field, "min": MIN_YEAR, "max": MAX_YEAR}, field=field)
    return parsed


def _window(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    s = parse_w3c_datetime(start, field="start_date") if start else None
    e = parse_w3c_datetime(end, field="end_date") if end else None
    if s and e and e < s:
        raise InvalidInput(_("end_date is before start_date."), field="end_date")
    if s and e and e - s > MAX_SPAN:
        raise InvalidInput(_("start_date and end_date may not span more than 90 days."), field="end_date")
    if s and not e:
        e = s + MAX_SPAN
    elif e and not s:
        s = e - MAX_SPAN
    elif not s or not e:  # neither given
        e = timezone.now()
        s = e - MAX_SPAN
    return s, e


def request_list(*, params: dict[str, str]) -> list[Case]:
    """GET requests: service_request_id (comma list, overrides the rest), service_code, start/end_date, status."""
    qs = _requests_base()
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        return list(qs.filter(number__in=ids[:MAX_REQUESTS]).order_by("-reported_at", "-id"))
    start, end = _window(params.get("start_date"), params.get("end_date"))
    qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(catalog_class__open311_service__service_code__in=codes)
    statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - set(STATUSES):
        raise InvalidInput(_("status must be open or closed (comma separated)."), field="status")
    if statuses == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.exclude(state__in=OPEN_STATES)
    return list(qs.order_by("-reported_at", "-id")[:MAX_REQUESTS])


def request_get(*, service_request_id: str) -> Case:
    """One public request by its id (the case number); 404 when unknown, not public or of a class not exposed."""
    case = _requests_base().filter(number=service_request_id).first()
    if case is None:
        raise NotFound(_("Unknown service_request_id %(id)r.") % {"id": service_request_id},
                       field="service_request_id")
    return case


def _w3c(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def request_public(case: Case, *, absolute: Callable[[str], str]) -> dict[str, Any]:
    """A case as a GeoReport v2 request: what the portal shows of it (`public_content`), with the platform's offset.

    No department (the portal names none), status notes only as the handling result of a closed case, the first
    public photo as `media_url` (made absolute by `absolute`).
    """
    service = case.catalog_class.open311_service
    is_open = case.state in OPEN_STATES
    content = public_content(case)
    lon, lat = content.location or (None, None)
    return {
        "service_request_id": case.number,
        "status": "open" if is_open else "closed",
        "status_notes": content.result or None,
        "service_name": service_public(service)["service_name"],
        "service_code": service.service_code,
        "description": content.description,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": _w3c(case.reported_at),
        "updated_datetime": _w3c(case.closed_at if not is_open and case.closed_at else case.updated_at),
        "expected_datetime": _w3c(case.due_at) if is_open else None,
        "address": content.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": absolute(public_photo_url(content.photos[0])) if content.photos else None,
    }


# --- mySociety extension: service request updates -----------------------------------------------------------

_UPDATE_STATUS = {
    "reported": "OPEN", "verifying": "OPEN", "accepted": "INVESTIGATING", "registered": "INVESTIGATING",
    "dispatched": "IN_PROGRESS", "handled": "IN_PROGRESS", "checking": "IN_PROGRESS", "checked": "IN_PROGRESS",
    "suspended": "IN_PROGRESS", "closed": "FIXED",
}
_VOID_STATUS = {"duplicate": "DUPLICATE", "out_of_scope": "NOT_COUNCILS_RESPONSIBILITY"}


def _update_status(event: CaseEvent) -> str:
    state = event.to_state or event.case.state
    if state == "voided":
        return _VOID_STATUS.get(event.case.void_reason, "NO_FURTHER_ACTION")
    return _UPDATE_STATUS.get(state, "OPEN")


def request_update_list(*, params: dict[str, str]) -> list[dict[str, Any]]:
    """Status changes of public requests in a window of at most 90 days (mySociety servicerequestupdates).

    The steps of the portal's public timeline only, each described by its public label (staff notes stay internal).
    """
    start, end = _window(params.get("start_date"), params.get("end_date"))
    public = Case.objects.filter(public_case_q(), catalog_class__open311_service__exposed=True)
    events = (CaseEvent.objects.filter(action__in=PUBLIC_STEPS, at__gte=start, at__lte=end, case__in=public)
              .select_related("case").order_by("at", "id")[:MAX_REQUESTS])
    return [{
        "update_id": str(e.pk),
        "service_request_id": e.case.number,
        "status": _update_status(e),
        "updated_datetime": _w3c(e.at),
        "description": _update_description(e),
        "media_url": "",
    } for e in events]


def _update_description(event: CaseEvent) -> str:
    # The closing step carries the handling result, which the portal shows once the case is closed.
    closing = PUBLIC_STEPS[event.action][0] == "closed" and event.case.state == CaseState.CLOSED
    return (closing and event.case.result) or str(PUBLIC_STEPS[event.action][1])
