"""The exportable evaluation tables (`evaluation.<kind>`): headers, rows, parameters, scope."""

from __future__ import annotations

import pytest

from cityops.core.errors import Forbidden, InvalidInput
from cityops.core.tables import report_kind
from cityops.evaluation.models import SubjectKind


def build(user, kind="department", **params):
    return report_kind(f"evaluation.{kind}").builder(user=user, params=params)


def test_every_subject_kind_is_exportable():
    assert all(report_kind(f"evaluation.{kind}") is not None for kind in SubjectKind.values)


def test_the_table_has_counters_values_scores_composite_and_grade(cast, march):
    table = build(cast["leader"], start="2026-03-01", end="2026-03-31")
    assert table.columns[:3] == ["Rank", "Code", "Name"] and table.columns[-2:] == ["Composite score", "Grade"]
    assert "Due to close (应结案数)" in table.columns and "Closing rate · score" in table.columns
    east = next(row for row in table.rows if row[1] == "EAST-CG")
    assert east[-2:] == [82.86, "B"] and east[table.columns.index("Due to close (应结案数)")] == 7
    assert len(table.kinds) == len(table.columns) and any("Computed live" in n for n in table.notes)
    west = next(row for row in table.rows if row[1] == "WEST-CG")  # no case in March: unranked, listed last
    assert (west[0], west[-2], west[-1]) == (None, None, "") and table.rows[-1][0] is None


def test_an_inspector_exports_only_their_own_row(cast, march):
    table = build(cast["inspector"], kind="inspector", month="2026-03")
    assert [row[1] for row in table.rows] == ["inspector"]


@pytest.mark.parametrize("params, field", [({"month": "2026-3x"}, "month"), ({"start": "2026-03-01"}, "end"),
                                           ({"start": "2026-04-01", "end": "2026-03-01"}, "start")])
def test_bad_parameters_are_refused_naming_the_field(cast, params, field):
    with pytest.raises(InvalidInput) as refused:
        build(cast["leader"], **params)
    assert refused.value.field == field


def test_a_user_without_an_evaluation_role_cannot_export(cast):
    with pytest.raises(Forbidden):
        build(cast["nobody"], month="2026-03")
