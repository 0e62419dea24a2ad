"""Reads of cases, always scoped to the caller: the list (filters in `filters`, pages in `cursors`), one case,
its timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cityops.cases.cursors import Page, case_page
from cityops.cases.duplicates import find_duplicates
from cityops.cases.events import event_label
from cityops.cases.filters import CaseFilters, case_filter_q
from cityops.cases.models import Case, CaseEvent, CaseRequest, CaseState
from cityops.cases.photos import case_photo_url
from cityops.cases.scope import case_scope_q, case_visible, ensure_case_visible
from cityops.cases.workflow import allowed_actions
from cityops.catalog.models import CatalogClass
from cityops.catalog.selectors import catalog_class_search
from cityops.core.errors import DomainError, NotFound
from cityops.core.permissions import is_platform_admin
from cityops.geo.models import Region
from cityops.geo.selectors import region_feature_collection
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

DEFAULT_LIMIT = 50


# --- lists ------------------------------------------------------------------------------------------------


def case_list_for_user(*, user: AnyUser, filters: CaseFilters) -> Page:
    """One page of the cases `user` may see matching `filters`, in keyset order (newest first by default)."""
    qs = _with_relations(Case.objects.filter(case_scope_q(user), case_filter_q(filters)))
    return case_page(qs, order=filters.order, cursor=filters.cursor, limit=filters.limit, default_limit=DEFAULT_LIMIT)


def _with_relations(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("catalog_class", "urgency", "department", "handling_unit")


# --- one case ---------------------------------------------------------------------------------------------


def case_get_for_user(*, user: AnyUser, number: str) -> Case:
    """The case with `number` if `user` may see it; NotFound (404) when unknown or outside the scope."""
    case = _with_relations(Case.objects.filter(case_scope_q(user), number=str(number).strip())).first()
    if case is None:
        raise NotFound(_("Case %(number)s not found.") % {"number": number})
    return case


def case_timeline_for_user(*, user: AnyUser, case: Case) -> list[dict[str, Any]]:
    """The case's events, oldest first, with who acted and the state labels (404 outside the scope)."""
    ensure_case_visible(user, case)
    labels = dict(CaseState.choices)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
    return [_event_row(event, labels) for event in events]


def _event_row(event: CaseEvent, labels: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event.pk,
        "at": event.at,
        "action": event.action,
        "action_label": event_label(event.action),
        "actor": event.actor_label or (str(event.actor) if event.actor_id else "system"),
        "actor_id": event.actor_id,
        "from_state": event.from_state or None,
        "from_state_label": str(labels[event.from_state]) if event.from_state else None,
        "to_state": event.to_state or None,
        "to_state_label": str(labels[event.to_state]) if event.to_state else None,
        "note": event.note,
        "data": event.data,
    }


# --- shapes -----------------------------------------------------------------------------------------------


