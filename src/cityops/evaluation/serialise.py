"""The evaluation as plain data: the counter vocabulary, the scheme, snapshots and results (API, pages, exports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from cityops.core.errors import Forbidden
from cityops.evaluation.counters import COUNTERS
from cityops.evaluation.kinds import SubjectKind
from cityops.evaluation.models import Snapshot
from cityops.evaluation.params import parse_kind
from cityops.evaluation.scheme import scheme_load
from cityops.evaluation.scoring import EvaluationResult
from cityops.evaluation.visibility import viewer_mode, visible_kinds

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser


def counters_as_dicts(kind: str) -> list[dict[str, Any]]:
    """The counter vocabulary of `kind` with each part's predicate in words."""
    return [
        {
            "code": code,
            "label": str(c.label),
            "period": c.period,
            "predicate": [p.text for p in c.parts] or ["unit grids inside the region (not a case count)"],
        }
        for code, c in COUNTERS[kind].items()
    ]


def scheme_as_dict(*, user: AnyUser, kind: str | None = None) -> dict[str, Any]:
    """The current scheme: per kind its indicators and counters, and the grade bands."""
    kinds = [parse_kind(kind)] if kind else visible_kinds(user)
    if kind:
        viewer_mode(user, kind)
    entries, grades = [], []
    for k in kinds:
        indicators, grades = scheme_load(k)
        entries.append(
            {
                "kind": k,
                "label": str(SubjectKind(k).label),
                "indicators": [i.as_dict() for i in indicators],
                "counters": counters_as_dicts(k),
            }
        )
    if not kinds:
        raise Forbidden(_("You may not see this evaluation."))
    return {"kinds": entries, "grades": [g.as_dict() for g in grades]}


def snapshot_as_dict(snapshot: Snapshot, rows: int | None = None) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "kind": snapshot.kind,
        "month": f"{snapshot.month:%Y-%m}",
        "start": snapshot.start,
        "end": snapshot.end,
        "evaluated_at": snapshot.evaluated_at,
        "published_at": snapshot.published_at,
        "published_by": snapshot.published_by_label,
        "rows": rows if rows is not None else getattr(snapshot, "row_count", None) or snapshot.rows.count(),
    }


def result_as_dict(result: EvaluationResult) -> dict[str, Any]:
    """A result as plain data (the API's shape)."""
    snapshot = None
    if result.snapshot is not None:
        snapshot = snapshot_as_dict(Snapshot.objects.get(pk=result.snapshot.id), rows=len(result.rows))
    labels = dict(result.counters)
    counters = [
        dict(c, label=labels.get(c["code"], c["label"]))
        for c in counters_as_dicts(result.kind)
        if c["code"] in labels
    ]
    return {
        "kind": result.kind,
        "start": result.start,
        "end": result.end,
        "generated_at": result.generated_at,
        "region": result.region,
        "published": result.snapshot is not None,
        "snapshot": snapshot,
        "indicators": [i.as_dict() for i in result.indicators],
        "grades": [g.as_dict() for g in result.grades],
        "counters": counters,
        "rows": [
            {
                "rank": r.rank,
                "subject_id": r.subject_id,
                "code": r.code,
                "name": r.name,
                "counters": r.counters,
                "values": r.values,
                "scores": r.scores,
                "composite": r.composite,
                "grade": r.grade,
                "grade_colour": r.grade_colour,
            }
            for r in result.rows
        ],
    }
