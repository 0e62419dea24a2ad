"""The permission layer, persona by persona: role → 403, data scope → 404, token scope → 403."""

from __future__ import annotations

import pytest

from cityops.core.errors import Forbidden, NotFound
from cityops.core.permissions import (
    department_scope_q,
    ensure_path_visible,
    is_platform_admin,
    region_scope_q,
    require_role,
    require_token_scope,
    scope_paths,
)
from cityops.geo.models import Level, Region
from cityops.org.models import Department
from cityops.testing import factories as f


def visible_district_codes(user) -> set[str]:
    return set(Region.objects.filter(region_scope_q(user), level=Level.DISTRICT).values_list("code", flat=True))


@pytest.mark.parametrize(
    ("persona", "districts"),
    [
        ("inspector", {"510104"}),
        ("dispatcher", {"510104"}),
        ("handler", {"510104"}),  # through the region of the department scope
        ("other_handler", {"510105"}),
        ("leader", {"510104", "510105"}),  # the whole city
        ("admin", {"510104", "510105"}),
        ("nobody", set()),
    ],
)
def test_region_scope_q_keeps_each_persona_inside_their_scope(personas, persona, districts):
    assert visible_district_codes(personas[persona]) == districts


def test_region_scope_q_works_on_a_related_path_field(personas, city):
    grid_paths = Region.objects.filter(level=Level.GRID).values_list("path", flat=True)
    east_grids = [p for p in grid_paths if "/510104/" in p]
    user = personas["inspector"]
    from django.db.models import Q

    kept = [p for p in grid_paths if Region.objects.filter(Q(path=p) & region_scope_q(user, "path")).exists()]
    assert kept == east_grids


def test_a_superuser_sees_everything(city):
    root = f.make_user("root", is_superuser=True)
    assert scope_paths(root) is None
    assert is_platform_admin(root)


def test_a_user_without_scope_sees_no_regional_data(personas):
    assert scope_paths(personas["nobody"]) == []


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("inspector", True), ("leader", True), ("admin", True), ("other_handler", False), ("nobody", False)],
)
def test_ensure_path_visible_answers_not_found_outside_the_scope(personas, city, persona, visible):
    east_grid = city.grids[0]
    if visible:
        ensure_path_visible(personas[persona], east_grid.path, what="Grid")
    else:
        with pytest.raises(NotFound, match="Grid not found"):
            ensure_path_visible(personas[persona], east_grid.path, what="Grid")


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("dispatcher", True),
        ("admin", True),  # the admin role passes every role check, as it passes every workflow step
        ("inspector", False),
        ("handler", False),
        ("nobody", False),
    ],
)
def test_require_role_admits_the_role_or_an_administrator_and_refuses_the_rest(personas, persona, allowed):
    if allowed:
        require_role(personas[persona], "dispatcher")
    else:
        with pytest.raises(Forbidden, match="dispatcher"):
            require_role(personas[persona], "dispatcher")


def test_require_role_lets_superusers_through_and_refuses_anonymous(db):
    from django.contrib.auth.models import AnonymousUser

    require_role(f.make_user("root", is_superuser=True), "dispatcher")
    with pytest.raises(Forbidden):
        require_role(AnonymousUser(), "dispatcher")


def test_require_token_scope_limits_tokens_but_not_sessions(personas):
    from cityops.org.services import api_token_create

    user = personas["inspector"]
    require_token_scope(user, "cases:write")  # a session is limited by roles only
    token, _ = api_token_create(user=user, name="app", scopes=["cases:read"], actor=user)
    user.via_token = token
    require_token_scope(user, "cases:read")
    with pytest.raises(Forbidden, match="cases:write"):
        require_token_scope(user, "cases:write")


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("handler", {"EAST-CG"}),
        ("other_handler", {"WEST-CG"}),
        ("inspector", {"EAST-CG"}),  # departments of the region in scope
        ("leader", {"EAST-CG", "WEST-CG"}),
        ("admin", {"EAST-CG", "WEST-CG", "CITY"}),
        ("nobody", set()),
    ],
)
def test_department_scope_q_follows_the_department_and_region_scope(personas, persona, codes):
    Department.objects.create(code="CITY", name="市城管局")  # no region: only admins see it unless in a subtree
    visible = set(Department.objects.filter(department_scope_q(personas[persona])).values_list("code", flat=True))
    assert visible == codes


def test_department_scope_includes_sub_units_of_the_scope_department(personas):
    east = Department.objects.get(code="EAST-CG")
    Department.objects.create(code="EAST-SUB", name="东区环卫所", parent=east)  # no region of its own
    visible = set(Department.objects.filter(department_scope_q(personas["handler"])).values_list("code", flat=True))
    assert visible == {"EAST-CG", "EAST-SUB"}


def test_refusals_are_translated(personas, city):
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(Forbidden, match="此操作需要以下角色之一：dispatcher"):
            require_role(personas["inspector"], "dispatcher")
        with pytest.raises(NotFound, match="未找到区域"):
            ensure_path_visible(personas["other_handler"], city.grids[0].path, what="Region")