def case_summaries(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """List rows for `cases`, with region names fetched in one query (no geometry loaded)."""
    ids = {rid for c in cases for rid in (c.grid_id, c.community_id, c.street_id, c.district_id) if rid}
    regions = {r["id"]: r for r in Region.objects.filter(id__in=ids).values("id", "code", "name")}
    return [_summary(c, regions) for c in cases]


def case_summary(case: Case) -> dict[str, Any]:
    return case_summaries([case])[0]


def _summary(case: Case, regions: dict[int, dict]) -> dict[str, Any]:
    def region(rid: int | None) -> dict | None:
        return regions.get(rid) if rid else None

    return {
        "number": case.number,
        "version": case.version,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "kind": case.kind,
        "catalog_class": _class_ref(case),
        "urgency": {"code": case.urgency.code, "name": case.urgency.name, "name_en": case.urgency.name_en},
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "grid": region(case.grid_id),
        "community": region(case.community_id),
        "street": region(case.street_id),
        "district": region(case.district_id),
        "source": case.source,
        "department": _department_ref(case.department),
        "handling_unit": _department_ref(case.handling_unit),
        "current_stage": case.current_stage or None,
        "due_at": case.due_at,
        "is_overdue": case.is_overdue,
        "is_urged": case.is_urged,
        "is_self_handled": case.is_self_handled,
        "reported_at": case.reported_at,
        "closed_at": case.closed_at,
    }


def _class_ref(case: Case) -> dict[str, Any]:
    c = case.catalog_class
    return {"ref": f"{c.kind}:{c.code}", "code": c.code, "kind": c.kind, "name": c.display_name, "name_en": c.name_en}


def _department_ref(department: Department | None) -> dict | None:
    if department is None:
        return None
    return {"code": department.code, "name": department.name}


def case_detail(case: Case, *, user: AnyUser) -> dict[str, Any]:
    """Everything the detail page shows: the summary, clocks, photos, requests, links and allowed actions."""
    detail = case_summary(case)
    detail.update(_own_fields(case))
    detail.update({
        "clocks": _clocks(case),
        "photos": _photos(case),
        "requests": _requests(case),
        "master": case.master.number if case.master_id else None,
        "merged_duplicates": list(case.duplicates.order_by("id").values_list("number", flat=True)),
        "recurrence_of": case.recurrence_of.number if case.recurrence_of_id else None,
        "recurrences": list(case.recurrences.order_by("id").values_list("number", flat=True)),
        "allowed_actions": allowed_actions_for(case=case, user=user),
    })
    return detail


def new_report_detail(*, case: Case, clock: Any, location: Any, user: AnyUser) -> dict[str, Any] | None:
    """`case_detail` of a report just created, from what the report already holds (no query in the common case).

    A new report has no photos, requests, duplicates merged into it or recurrences yet, one clock at most, and its
    regions are the locate index's. None when the caller must read it back instead: the report is outside the
    reporter's own scope (the answer is then the minimal one), or it came with photos or was closed at once.
    """
    if case.state != CaseState.REPORTED or not case_visible(user, case):
        return None
    refs = (location.grid, location.community, location.street, location.district)
    detail = _summary(case, {ref.id: ref.as_dict() for ref in refs if ref is not None})
    detail.update(_own_fields(case))
    detail.update({
        "clocks": [_clock_row(clock)] if clock is not None else [],
        "photos": [],
        "requests": [],
        "master": None,
        "merged_duplicates": [],
        "recurrence_of": case.recurrence_of.number if case.recurrence_of_id else None,
        "recurrences": [],
        "allowed_actions": _allowed_actions(case=case, user=user, pending=set()),
    })
    return _as_read_back(detail)


def _own_fields(case: Case) -> dict[str, Any]:
    """The detail fields read from the case row itself (and its reporter, component, proposed department)."""
    return {
        "component": case.component.ident if case.component_id else None,
        "reporter": {"name": case.reporter_name, "contact": case.reporter_contact,
                     "user": case.reporter.get_username() if case.reporter_id else None},
        "proposed_department": _department_ref(case.proposed_department),
        "proposal_reason": case.proposal_reason,
        "dispatch_overridden": case.dispatch_overridden,
        "result": case.result,
        "void_reason": case.void_reason or None,
        "counters": {"rework": case.rework_count, "extension": case.extension_count, "return": case.return_count},
        "updated_at": case.updated_at,
    }


def _as_read_back(value: Any) -> Any:
    """Moments in UTC, as the database hands them back (a deadline is computed in local time): the same body."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo is not None else value
    if isinstance(value, dict):
        return {k: _as_read_back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_read_back(v) for v in value]
    return value


def _clocks(case: Case) -> list[dict[str, Any]]:
    return [_clock_row(c) for c in case.clocks.order_by("started_at", "id")]


def _clock_row(c: Any) -> dict[str, Any]:
    return {"stage": c.stage, "stage_label": str(c.get_stage_display()), "round": c.round, "started_at": c.started_at,
            "deadline": c.deadline, "minutes_allowed": c.minutes_allowed, "extended_minutes": c.extended_minutes,
            "basis": c.basis, "paused": c.paused_at is not None, "done_at": c.done_at, "on_time": c.on_time}


def _photos(case: Case) -> list[dict[str, Any]]:
    return [photo_row(p) for p in case.photos.order_by("uploaded_at", "id")]


def photo_row(photo: Any) -> dict[str, Any]:
    """A photo with the URLs of the image and its thumbnail (the download view, which checks who asks)."""
    return {"id": photo.pk, "phase": photo.phase, "url": case_photo_url(photo),
            "thumbnail_url": case_photo_url(photo, variant="thumb") if photo.thumbnail else None,
            "content_type": photo.content_type,
            "size": photo.size, "uploaded_at": photo.uploaded_at}


def _requests(case: Case) -> list[dict[str, Any]]:
    return [case_request_row(r) for r in case.requests.select_related("requested_by", "decided_by").order_by("id")]


def case_request_row(request: Any) -> dict[str, Any]:
    return {
        "id": request.pk, "kind": request.kind, "state": request.state, "reason": request.reason,
        "extra_minutes": request.extra_minutes, "void_reason": request.void_reason or None,
        "requested_by": str(request.requested_by) if request.requested_by_id else None,
        "requested_at": request.requested_at,
        "decided_by": str(request.decided_by) if request.decided_by_id else None,
        "decided_at": request.decided_at, "decision_note": request.decision_note,
    }


def allowed_actions_for(*, case: Case, user: AnyUser) -> list[str]:
    """The workflow actions `user` may take on `case` now."""
    return list(allowed_actions(case=case, user=user))


def _allowed_actions(*, case: Case, user: AnyUser, pending: set[str]) -> list[str]:
    return list(allowed_actions(case=case, user=user, pending=pending))


def case_duplicates_for_user(*, user: AnyUser, case: Case, found: Sequence[Case] | None = None) -> list[Case]:
    """Open cases of the same class near `case` (`found`, or searched again as of its report), in `user`'s scope."""
    if found is None:
        found = find_duplicates(catalog_class=case.catalog_class, lon=case.lon, lat=case.lat, at=case.reported_at,
                                exclude_id=case.pk)
    if not found:
        return []
    region = getattr(user, "scope_region", None)
    if is_platform_admin(user) or (region is not None and all(c.region_path.startswith(region.path) for c in found)):
        return list(found)  # all inside the caller's region scope: nothing to ask the database
    visible = set(Case.objects.filter(case_scope_q(user), pk__in=[c.pk for c in found]).values_list("pk", flat=True))
    return [c for c in found if c.pk in visible]


def case_request_get_for_user(*, user: AnyUser, request_id: int) -> Any:
    """An approval request on a case `user` may see; NotFound otherwise."""
    found = CaseRequest.objects.select_related("case").filter(pk=request_id, case__in=Case.objects.filter(
        case_scope_q(user))).first()
    if found is None:
        raise NotFound(_("Request %(id)s not found.") % {"id": request_id})
    return found


# --- report forms (console and hotline desk) ----------------------------------------------------------------


def report_class_options(*, text: str) -> list[CatalogClass]:
    """Up to 30 classes for a report form's picker, matching the first word of `text` (never retired ones)."""
    term = text.strip().split(" ", 1)[0]
    return list(catalog_class_search(q=term)[:30])


def report_scope_map(*, user: AnyUser) -> dict[str, Any]:
    """The districts of the user's scope as a report map's outline (no basemap needed to find a place)."""
    try:
        regions = region_feature_collection(user=user, level="district", zoom=12)
    except DomainError:
        regions = {"type": "FeatureCollection", "features": []}
    return {"point": None, "regions": regions}
