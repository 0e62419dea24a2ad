"""Reads of the comprehensive evaluation (综合评价): results per subject, drill-down to cases, snapshots.

The request parameters are checked in `params`, who sees which subjects is `visibility`, the numbers come from
`counting`, their scores and ranks from `scoring`, and `serialise` gives the results as plain data.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case
from cityops.cases.scope import case_scope_q
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.core.permissions import is_platform_admin
from cityops.evaluation.counters import COUNTERS, SUBJECT_EXPRESSIONS, USER_KINDS
from cityops.evaluation.counting import counter_vectors
from cityops.evaluation.facts import case_facts_refresh
from cityops.evaluation.kinds import SubjectKind
from cityops.evaluation.models import CaseFact, Snapshot
from cityops.evaluation.params import check_period, month_bounds, parse_kind, period_bounds
from cityops.evaluation.scheme import grades_from_dicts, indicators_from_dicts, scheme_load
from cityops.evaluation.scoring import EvaluationResult, ResultRow, SnapshotInfo, score_rows
from cityops.evaluation.visibility import (
    BROAD_ROLES,
    region_filter,
    subject_names,
    subject_querysets,
    viewer_mode,
)
from cityops.geo.models import Level, Region
from cityops.org.models import Department, Role, User

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

# Below this many visible subjects the aggregates are restricted to them (an inspector, a department).
SMALL_SCOPE = 200


def evaluation_run(*, user: AnyUser, kind: str, start: dt.date, end: dt.date, region: str | None = None,
                   now: dt.datetime | None = None) -> EvaluationResult:
    """Evaluate (综合评价) the subjects of `kind` the user may see for [start, end], live from the case facts."""
    kind = parse_kind(kind)
    check_period(start, end)
    area = region_filter(user, region)
    listed, visible = subject_querysets(user, kind, area)
    case_facts_refresh()
    now = now or timezone.now()
    indicators, grades = scheme_load(kind)
    visible_ids = list(visible.values_list("pk", flat=True)[:SMALL_SCOPE + 1])
    restrict = visible_ids if len(visible_ids) <= SMALL_SCOPE else None
    _codes, counts = counter_vectors(kind, start, end, now=now, subject_ids=restrict)
    subjects = subject_names(kind, listed)
    extra = set(counts) - set(subjects)
    if extra:
        subjects.update(subject_names(kind, visible.filter(pk__in=extra)))
    rows = score_rows(kind, subjects, counts, indicators, grades)
    return EvaluationResult(kind, start, end, indicators, rows, now, grades, _counter_labels(kind), None, region)


def evaluation_compute_all(*, kind: str, start: dt.date, end: dt.date, now: dt.datetime) -> EvaluationResult:
    """Every subject of `kind` (no viewer scope): what a published snapshot freezes."""
    case_facts_refresh()
    indicators, grades = scheme_load(kind)
    _codes, counts = counter_vectors(kind, start, end, now=now)
    if kind in USER_KINDS:
        listed = User.objects.filter(Q(role_assignments__role=kind, is_active=True) | Q(pk__in=list(counts)))
    elif kind == SubjectKind.DEPARTMENT:
        listed = Department.objects.filter(Q(is_active=True) | Q(pk__in=list(counts)))
    else:
        listed = Region.objects.filter(level=Level(kind))
    rows = score_rows(kind, subject_names(kind, listed.distinct()), counts, indicators, grades)
    return EvaluationResult(kind, start, end, indicators, rows, now, grades, _counter_labels(kind))


def _counter_labels(kind: str) -> list[tuple[str, str]]:
    return [(code, str(c.label)) for code, c in COUNTERS[kind].items()]


def evaluation_drilldown(*, user: AnyUser, kind: str, subject_id: int, counter: str, start: dt.date, end: dt.date,
                         now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases behind one count of one subject (drill down from a score to its cases), newest first."""
    kind = parse_kind(kind)
    check_period(start, end)
    definition = COUNTERS[kind].get(counter)
    if definition is None or not definition.parts:
        raise InvalidInput(_("Unknown case counter %(counter)r for %(kind)s; use one of: %(choices)s.") % {
            "counter": counter, "kind": kind,
            "choices": ", ".join(c for c, d in COUNTERS[kind].items() if d.parts)}, field="counter")
    _listed, visible = subject_querysets(user, kind)
    if not visible.filter(pk=subject_id).exists():
        raise NotFound(_("Subject not found."))
    case_facts_refresh()
    now = now or timezone.now()
    begin, stop = period_bounds(start, end)
    q = Q(pk__in=[])
    for part in definition.parts:
        facts = CaseFact.objects.filter(**{f"{definition.period}__gte": begin, f"{definition.period}__lt": stop})
        facts = facts.annotate(subject=SUBJECT_EXPRESSIONS[part.subject]).filter(part.where(now), subject=subject_id)
        q |= Q(pk__in=facts.values("case_id"))
    return (Case.objects.filter(q).filter(case_scope_q(user))
            .select_related("catalog_class", "urgency", "department", "handling_unit")
            .order_by("-reported_at", "-id"))


