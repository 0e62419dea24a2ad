"""Who sees which subjects: inspectors themselves, handlers their department, others their region scope."""

from __future__ import annotations

import datetime as dt

import pytest

from cityops.core.errors import Forbidden, NotFound
from cityops.evaluation.selectors import evaluation_drilldown, evaluation_run
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.evaluation.histories import NOW

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def codes(user, kind, **kwargs):
    result = evaluation_run(user=user, kind=kind, start=START, end=END, now=NOW, **kwargs)
    return [r.code for r in result.rows]


def test_an_inspector_sees_only_their_own_row(cast, city, march):
    f.make_user("inspector2", Role.INSPECTOR, scope_region=city.districts[0])
    assert codes(cast["inspector"], "inspector") == ["inspector"]
    assert "inspector2" in codes(cast["leader"], "inspector")


def test_an_inspector_may_not_see_other_kinds(cast, march):
    with pytest.raises(Forbidden):
        evaluation_run(user=cast["inspector"], kind="department", start=START, end=END)


def test_a_handler_sees_only_their_own_department_and_its_sub_units(cast, march):
    f.make_department("EAST-CG-1", "东区城管局一中队", parent=cast["dept_east"])
    assert sorted(codes(cast["handler"], "department")) == ["EAST-CG", "EAST-CG-1"]
    with pytest.raises(Forbidden):
        evaluation_run(user=cast["handler"], kind="grid", start=START, end=END)


def test_staff_see_subjects_inside_their_region_scope(cast, city, march):
    assert codes(cast["dispatcher"], "department") == ["EAST-CG"]  # 西区城管局 lies outside 东区
    assert sorted(codes(cast["dispatcher"], "grid")) == [g.code for g in city.grids[:4]]
    assert sorted(codes(cast["leader"], "district")) == ["510104", "510105"]
    assert "WEST-CG" in codes(cast["leader"], "department")


def test_a_region_filter_narrows_the_subjects_and_outside_the_scope_is_not_found(cast, city, march):
    assert codes(cast["leader"], "district", region="510104") == ["510104"]
    with pytest.raises(NotFound):
        evaluation_run(user=cast["dispatcher"], kind="grid", start=START, end=END, region="510105")


def test_a_user_without_an_evaluation_role_is_refused(cast, march):
    with pytest.raises(Forbidden):
        evaluation_run(user=cast["nobody"], kind="grid", start=START, end=END)


def test_drilling_into_a_subject_out_of_scope_is_not_found(cast, march):
    west = cast["other_handler"].department
    with pytest.raises(NotFound):
        evaluation_drilldown(user=cast["handler"], kind="department", subject_id=west.pk, counter="registered",
                             start=START, end=END)
    with pytest.raises(NotFound):
        evaluation_drilldown(user=cast["inspector"], kind="inspector", subject_id=cast["admin"].pk,
                             counter="reports", start=START, end=END)
