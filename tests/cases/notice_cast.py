"""The notices' cast: the workflow cast plus people who must (or must not) hear about a case, and helpers.

Used by the tests of who hears of a case event (`cases.notices`, `cases.recipients`) and by notify's own tests;
a test module takes the fixtures with `from tests.cases.notice_cast import *`.
"""

from __future__ import annotations

import pytest

from cityops.notify.models import Notification
from cityops.org.models import Department, Role
from cityops.testing import factories as f
from tests.cases.workflow_cast import cast, fast_hashing, garbage  # noqa: F401  (fixtures)


@pytest.fixture
def people(cast, city):  # noqa: F811  (`cast` is the fixture imported above)
    """The cast (东区 staff, see tests.cases.workflow_cast) and, around it:

    grid_inspector — responsible for 东区网格1, where the cast's reports lie; city_shift_leader — scope: the city;
    dept_dispatcher — scoped on 东区城管局; sub_handler — of a 东区城管局 sub-unit; and 西区 staff of every role,
    who never hear about 东区 cases.
    """
    east, west = city.districts
    dept_east = cast["dept_east"]
    sub_unit = f.make_department("EAST-CG-1", "东区城管局一中队", parent=dept_east, region=east)
    grid_inspector = f.make_user("grid_inspector", Role.INSPECTOR)
    city.grids[0].inspectors.add(grid_inspector)
    return {
        **cast,
        "grid_inspector": grid_inspector,
        "city_shift_leader": f.make_user("city_shift_leader", Role.SHIFT_LEADER, scope_region=city.city),
        "dept_dispatcher": f.make_user("dept_dispatcher", Role.DISPATCHER, scope_department=dept_east),
        "sub_handler": f.make_user("sub_handler", Role.HANDLER, department=sub_unit, scope_department=sub_unit),
        "sub_unit": sub_unit,
        "street_inspector": f.make_user("street_inspector", Role.INSPECTOR, scope_region=city.streets[0]),
        "west_acceptor": f.make_user("west_acceptor", Role.ACCEPTOR, scope_region=west),
        "west_dispatcher": f.make_user("west_dispatcher", Role.DISPATCHER, scope_region=west),
        "west_shift_leader": f.make_user("west_shift_leader", Role.SHIFT_LEADER, scope_region=west),
        "west_inspector": f.make_user("west_inspector", Role.INSPECTOR, scope_region=west),
        "west_dept": Department.objects.get(code="WEST-CG"),
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block registered with on_commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def told(kind: str | None = None, case=None) -> list[str]:
    """Usernames notified (of `kind`, about `case`), sorted."""
    rows = Notification.objects.all()
    if kind is not None:
        rows = rows.filter(kind=kind)
    if case is not None:
        rows = rows.filter(case=case)
    return sorted(rows.values_list("recipient__username", flat=True))
