"""Every write to a case: the report, each workflow step, requests and their decisions.

Each service checks the role (403) and the data scope (404), locks the case (`select_for_update`) in one short
transaction, compares the version the actor saw (`StaleVersion`, 409), moves the state through
`cases.workflow.transition` (which refuses an illegal move, 409), and writes a `CaseEvent` in the same
transaction. `version=None` skips the comparison: for the system and commands only; the API and the console
always pass the version they showed. `at` places the change in time (default now), so history can be written.
Nothing here notifies anyone: each event reaches its subscribers after commit (`cases.subscribers`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases import numbering, sla
from cityops.cases.dispatching import auto_dispatch_enabled, propose_department
from cityops.cases.duplicates import find_duplicates, h3_cell_of
from cityops.cases.models import (
    Case,
    CaseRequest,
    CaseState,
    PhotoPhase,
    RequestKind,
    RequestState,
    Source,
    VoidReason,
)
from cityops.cases.photos import case_photo_add
from cityops.cases.scope import ensure_case_visible
from cityops.cases.workflow import (
    REQUEST_TRANSITIONS,
    TRANSITIONS,
    StaleVersion,
    authorize,
    check_allowed,
    is_system,
    record_event,
    require_transition_role,
    transition,
)
from cityops.catalog import cache as policy_cache
from cityops.catalog.models import CatalogClass, Urgency
from cityops.core.errors import Conflict, InvalidInput, NotFound
from cityops.core.permissions import ensure_path_visible, is_platform_admin, is_user, require_role
from cityops.core.uploads import check_image
from cityops.geo.locate import Location, locate_or_raise
from cityops.org.models import Department, Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor

MAX_DESCRIPTION = 2000
MAX_RESULT = 2000
MAX_REASON = 1000
MAX_EXTENSION_MINUTES = 60 * 24 * 90  # a quarter of a year, counted in the clock's own basis
REPORT_ROLES = (Role.INSPECTOR, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER)


@dataclass
class ReportResult:
    case: Case
    created: bool
    duplicates: list[Case] = field(default_factory=list)
    # What a new report already holds, so its answer is built without reading the case back.
    clock: Any = None
    location: Any = None


# --- the report ------------------------------------------------------------------------------------------


def case_report(
    *, actor: Actor, source: str, catalog_class: CatalogClass | str, description: str, lon: float, lat: float,
    crs: str = "wgs84", urgency: Urgency | str | None = None, address: str = "", component: Any = None,
    reporter_name: str = "", reporter_contact: str = "", idempotency_key: str | None = None,
    self_handled: bool = False, result: str = "", recurrence_of: Case | None = None, at: datetime | None = None,
    photos: Sequence[Any] = (), duplicate_numbers_only: bool = False,
) -> ReportResult:
    """Report a problem (上报): locate it, number it, start the 受理 clock; idempotent on (reporter, key).

    `photos` are attached as before-photos in the report's own transaction, before a self-handled report
    closes the case; every one is checked first, so a refused photo leaves no case behind.
    `duplicate_numbers_only`: the result's duplicates carry their numbers only (a caller that answers nobody).
    """
    at = at or timezone.now()
    _require_reporter(actor, self_handled=self_handled)
    _check_report_fields(source=source, description=description, address=address, reporter_name=reporter_name,
                         reporter_contact=reporter_contact, idempotency_key=idempotency_key, result=result)
    for upload in photos:
        check_image(upload, field="photos")
    reporter = None if is_system(actor) else actor
    # The key is not looked up first: a new one (nearly every report) costs no query; a retry meets the unique
    # (reporter, key) constraint on insert below, its transaction (its number too) is rolled back, and it answers
    # with the case the first one created.
    case, location = _new_case(
        actor=actor, source=source, catalog_class=_resolve_class(catalog_class), urgency=_resolve_urgency(urgency),
        description=description.strip(), lon=lon, lat=lat, crs=crs, address=address.strip(), component=component,
        reporter=reporter, reporter_name=reporter_name, reporter_contact=reporter_contact,
        idempotency_key=idempotency_key, recurrence_of=recurrence_of, at=at)
    duplicates = _find_duplicates(case, at, numbers_only=duplicate_numbers_only)
    clock = sla.start_stage(case, sla.STAGE_OF[CaseState.REPORTED], at)
    try:
        with transaction.atomic():
            # The number is taken in the case's own transaction, just before the insert: a report refused or
            # rolled back at any point gives its number back (the day's sequence stays gapless), and the day's
            # counter row stays locked only for the few inserts below and the commit.
            case.number = numbering.next_case_number(at)
            case.save(force_insert=True)
            _record_report(case, clock=clock, actor=actor, duplicates=duplicates, at=at)
            for upload in photos:
                case_photo_add(case=case, actor=actor, upload=upload, phase=PhotoPhase.BEFORE)
            if self_handled:
                case.is_self_handled, case.result, case.closed_at = True, result.strip(), at
                transition(case, "self_handle", actor=actor, note=result.strip(), at=at)
    except IntegrityError:
        # A retry, or two copies of one report racing: the unique (reporter, key) constraint let the first in.
        existing = _existing_report(reporter, idempotency_key)
        if existing is None:
            raise
        return ReportResult(existing, created=False)
    return ReportResult(case, created=True, duplicates=duplicates, clock=clock, location=location)


def require_reporter(actor: Actor) -> None:
    """Refuse (403) an actor who may not report (what `case_report` checks first), e.g. before storing a batch."""
    _require_reporter(actor, self_handled=False)


def _require_reporter(actor: Actor, *, self_handled: bool) -> None:
    if is_system(actor) or is_platform_admin(actor):
        return
    if self_handled:
        # Self-handling (自处理) is the inspector's on-the-spot fix: nobody else reports one.
        require_role(actor, Role.INSPECTOR)
    else:
        require_role(actor, *REPORT_ROLES)


def _check_report_fields(*, source: str, description: str, address: str, reporter_name: str, reporter_contact: str,
                         idempotency_key: str | None, result: str) -> None:
    errors: list[dict[str, str]] = []

    def refuse(name: str, message: str) -> None:
        errors.append({"field": name, "detail": message})

    if source not in Source.values:
        refuse("source", _("Unknown source %(source)r; use one of: %(choices)s.")
               % {"source": source, "choices": ", ".join(Source.values)})
    text = (description or "").strip()
    if not text:
        refuse("description", _("A description is required."))
    elif len(text) > MAX_DESCRIPTION:
        refuse("description", _("The description is longer than %(n)d characters.") % {"n": MAX_DESCRIPTION})
    for name, value, limit in (("address", address, 200), ("reporter_name", reporter_name, 60),
                               ("reporter_contact", reporter_contact, 120), ("idempotency_key", idempotency_key, 80),
                               ("result", result, MAX_RESULT)):
        if value is not None and len(value) > limit:
            refuse(name, _("%(field)s is longer than %(n)d characters.") % {"field": name, "n": limit})
    if errors:
        raise InvalidInput(errors[0]["detail"], field=errors[0]["field"], details=errors)


def _existing_report(reporter: Any, key: str | None) -> Case | None:
    if not key:
        return None
    return Case.objects.filter(reporter=reporter, idempotency_key=key).first()


def _resolve_class(value: CatalogClass | str) -> CatalogClass:
    if isinstance(value, str):
        try:
            value = policy_cache.catalog_class(value, field="catalog_class")
        except NotFound as exc:
            raise InvalidInput(exc.message, field="catalog_class") from exc
    if not isinstance(value, CatalogClass):
        raise InvalidInput(_("A catalogue class is required."), field="catalog_class")
    if value.is_retired:
        raise InvalidInput(_("The class %(class)s is retired; choose a current one.") % {"class": value},
                           field="catalog_class")
    return value


def _resolve_urgency(value: Urgency | str | None) -> Urgency:
    if value is None or value == "":
        return policy_cache.the_default_urgency()
    if isinstance(value, Urgency):
        return value
    found = policy_cache.urgency(value)
    if found is None:
        raise InvalidInput(_("Unknown urgency %(code)r.") % {"code": value}, field="urgency")
    return found


def _new_case(*, actor: Actor, source: str, catalog_class: CatalogClass, urgency: Urgency, description: str,
              lon: float, lat: float, crs: str, address: str, component: Any, reporter: Any, reporter_name: str,
              reporter_contact: str, idempotency_key: str | None, recurrence_of: Case | None,
              at: datetime) -> tuple[Case, Location]:
    """An unsaved case: located, its region path and h3 cell filled, the department proposed (no query: the
    locate index carries the grid's path, the catalogue policy is the process's copy)."""
    location = locate_or_raise(lon, lat, crs=crs)
    grid_path = location.grid.path
    if not is_system(actor):
        ensure_path_visible(actor, grid_path, what="Region")
    if recurrence_of is not None:
        _check_recurrence(actor, recurrence_of)
    case = Case(
        kind=catalog_class.kind, catalog_class=catalog_class, urgency=urgency, description=description,
        lon=location.lon, lat=location.lat, address=address, grid_id=location.grid.id,
        community_id=_ref_id(location.community), street_id=_ref_id(location.street),
        district_id=_ref_id(location.district), region_path=grid_path,
        h3_cell=h3_cell_of(location.lon, location.lat), component=component, source=source, reporter=reporter,
        reporter_name=reporter_name, reporter_contact=reporter_contact, idempotency_key=idempotency_key or None,
        state=CaseState.REPORTED, recurrence_of=recurrence_of, reported_at=at, updated_at=at,
    )
    _propose(case, location.grid)
    return case, location


def _ref_id(ref: Any) -> int | None:
    return ref.id if ref is not None else None


def _check_recurrence(actor: Actor, previous: Case) -> None:
    if not is_system(actor):
        ensure_case_visible(actor, previous)
    if previous.state != CaseState.CLOSED:
        raise InvalidInput(_("A recurrence refers to a closed case; %(number)s is not closed.")
                           % {"number": previous.number}, field="recurrence_of")


def _propose(case: Case, grid: Any) -> None:
    proposal = propose_department(case=case, region=grid)
    if proposal is not None:
        case.proposed_department = proposal.department
        case.proposal_reason = str(proposal.reason)[:300]


def _find_duplicates(case: Case, at: datetime, *, numbers_only: bool) -> list[Case]:
    return find_duplicates(catalog_class=case.catalog_class, lon=case.lon, lat=case.lat, at=at,
                           numbers_only=numbers_only)


def _record_report(case: Case, *, clock: Any, actor: Actor, duplicates: list[Case], at: datetime) -> None:
    if clock is not None:
        clock.case = case
        clock.save()
    data = {
        "source": case.source, "class": case.catalog_class.code, "urgency": case.urgency.code,
        "grid": case.region_path, "duplicates": [d.number for d in duplicates],
        "proposed_department": case.proposed_department.code if case.proposed_department else None,
    }
    if case.recurrence_of_id:
        data["recurrence_of"] = case.recurrence_of.number
    record_event(case, "case.reported", actor=actor, to_state=case.state, data=data, at=at, public=True)


# --- one workflow step -----------------------------------------------------------------------------------


def _lock(case: Case) -> Case:
    """Re-read the case holding its row lock until the transaction ends (concurrent actions queue here)."""
    try:
        return Case.objects.select_for_update().get(pk=case.pk)
    except Case.DoesNotExist:
        raise NotFound(_("Case not found.")) from None


def _check_version(case: Case, version: int | None) -> None:
    if version is not None and int(version) != case.version:
        raise StaleVersion(
            _("Case %(number)s has changed (version %(now)s, you saw %(seen)s); reload it and try again.")
            % {"number": case.number, "now": case.version, "seen": version}
        )


def _step(case: Case, name: str, *, actor: Actor, version: int | None, note: str = "", at: datetime | None = None,
          change: Callable[[Case], dict | None] | None = None, public: bool = False) -> Case:
    """Authorize, lock, compare the version, apply `change` and move along the row `name`, in one transaction."""
    at = at or timezone.now()
    require_transition_role(actor, name)  # 403 before touching the row
    with transaction.atomic():
        locked = _lock(case)
        authorize(actor, locked, name)
        _check_version(locked, version)
        check_allowed(locked, name)
        data = change(locked) if change is not None else None
        before = locked.state
        transition(locked, name, actor=actor, note=note, data=data, at=at, public=public)
        if locked.state != before:
            _cancel_moot_requests(locked, actor=actor, at=at)
    return locked


def _cancel_moot_requests(case: Case, *, actor: Actor, at: datetime) -> None:
    """Cancel pending requests that no longer make sense in the case's new state (e.g. an extension once handled)."""
    for request in CaseRequest.objects.filter(case=case, state=RequestState.PENDING):
        ask = REQUEST_TRANSITIONS[request.kind][0]
        if case.state not in TRANSITIONS[ask].sources:
            request.state = RequestState.CANCELLED
            request.decided_at = at
            request.decision_note = _("Cancelled: the case moved on.")
            request.save(update_fields=["state", "decided_at", "decision_note"])
            record_event(case, "case.request_cancelled", actor=actor, from_state=case.state, to_state=case.state,
                         data={"request": request.pk, "kind": request.kind}, at=at)


