"""HTTP API of the cases domain (thin: parse, call a selector or one service, return the case).

Reads need the token scope `cases:read`, writes `cases:write` (sessions are not limited by scopes).
Every workflow action carries the case `version` the caller saw: a stale one answers 409 `stale_version`,
an action the state does not allow 409 `illegal_transition` naming the state, a case outside the caller's
scope 404, a missing role 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Status
from ninja.files import UploadedFile

from cityops.assets.selectors import component_get_for_user
from cityops.cases import photos, queues, selectors, services
from cityops.cases.cursors import CaseOrder
from cityops.cases.filters import CaseFilters
from cityops.cases.models import Case, Source
from cityops.cases.schemas import (
    ActionIn,
    CaseCreatedOut,
    CaseDetailOut,
    CaseIn,
    CaseListQuery,
    CasePageOut,
    CasePhotoOut,
    CaseQueueOut,
    CaseQueueQuery,
    CheckIn,
    DecideIn,
    DispatchIn,
    ErrorOut,
    HandleIn,
    MergeIn,
    PassDownIn,
    RequestCreatedOut,
    RequestIn,
    TimelineEventOut,
    VerifyIn,
)
from cityops.catalog import cache as policy_cache
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.core.permissions import require_token_scope

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser, AuthedRequest

router = Router()

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STAFF_SOURCES = (Source.INSPECTOR, Source.STAFF, Source.HOTLINE)
# Channels an integration token may report through; the staff channels stay with people.
TOKEN_SOURCES = (Source.CITIZEN, Source.HOTLINE, Source.OPEN311, Source.WEBHOOK, Source.VIDEO_AI, Source.IOT)


# --- reads ------------------------------------------------------------------------------------------------


@router.get("", response={200: CasePageOut, 422: ErrorOut}, summary="List and search cases")
def case_list(request: AuthedRequest, query: Query[CaseListQuery]) -> dict[str, Any]:
    """Cases in the caller's scope, newest first (or `order=due_at`: earliest deadline first), one page at a
    time: pass `next_cursor` back as `cursor` until it is null."""
    require_token_scope(request.auth, "cases:read")
    page = selectors.case_list_for_user(user=request.auth, filters=_filters(query, order=query.order))
    return {"items": selectors.case_summaries(page.items), "next_cursor": page.next_cursor}


# Before "/{number}": the first matching route answers.
@router.get("/queue", response={200: CaseQueueOut, 422: ErrorOut}, summary="My work queue (待办)")
def case_queue(request: AuthedRequest, query: Query[CaseQueueQuery]) -> dict[str, Any]:
    """The cases waiting for the caller, as the console's work queue shows them: the queues of their roles inside
    their scope, earliest deadline first (none last), with the list's filters; pass `next_cursor` back as
    `cursor` until it is null."""
    require_token_scope(request.auth, "cases:read")
    page = queues.case_queue_for_user(user=request.auth, filters=_filters(query))
    return {"roles": queues.queue_roles(request.auth), "items": selectors.case_summaries(page.items),
            "next_cursor": page.next_cursor}


def _filters(query: CaseListQuery | CaseQueueQuery, *, order: str = CaseOrder.REPORTED) -> CaseFilters:
    # The query's names are the filter vocabulary's (cases.filters): the API, the console and the map share them.
    return CaseFilters(
        states=query.state or (), catalog_class=query.catalog_class, region=query.region,
        department=query.department, source=query.source, reported_from=query.reported_from,
        reported_to=query.reported_to, overdue=query.overdue, urged=query.urged, text=query.text,
        order=order, cursor=query.cursor, limit=query.limit,
    )


@router.get("/{number}", response={200: CaseDetailOut, 404: ErrorOut}, summary="One case")
def case_detail(request: AuthedRequest, number: str) -> dict[str, Any]:
    """The case with its stage clocks, photos, requests, links and the actions the caller may take now."""
    require_token_scope(request.auth, "cases:read")
    case = selectors.case_get_for_user(user=request.auth, number=number)
    return selectors.case_detail(case, user=request.auth)


@router.get("/{number}/timeline", response={200: list[TimelineEventOut], 404: ErrorOut}, summary="A case's history")
def case_timeline(request: AuthedRequest, number: str) -> list[dict[str, Any]]:
    """Every event of the case, oldest first: who did what, from which state to which, when."""
    require_token_scope(request.auth, "cases:read")
    case = selectors.case_get_for_user(user=request.auth, number=number)
    return selectors.case_timeline_for_user(user=request.auth, case=case)


# --- report -----------------------------------------------------------------------------------------------


@router.post("", response={200: CaseCreatedOut, 201: CaseCreatedOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             summary="Report a case (idempotent with Idempotency-Key)")
def case_create(request: AuthedRequest, payload: CaseIn,
                idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80)) -> Status:
    """Create a case (上报). A retried request with the same `Idempotency-Key` answers 200 with the case the
    first one created (201). `duplicates` lists open cases of the same class nearby.

    Beyond the schema, checked against the data: `class` must exist and be current, `urgency` a known level (422
    naming them); the point must lie in a unit grid (422 `outside_service_area`) and inside your data scope (404);
    `component` must be a census component you can see and `recurrence_of` a closed case (422)."""
    user = request.auth
    require_token_scope(user, "cases:write")
    result = services.case_report(
        actor=user, source=_source_for(user, payload.source), catalog_class=_catalog_class(payload.catalog_class),
        description=payload.description, lon=payload.lon, lat=payload.lat, crs=payload.crs,
        urgency=payload.urgency, address=payload.address,
        component=_component(request, payload.component) if payload.component else None,
        reporter_name=payload.reporter_name, reporter_contact=payload.reporter_contact,
        idempotency_key=idempotency_key or None, self_handled=payload.self_handled, result=payload.result,
        recurrence_of=(_referenced_case(request, payload.recurrence_of, field="recurrence_of")
                       if payload.recurrence_of else None),
    )
    # A new report answers from what the service already holds (no read back); a retry answers with the same
    # body: the case re-read, its duplicates searched again as of the report.
    body = None
    if result.created:
        body = selectors.new_report_detail(case=result.case, clock=result.clock, location=result.location, user=user)
    if body is None:
        body = _detail(request, result.case)
    found = result.duplicates if result.created else None
    body["duplicates"] = selectors.case_summaries(
        selectors.case_duplicates_for_user(user=user, case=result.case, found=found))
    return Status(201 if result.created else 200, body)


def _catalog_class(ref: str) -> Any:
    # A malformed or unknown reference answers 422 naming `class` (not 404: the case is what is missing).
    try:
        return policy_cache.catalog_class(ref, field="class")
    except NotFound as exc:
        raise InvalidInput(exc.message, field="class") from exc


def _source_for(user: AnyUser, requested: str | None) -> str:
    """The intake channel: staff report as inspector/staff/hotline, integrations through their channels."""
    via_token = getattr(user, "via_token", None) is not None
    allowed = TOKEN_SOURCES if via_token else STAFF_SOURCES
    if requested is None:
        if via_token:
            return Source.WEBHOOK
        return Source.INSPECTOR if user.has_role("inspector") else Source.STAFF
    if requested not in Source.values:
        raise InvalidInput(_("Unknown source %(source)r.") % {"source": requested}, field="source")
    if requested not in allowed:
        raise Forbidden(_("You may not report through the channel %(source)s; use one of: %(choices)s.")
                        % {"source": requested, "choices": ", ".join(allowed)})
    return requested


# --- workflow actions -------------------------------------------------------------------------------------


def _case(request: AuthedRequest, number: str) -> Case:
    require_token_scope(request.auth, "cases:write")
    return selectors.case_get_for_user(user=request.auth, number=number)


def _detail(request: AuthedRequest, case: Case) -> dict[str, Any]:
    """The case as the caller sees it after the action (re-read: the service returned its own copy)."""
    try:
        fresh = selectors.case_get_for_user(user=request.auth, number=case.number)
    except NotFound:
        # A return or dispatch may take the case out of the caller's scope: they still learn its new state.
        return _minimal(case)
    return selectors.case_detail(fresh, user=request.auth)


def _minimal(case: Case) -> dict[str, Any]:
    return {**selectors.case_summary(case), **_EMPTY_DETAIL, "updated_at": case.updated_at, "allowed_actions": []}


_EMPTY_DETAIL: dict[str, Any] = {
    "component": None, "reporter": {"name": "", "contact": "", "user": None}, "proposed_department": None,
    "proposal_reason": "", "dispatch_overridden": False, "result": "", "void_reason": None,
    "counters": {}, "clocks": [], "photos": [], "requests": [], "master": None, "merged_duplicates": [],
    "recurrence_of": None, "recurrences": [],
}


ACTION_RESPONSES = {200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/{number}/send-to-verify", response=ACTION_RESPONSES, summary="Send to the grid's inspector to verify")
def case_send_to_verify(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Acceptor (受理员): reported → verifying (核实)."""
    case = services.case_send_to_verify(case=_case(request, number), actor=request.auth, version=payload.version,
                                        note=payload.note)
    return _detail(request, case)


