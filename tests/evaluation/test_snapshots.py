"""Published monthly snapshots: frozen rows and scheme, once per kind and month, audited; the monthly job."""

from __future__ import annotations

import datetime as dt

import pytest

from cityops.core.audit import AuditEvent
from cityops.core.errors import Conflict, Forbidden, InvalidInput
from cityops.evaluation.jobs import monthly_snapshots_tick
from cityops.evaluation.models import Indicator, Snapshot, SubjectKind
from cityops.evaluation.selectors import evaluation_results
from cityops.evaluation.services import evaluation_snapshot_publish
from tests.cases.workflow_cast import drive, report
from tests.evaluation.histories import T

MARCH = dt.date(2026, 3, 1)
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def east_row(user, kind="department", code="EAST-CG"):
    result = evaluation_results(user=user, kind=kind, start=START, end=END)
    return result, next(r for r in result.rows if r.code == code)


def test_a_published_month_never_changes_when_the_scheme_or_the_cases_do(cast, march):
    snapshot = evaluation_snapshot_publish(kind="department", month=MARCH, actor=cast["shift_leader"])
    result, before = east_row(cast["leader"])
    assert result.snapshot is not None and result.snapshot.id == snapshot.pk
    assert (before.counters["registered"], before.composite, before.grade) == (8, 82.86, "B")

    Indicator.objects.filter(kind="department", code="registered_count").update(weight=90)
    drive(report(cast, at=T), cast, "closed", at=T)  # one more March case, closed

    result, after = east_row(cast["leader"])
    assert (after.counters["registered"], after.composite, after.grade, after.rank) == (8, 82.86, "B", before.rank)
    assert next(i.weight for i in result.indicators if i.code == "registered_count") == 10
    live, _row = east_row(cast["leader"], kind="grid", code="510104001001001")  # grids are not published: live
    assert live.snapshot is None and _row.counters["registered"] == 9


def test_a_month_is_published_once_per_kind(cast, march):
    evaluation_snapshot_publish(kind="grid", month=MARCH, actor=cast["leader"])
    with pytest.raises(Conflict):
        evaluation_snapshot_publish(kind="grid", month="2026-03", actor=cast["admin"])
    evaluation_snapshot_publish(kind="street", month=MARCH, actor=cast["leader"])
    assert Snapshot.objects.count() == 2


def test_publishing_is_audited(cast, march):
    snapshot = evaluation_snapshot_publish(kind="dispatcher", month=MARCH, actor=cast["shift_leader"])
    event = AuditEvent.objects.get(action="evaluation.snapshot.published")
    assert (event.actor_user, event.object_id, event.data["month"]) == (cast["shift_leader"], str(snapshot.pk),
                                                                         "2026-03")


def test_only_shift_leaders_leaders_and_admins_publish(cast, march):
    with pytest.raises(Forbidden):
        evaluation_snapshot_publish(kind="grid", month=MARCH, actor=cast["dispatcher"])


def test_a_month_that_has_not_ended_cannot_be_published(cast):
    with pytest.raises(InvalidInput) as refused:
        evaluation_snapshot_publish(kind="grid", month=dt.date.today(), actor=cast["admin"])
    assert refused.value.field == "month"


def test_a_snapshot_shows_each_viewer_only_their_subjects(cast, march):
    evaluation_snapshot_publish(kind="department", month=MARCH, actor=cast["admin"])
    result = evaluation_results(user=cast["handler"], kind="department", start=START, end=END)
    assert [r.code for r in result.rows] == ["EAST-CG"] and result.snapshot is not None
    assert result.rows[0].rank == 1  # the published, city-wide rank


def test_an_unranked_subject_is_published_without_rank_composite_or_grade(cast, march):
    snapshot = evaluation_snapshot_publish(kind="department", month=MARCH, actor=cast["admin"])
    west = snapshot.rows.get(subject_code="WEST-CG")
    assert (west.rank, west.composite, west.grade) == (None, None, "")
    result, row = east_row(cast["admin"], code="WEST-CG")
    assert (row.rank, row.composite, row.grade) == (None, None, "") and result.rows[-1].rank is None
    assert [r.code for r in result.rows if r.rank is not None] == ["EAST-CG"]


def test_the_monthly_job_publishes_last_month_for_every_kind_once(cast, march):
    assert monthly_snapshots_tick(today=dt.date(2026, 4, 9)) == "not the start of a month"
    summary = monthly_snapshots_tick(today=dt.date(2026, 4, 1))
    assert summary.startswith("2026-03: published inspector")
    assert set(Snapshot.objects.values_list("kind", flat=True)) == set(SubjectKind.values)
    assert monthly_snapshots_tick(today=dt.date(2026, 4, 2)) == "2026-03: published nothing"