def case_send_to_verify(*, case: Case, actor: Actor, version: int | None, note: str = "",
                        at: datetime | None = None) -> Case:
    """Send a report to the grid's inspector for verification (核实)."""
    return _step(case, "send_to_verify", actor=actor, version=version, note=note, at=at)


def case_verify(*, case: Case, actor: Actor, version: int | None, confirmed: bool, note: str = "",
                at: datetime | None = None) -> Case:
    """Record the inspector's verification (核实): confirmed → accepted, refuted → back to the acceptor."""
    return _step(case, "verify" if confirmed else "verify_refuted", actor=actor, version=version, note=note, at=at)


def case_accept(*, case: Case, actor: Actor, version: int | None, note: str = "", at: datetime | None = None) -> Case:
    """Accept (受理) a report."""
    return _step(case, "accept", actor=actor, version=version, note=note, at=at, public=True)


def case_register(*, case: Case, actor: Actor, version: int | None, note: str = "", at: datetime | None = None) -> Case:
    """Register (立案) an accepted case; classes configured for automatic dispatch go straight to their department."""
    at = at or timezone.now()
    require_transition_role(actor, "register")
    with transaction.atomic():
        locked = _lock(case)
        authorize(actor, locked, "register")
        _check_version(locked, version)
        transition(locked, "register", actor=actor, note=note, at=at, public=True)
        target = locked.proposed_department
        if target is not None and target.is_active and auto_dispatch_enabled(locked.catalog_class):
            locked.department, locked.handling_unit = target, None
            data = {"department": target.code, "auto": True, "reason": locked.proposal_reason}
            transition(locked, "dispatch", actor="auto-dispatch", data=data, at=at, public=True)
    return locked


