"""HTTP API of the comprehensive evaluation (综合评价): scheme, results, drill-down, snapshots.

Reads need the token scope `cases:read` (the evaluation is read from the case record); publishing needs
`cases:write` and the role shift leader, leader or admin. A bad kind or period answers 422 naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Query, Router, Status

from cityops.cases.selectors import case_summaries
from cityops.core.permissions import require_token_scope
from cityops.evaluation import selectors, services
from cityops.evaluation.params import parse_kind, resolve_period
from cityops.evaluation.schemas import (
    DrilldownOut,
    DrilldownQuery,
    ErrorOut,
    PublishIn,
    ResultOut,
    ResultsQuery,
    SchemeOut,
    SnapshotOut,
)
from cityops.evaluation.serialise import result_as_dict, scheme_as_dict, snapshot_as_dict

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/scheme", response={200: SchemeOut, **ERRORS}, summary="The evaluation scheme")
def scheme(request: AuthedRequest, kind: str | None = None) -> dict[str, Any]:
    """Indicators (formula as counters, weight, scoring, bins, source) and counters per subject kind; grade bands."""
    require_token_scope(request.auth, "cases:read")
    return scheme_as_dict(user=request.auth, kind=kind)


@router.get("/results", response={200: ResultOut, **ERRORS}, summary="Evaluation results of one subject kind")
def results(request: AuthedRequest, query: Query[ResultsQuery]) -> dict[str, Any]:
    """Ranked rows (counters, indicator values and scores, composite, grade) of the subjects in the caller's
    scope, for `month` or `start`–`end` (default last month). A published month comes from its snapshot."""
    require_token_scope(request.auth, "cases:read")
    kind = parse_kind(query.kind)
    start, end = resolve_period(start=query.start, end=query.end, month=query.month)
    result = selectors.evaluation_results(user=request.auth, kind=kind, start=start, end=end, region=query.region)
    return result_as_dict(result)


@router.get("/drilldown", response={200: DrilldownOut, **ERRORS}, summary="The cases behind one count")
def drilldown(request: AuthedRequest, query: Query[DrilldownQuery]) -> dict[str, Any]:
    """The cases one counter of one subject counted (always computed live), newest first."""
    require_token_scope(request.auth, "cases:read")
    kind = parse_kind(query.kind)
    start, end = resolve_period(start=query.start, end=query.end, month=query.month)
    cases = selectors.evaluation_drilldown(user=request.auth, kind=kind, subject_id=query.subject,
                                           counter=query.counter, start=start, end=end)
    page = list(cases[query.offset:query.offset + query.limit])
    return {"kind": kind, "subject": query.subject, "counter": query.counter, "start": start, "end": end,
            "total": cases.count(), "items": case_summaries(page)}


@router.get("/snapshots", response={200: list[SnapshotOut], **ERRORS}, summary="Published monthly snapshots")
def snapshots(request: AuthedRequest, kind: str | None = None) -> list[dict[str, Any]]:
    require_token_scope(request.auth, "cases:read")
    return [snapshot_as_dict(s) for s in selectors.snapshot_list(user=request.auth, kind=kind)]


@router.post("/snapshots", response={201: SnapshotOut, 409: ErrorOut, **ERRORS}, summary="Publish a month")
def publish(request: AuthedRequest, payload: PublishIn) -> Status:
    """Freeze a finished month of one kind (shift leader, leader, admin); a second publish answers 409."""
    require_token_scope(request.auth, "cases:write")
    snapshot = services.evaluation_snapshot_publish(kind=payload.kind, month=payload.month, actor=request.auth)
    return Status(201, snapshot_as_dict(snapshot))

