"""Case visibility: region subtree, department subtree, admins, users without scope."""

from __future__ import annotations

import pytest
from django.db.models import Q

from cityops.cases.scope import case_scope_q, ensure_case_visible
from cityops.core.errors import NotFound


def test_a_user_without_scope_sees_no_case(personas):
    assert case_scope_q(personas["nobody"]) == Q(pk__in=[])


def test_an_admin_sees_every_case(personas):
    assert case_scope_q(personas["admin"]) == Q()


def test_a_region_scope_filters_by_path_prefix(personas, city):
    q = case_scope_q(personas["dispatcher"])
    assert ("region_path__startswith", city.districts[0].path) in q.children


def test_ensure_case_visible_refuses_with_not_found(personas, db):
    class Unsaved:
        pk = -1

    with pytest.raises(NotFound):
        ensure_case_visible(personas["dispatcher"], Unsaved())



def test_a_department_scope_sees_its_subtree_by_department_or_handling_unit_and_nothing_else(personas, city):
    from cityops.cases.models import Case
    from cityops.testing.factories import make_case, make_department

    handler = personas["handler"]  # scoped to EAST-CG
    east, west = handler.scope_department, personas["other_handler"].scope_department
    unit = make_department("EAST-CG-1", "东区一所", parent=east)
    grand_unit = make_department("EAST-CG-1-A", "东区一所一组", parent=unit)
    lookalike = make_department("EAST-CG2", "东区二局")  # path /EAST-CG2/ only starts like /EAST-CG
    west_point = {"lon": 104.0225, "lat": 30.0175}  # 西区: seen, if at all, through the department alone
    cases = {
        "own": make_case(city, department=east, **west_point),
        "unit": make_case(city, department=unit, **west_point),
        "grand_unit": make_case(city, department=grand_unit, **west_point),
        "passed_down": make_case(city, department=west, handling_unit=unit, **west_point),
        "west": make_case(city, department=west, **west_point),
        "lookalike": make_case(city, department=lookalike, **west_point),
        "nobodys": make_case(city, **west_point),
    }

    def visible(user) -> set[str]:
        pks = set(Case.objects.filter(case_scope_q(user)).values_list("pk", flat=True))
        return {name for name, case in cases.items() if case.pk in pks}

    assert visible(handler) == {"own", "unit", "grand_unit", "passed_down"}
    handler.scope_department = unit  # a sub-unit sees its own subtree, not its parent's cases
    assert visible(handler) == {"unit", "grand_unit", "passed_down"}