def case_dispatch(*, case: Case, actor: Actor, version: int | None, department: Department | str | None = None,
                  note: str = "", at: datetime | None = None) -> Case:
    """Dispatch (派遣) a registered case to a department: the one given, or the proposal."""
    def change(locked: Case) -> dict:
        chosen = _resolve_department(department, field_name="department") if department is not None else None
        target = chosen or locked.proposed_department
        if target is None:
            raise InvalidInput(_("No department was proposed for this case; choose one."), field="department")
        if not target.is_active:
            raise InvalidInput(_("The department %(name)s is inactive.") % {"name": target.name}, field="department")
        # Choosing another department than the proposal counts as an override (机器派单 accuracy).
        locked.dispatch_overridden = locked.proposed_department_id is not None and (
            target.pk != locked.proposed_department_id)
        locked.department, locked.handling_unit = target, None
        return {"department": target.code, "overridden": locked.dispatch_overridden,
                "proposed": locked.proposed_department.code if locked.proposed_department else None}

    return _step(case, "dispatch", actor=actor, version=version, note=note, at=at, change=change, public=True)


def _resolve_department(value: Department | str, *, field_name: str) -> Department:
    if isinstance(value, Department):
        return value
    found = Department.objects.filter(code=value).first()
    if found is None:
        raise InvalidInput(_("Unknown department %(code)r.") % {"code": value}, field=field_name)
    return found