def evaluation_results(*, user: AnyUser, kind: str, start: dt.date, end: dt.date,
                       region: str | None = None) -> EvaluationResult:
    """The published snapshot when [start, end] is exactly a published month, otherwise a live evaluation."""
    kind = parse_kind(kind)
    check_period(start, end)
    if start.day == 1 and month_bounds(start) == (start, end):
        snapshot = Snapshot.objects.filter(kind=kind, month=start).first()
        if snapshot is not None:
            return snapshot_result(user=user, snapshot=snapshot, region=region)
    return evaluation_run(user=user, kind=kind, start=start, end=end, region=region)


def snapshot_result(*, user: AnyUser, snapshot: Snapshot, region: str | None = None) -> EvaluationResult:
    """A published snapshot as a result, with only the rows of subjects the user may see (published ranks kept)."""
    area = region_filter(user, region)
    _listed, visible = subject_querysets(user, snapshot.kind, area)
    scheme = snapshot.scheme
    rows = snapshot.rows.all()
    if not (is_platform_admin(user) and area is None):
        rows = rows.filter(subject_id__in=visible.values("pk"))
    result_rows = [
        ResultRow(r.subject_id, r.subject_code, r.subject_name, r.counters,
                  {k: v["value"] for k, v in r.scores.items()}, {k: v["score"] for k, v in r.scores.items()},
                  float(r.composite) if r.composite is not None else None, r.grade,
                  _colour(scheme, r.grade), r.rank)
        for r in rows.order_by("rank", "subject_code")
    ]
    result_rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    info = SnapshotInfo(snapshot.pk, snapshot.month, snapshot.published_at, snapshot.published_by_label,
                        snapshot.evaluated_at)
    return EvaluationResult(snapshot.kind, snapshot.start, snapshot.end,
                            indicators_from_dicts(scheme.get("indicators", [])), result_rows, snapshot.evaluated_at,
                            grades_from_dicts(scheme.get("grades", [])),
                            [tuple(c) for c in scheme.get("counters", [])], info, region)


def _colour(scheme: dict[str, Any], grade: str) -> str:
    return next((g["colour_hex"] for g in scheme.get("grades", []) if g["grade"] == grade), "")


def snapshot_list(*, user: AnyUser, kind: str | None = None) -> QuerySet[Snapshot]:
    """Published snapshots (any authenticated staff with an evaluation role may list them), newest first."""
    if kind:
        kind = parse_kind(kind)
        viewer_mode(user, kind)
    elif not (is_platform_admin(user) or user.has_role(*BROAD_ROLES, Role.HANDLER, Role.INSPECTOR)):
        raise Forbidden(_("You may not see this evaluation."))
    snapshots = Snapshot.objects.annotate(row_count=Count("rows")).order_by("-month", "kind")
    return snapshots.filter(kind=kind) if kind else snapshots


def snapshot_get(*, user: AnyUser, snapshot_id: int) -> Snapshot:
    """One published snapshot, or 404; 403 when the user may not see its kind."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        raise NotFound(_("Snapshot not found."))
    viewer_mode(user, snapshot.kind)
    return snapshot