@router.post("/{number}/verify", response=ACTION_RESPONSES, summary="Verify on site")
def case_verify(request: AuthedRequest, number: str, payload: VerifyIn) -> dict[str, Any]:
    """Inspector (监督员): verifying → accepted when confirmed, back to reported when not."""
    case = services.case_verify(case=_case(request, number), actor=request.auth, version=payload.version,
                                confirmed=payload.confirmed, note=payload.note)
    return _detail(request, case)


@router.post("/{number}/accept", response=ACTION_RESPONSES, summary="Accept")
def case_accept(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Acceptor (受理员): reported → accepted."""
    case = services.case_accept(case=_case(request, number), actor=request.auth, version=payload.version,
                                note=payload.note)
    return _detail(request, case)


@router.post("/{number}/register", response=ACTION_RESPONSES, summary="Register (立案)")
def case_register(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Shift leader (值班长): accepted → registered (dispatched at once for classes configured so)."""
    case = services.case_register(case=_case(request, number), actor=request.auth, version=payload.version,
                                  note=payload.note)
    return _detail(request, case)


@router.post("/{number}/dispatch", response=ACTION_RESPONSES, summary="Dispatch (派遣) to a department")
def case_dispatch(request: AuthedRequest, number: str, payload: DispatchIn) -> dict[str, Any]:
    """Dispatcher (派遣员): registered → dispatched, to `department` or, when left out, the proposed one."""
    case = services.case_dispatch(case=_case(request, number), actor=request.auth, version=payload.version,
                                  department=payload.department or None, note=payload.note)
    return _detail(request, case)


@router.post("/{number}/pass-down", response=ACTION_RESPONSES, summary="Pass down to a sub-unit")
def case_pass_down(request: AuthedRequest, number: str, payload: PassDownIn) -> dict[str, Any]:
    """Handler (处置人员): the case stays dispatched, handled by a sub-unit of the department."""
    case = services.case_pass_down(case=_case(request, number), actor=request.auth, version=payload.version,
                                   unit=payload.unit.strip(), note=payload.note)
    return _detail(request, case)


@router.post("/{number}/handle", response=ACTION_RESPONSES, summary="Report the handling result (处置)")
def case_handle(request: AuthedRequest, number: str, payload: HandleIn) -> dict[str, Any]:
    """Handler of the responsible department: dispatched → handled, with the result."""
    case = services.case_handle(case=_case(request, number), actor=request.auth, version=payload.version,
                                result=payload.result, note=payload.note)
    return _detail(request, case)


@router.post("/{number}/send-to-check", response=ACTION_RESPONSES, summary="Send to the inspector to check")
def case_send_to_check(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Acceptor: handled → checking (核查)."""
    case = services.case_send_to_check(case=_case(request, number), actor=request.auth, version=payload.version,
                                       note=payload.note)
    return _detail(request, case)


@router.post("/{number}/check", response=ACTION_RESPONSES, summary="Check the fix on site (核查)")
def case_check(request: AuthedRequest, number: str, payload: CheckIn) -> dict[str, Any]:
    """Inspector: checking → checked when passed, back to dispatched (rework 返工) when not."""
    case = services.case_check(case=_case(request, number), actor=request.auth, version=payload.version,
                               passed=payload.passed, note=payload.note)
    return _detail(request, case)


@router.post("/{number}/close", response=ACTION_RESPONSES, summary="Close (结案)")
def case_close(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Shift leader: checked → closed."""
    case = services.case_close(case=_case(request, number), actor=request.auth, version=payload.version,
                               note=payload.note)
    return _detail(request, case)


@router.post("/{number}/urge", response=ACTION_RESPONSES, summary="Urge (督办)")
def case_urge(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Leader: flag an open case as urged; the state stays."""
    case = services.case_urge(case=_case(request, number), actor=request.auth, version=payload.version,
                              note=payload.note)
    return _detail(request, case)


@router.post("/{number}/merge", response=ACTION_RESPONSES, summary="Merge into the case it duplicates")
def case_merge(request: AuthedRequest, number: str, payload: MergeIn) -> dict[str, Any]:
    """Acceptor: this case is voided as a duplicate of `master` and linked to it."""
    case = _case(request, number)
    master = _referenced_case(request, payload.master, field="master")
    case = services.case_merge(case=case, master=master, actor=request.auth, version=payload.version,
                               note=payload.note)
    return _detail(request, case)


@router.post("/{number}/request", response={201: RequestCreatedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                            422: ErrorOut},
             summary="Ask for an extension, return, suspension or void")
def case_request(request: AuthedRequest, number: str, payload: RequestIn) -> Status:
    """Extension (延期), return (回退), suspension (挂账) or void (作废): a request waiting for approval."""
    case = _case(request, number)
    made = services.case_request_create(case=case, actor=request.auth, version=payload.version, kind=payload.kind,
                                        reason=payload.reason, extra_minutes=payload.extra_minutes,
                                        void_reason=payload.void_reason)
    return Status(201, {"request": selectors.case_request_row(made), "case": _detail(request, made.case)})


@router.post("/requests/{request_id}/decide", response={200: RequestCreatedOut, 403: ErrorOut, 404: ErrorOut,
                                                        409: ErrorOut, 422: ErrorOut},
             summary="Approve or reject a request")
def case_request_decide(request: AuthedRequest, request_id: int, payload: DecideIn) -> dict[str, Any]:
    """Dispatcher (extension, return) or shift leader (suspension, void): approval applies the effect."""
    require_token_scope(request.auth, "cases:write")
    pending = selectors.case_request_get_for_user(user=request.auth, request_id=request_id)
    decided = services.case_request_decide(request=pending, actor=request.auth, approve=payload.approve,
                                           note=payload.note)
    return {"request": selectors.case_request_row(decided), "case": _detail(request, decided.case)}


@router.post("/{number}/resume", response=ACTION_RESPONSES, summary="Resume a suspended case")
def case_resume(request: AuthedRequest, number: str, payload: ActionIn) -> dict[str, Any]:
    """Shift leader: suspended → dispatched."""
    case = services.case_resume(case=_case(request, number), actor=request.auth, version=payload.version,
                                note=payload.note)
    return _detail(request, case)


@router.post("/{number}/photos", response={201: CasePhotoOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                           413: ErrorOut, 415: ErrorOut, 422: ErrorOut},
             summary="Add a photo (JPEG, PNG or WebP)")
def case_photo(request: AuthedRequest, number: str, file: File[UploadedFile], phase: Form[str],
               version: Form[int | None] = None) -> Status:
    """Multipart `file` and `phase` (before / after / check); 413 when too large, 415 when not an image."""
    case = _case(request, number)
    photo = photos.case_photo_add(case=case, actor=request.auth, upload=file, phase=phase, version=version)
    return Status(201, selectors.photo_row(photo))


# --- references in bodies ---------------------------------------------------------------------------------


def _referenced_case(request: AuthedRequest, number: str, *, field: str) -> Case:
    # A case named in the body (master, recurrence_of) that is unknown or out of scope is bad input: 422.
    try:
        return selectors.case_get_for_user(user=request.auth, number=number)
    except NotFound as exc:
        raise InvalidInput(exc.message, field=field) from exc


def _component(request: AuthedRequest, ident: str) -> Any:
    try:
        return component_get_for_user(user=request.auth, ident=ident.strip())
    except NotFound as exc:
        raise InvalidInput(exc.message, field="component") from exc