def case_pass_down(*, case: Case, actor: Actor, version: int | None, unit: Department | str, note: str = "",
                   at: datetime | None = None) -> Case:
    """Pass a dispatched case down to a sub-unit of the responsible department (the street's small loop)."""
    def change(locked: Case) -> dict:
        target = _resolve_department(unit, field_name="unit")
        parent = locked.department
        if parent is None or not target.path.startswith(parent.path) or target.pk == parent.pk:
            raise InvalidInput(_("%(unit)s is not a sub-unit of the responsible department.") % {"unit": target.name},
                               field="unit")
        if not target.is_active:
            raise InvalidInput(_("The department %(name)s is inactive.") % {"name": target.name}, field="unit")
        locked.handling_unit = target
        return {"unit": target.code}

    return _step(case, "pass_down", actor=actor, version=version, note=note, at=at, change=change)


def case_handle(*, case: Case, actor: Actor, version: int | None, result: str, note: str = "",
                at: datetime | None = None) -> Case:
    """Report the handling (处置) done, with its result."""
    text = _required_text(result, "result", MAX_RESULT)

    def change(locked: Case) -> dict:
        locked.result = text
        return {"result": text}

    return _step(case, "handle", actor=actor, version=version, note=note, at=at, change=change, public=True)


def _required_text(value: str, name: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": name}, field=name)
    if len(text) > limit:
        raise InvalidInput(_("%(field)s is longer than %(n)d characters.") % {"field": name, "n": limit}, field=name)
    return text


def case_send_to_check(*, case: Case, actor: Actor, version: int | None, note: str = "",
                       at: datetime | None = None) -> Case:
    """Send a handled case to an inspector for the on-site check (核查)."""
    return _step(case, "send_to_check", actor=actor, version=version, note=note, at=at)


def case_check(*, case: Case, actor: Actor, version: int | None, passed: bool, note: str = "",
               at: datetime | None = None) -> Case:
    """Record the check (核查): passed → awaiting close; failed → back to the department as rework (返工)."""
    if passed:
        return _step(case, "check", actor=actor, version=version, note=note, at=at, public=True)

    def change(locked: Case) -> dict:
        locked.rework_count += 1
        return {"rework": locked.rework_count}

    return _step(case, "rework", actor=actor, version=version, note=note, at=at, change=change, public=True)


def case_close(*, case: Case, actor: Actor, version: int | None, note: str = "", at: datetime | None = None) -> Case:
    """Close (结案) a checked case."""
    when = at or timezone.now()

    def change(locked: Case) -> None:
        locked.closed_at = when

    return _step(case, "close", actor=actor, version=version, note=note, at=when, change=change, public=True)


def case_urge(*, case: Case, actor: Actor, version: int | None, note: str = "", at: datetime | None = None) -> Case:
    """Urge (督办) an open case: it is flagged for everyone working on it."""

    def change(locked: Case) -> None:
        locked.is_urged = True

    return _step(case, "urge", actor=actor, version=version, note=note, at=at, change=change)


def case_merge(*, case: Case, master: Case, actor: Actor, version: int | None, note: str = "",
               at: datetime | None = None) -> Case:
    """Merge a duplicate into its master: the duplicate is voided as duplicate (重复) and linked."""
    when = at or timezone.now()
    if master.pk == case.pk:
        raise InvalidInput(_("A case cannot be merged into itself."), field="master")
    if not is_system(actor) and not is_platform_admin(actor):
        ensure_case_visible(actor, master)
    if master.state == CaseState.VOIDED or master.master_id is not None:
        raise InvalidInput(_("Case %(number)s is voided or itself a duplicate; merge into its master instead.")
                           % {"number": master.number}, field="master")

    def change(locked: Case) -> dict:
        locked.master, locked.void_reason = master, VoidReason.DUPLICATE
        record_event(master, "case.duplicate_merged", actor=actor, from_state=master.state, to_state=master.state,
                     data={"duplicate": locked.number}, at=when)
        return {"master": master.number}

    return _step(case, "merge", actor=actor, version=version, note=note, at=when, change=change, public=True)


def case_resume(*, case: Case, actor: Actor, version: int | None, note: str = "", at: datetime | None = None) -> Case:
    """Resume a suspended (挂账) case: it goes back to its department and its clock runs again."""
    return _step(case, "resume", actor=actor, version=version, note=note, at=at)


# --- requests that need approval ------------------------------------------------------------------------


def case_request_create(*, case: Case, actor: Actor, version: int | None, kind: str, reason: str,
                        extra_minutes: int | None = None, void_reason: str = "",
                        at: datetime | None = None) -> CaseRequest:
    """Ask for an extension (延期), return (回退), suspension (挂账) or void (作废); one pending per kind."""
    at = at or timezone.now()
    if kind not in RequestKind.values:
        raise InvalidInput(_("Unknown request kind %(kind)r; use one of: %(choices)s.")
                           % {"kind": kind, "choices": ", ".join(RequestKind.values)}, field="kind")
    text = _required_text(reason, "reason", MAX_REASON)
    extra_minutes, void_reason = _check_request_terms(kind, extra_minutes, void_reason)
    ask = REQUEST_TRANSITIONS[kind][0]
    require_transition_role(actor, ask)
    with transaction.atomic():
        locked = _lock(case)
        authorize(actor, locked, ask)
        _check_version(locked, version)
        check_allowed(locked, ask)
        request = _create_request(locked, kind=kind, reason=text, extra_minutes=extra_minutes,
                                  void_reason=void_reason, actor=actor, at=at)
        data = {"request": request.pk, "kind": kind, "extra_minutes": extra_minutes, "void_reason": void_reason}
        transition(locked, ask, actor=actor, note=text, data=data, at=at)
    return request


def _check_request_terms(kind: str, extra_minutes: int | None, void_reason: str) -> tuple[int | None, str]:
    if kind == RequestKind.EXTENSION:
        if isinstance(extra_minutes, bool) or not isinstance(extra_minutes, int) or not (
                0 < extra_minutes <= MAX_EXTENSION_MINUTES):
            raise InvalidInput(_("An extension needs extra_minutes between 1 and %(n)d.")
                               % {"n": MAX_EXTENSION_MINUTES}, field="extra_minutes")
        return extra_minutes, ""
    if kind == RequestKind.VOID:
        if void_reason not in VoidReason.values:
            raise InvalidInput(_("A void request needs a void_reason: %(choices)s.")
                               % {"choices": ", ".join(VoidReason.values)}, field="void_reason")
        return None, void_reason
    return None, ""


def _create_request(case: Case, *, kind: str, reason: str, extra_minutes: int | None, void_reason: str, actor: Actor,
                    at: datetime) -> CaseRequest:
    if CaseRequest.objects.filter(case=case, kind=kind, state=RequestState.PENDING).exists():
        raise Conflict(_("A %(kind)s request for case %(number)s is already waiting for a decision.")
                       % {"kind": RequestKind(kind).label, "number": case.number})
    try:
        # The partial unique constraint is the last word (the case row lock already serializes requesters).
        with transaction.atomic():
            return CaseRequest.objects.create(
                case=case, kind=kind, reason=reason, extra_minutes=extra_minutes, void_reason=void_reason,
                requested_by=actor if is_user(actor) else None, requested_at=at,
            )
    except IntegrityError:
        raise Conflict(_("A %(kind)s request for case %(number)s is already waiting for a decision.")
                       % {"kind": RequestKind(kind).label, "number": case.number}) from None


def case_request_decide(*, request: CaseRequest, actor: Actor, approve: bool, note: str = "",
                        at: datetime | None = None) -> CaseRequest:
    """Approve or reject a request; an approval applies its effect (more time, return, suspension, void)."""
    at = at or timezone.now()
    apply = REQUEST_TRANSITIONS[request.kind][1]
    require_transition_role(actor, apply)
    with transaction.atomic():
        locked = _lock(request.case)
        authorize(actor, locked, apply)
        request = CaseRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RequestState.PENDING:
            raise Conflict(_("This request was already decided (%(state)s).") % {"state": request.get_state_display()})
        request.state = RequestState.APPROVED if approve else RequestState.REJECTED
        request.decided_by = None if is_system(actor) else actor
        request.decided_at, request.decision_note = at, note
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        if approve:
            _apply_request(locked, request, apply, actor=actor, note=note, at=at)
        else:
            _record_rejection(locked, request, actor=actor, note=note, at=at)
    return request


def _apply_request(case: Case, request: CaseRequest, apply: str, *, actor: Actor, note: str, at: datetime) -> None:
    check_allowed(case, apply)
    data: dict[str, Any] = {"request": request.pk, "kind": request.kind, "decision": "approved"}
    if request.kind == RequestKind.EXTENSION:
        sla.extend(case, request.extra_minutes or 0, at)
        case.extension_count += 1
        data.update(extra_minutes=request.extra_minutes, due_at=case.due_at.isoformat() if case.due_at else None)
    elif request.kind == RequestKind.RETURN:
        # Returned as mis-dispatched (回退): the dispatcher chooses the department again.
        data["department"] = case.department.code if case.department else None
        case.return_count += 1
        case.department = case.handling_unit = None
    elif request.kind == RequestKind.VOID:
        case.void_reason = request.void_reason
        data["void_reason"] = request.void_reason
    before = case.state
    transition(case, apply, actor=actor, note=note or request.reason, data=data, at=at)
    if case.state != before:
        _cancel_moot_requests(case, actor=actor, at=at)


def _record_rejection(case: Case, request: CaseRequest, *, actor: Actor, note: str, at: datetime) -> None:
    case.version += 1
    case.updated_at = at
    case.save(update_fields=["version", "updated_at"])
    record_event(case, "case.request_rejected", actor=actor, from_state=case.state, to_state=case.state, note=note,
                 data={"request": request.pk, "kind": request.kind, "decision": "rejected"}, at=at)

