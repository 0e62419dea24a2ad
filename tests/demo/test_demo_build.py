"""The whole demo: departments, users for every role, responsibility rules, components."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from cityops.assets.codes import validate_component_ident
from cityops.assets.models import Component
from cityops.catalog.models import CatalogClass, ClassKind, ResponsibilityRule
from cityops.core.models import AuditEvent
from cityops.demo import build as demo_build
from cityops.demo.build import build_demo
from cityops.demo.people import DEMO_PASSWORD, demo_logins, role_counts
from cityops.geo.locate import locate
from cityops.geo.models import Level, Region
from cityops.org.models import Department, DepartmentKind, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return build_demo(grids=100, seed=0)


def test_every_role_has_at_least_one_user(demo):
    counts = role_counts()
    assert set(counts) == {str(role) for role in Role}
    assert counts[Role.INSPECTOR] == demo.people.inspectors > 0


def test_every_user_but_the_admin_has_a_data_scope(demo):
    unscoped = User.objects.filter(scope_region__isnull=True, scope_department__isnull=True)
    assert list(unscoped.values_list("username", flat=True)) == ["admin"]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_the_printed_demo_password_logs_users_in(demo):
    for username in ["admin", "dispatcher", "inspector001"]:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username


def test_the_login_table_names_every_role(demo):
    rows = demo_logins()
    assert {row.password for row in rows} == {DEMO_PASSWORD}
    labels = " ".join(row.role for row in rows)
    assert all(str(role.label) in labels for role in Role)
    assert rows[0].username == "admin"


def test_every_grid_has_an_inspector_whose_scope_contains_it(demo):
    grids = Region.objects.filter(level=Level.GRID).prefetch_related("inspectors__scope_region")
    for grid in grids:
        inspectors = list(grid.inspectors.all())
        assert len(inspectors) == 1
        assert grid.path.startswith(inspectors[0].scope_region.path)
        assert inspectors[0].has_role(Role.INSPECTOR)


def test_departments_nest_city_district_and_street_units(demo):
    kinds = {kind: Department.objects.filter(kind=kind).count() for kind in DepartmentKind}
    assert kinds[DepartmentKind.DISTRICT_BUREAU] == 5
    assert kinds[DepartmentKind.STREET_OFFICE] == demo.city.counts["street"]
    assert kinds[DepartmentKind.ENTERPRISE] == 1
    street_office = Department.objects.filter(kind=DepartmentKind.STREET_OFFICE).select_related("region").first()
    assert street_office.path.startswith(street_office.parent.path)
    assert street_office.parent.region.code == street_office.region.code[:6]
    assert all(User.objects.filter(department=d, role_assignments__role=Role.HANDLER).exists()
               for d in Department.objects.exclude(kind=DepartmentKind.CENTRE))


def _rule(code: str, region_code: str) -> ResponsibilityRule:
    return ResponsibilityRule.objects.select_related("department").get(
        catalog_class__kind=ClassKind.MATTER, catalog_class__code=code, region__code=region_code
    )


def test_rules_send_facilities_to_their_owner_and_events_to_the_district(demo):
    assert _rule("01001", "510100").department.code == "ZLS"  # water-supply manhole cover
    assert _rule("01002", "510100").department.code == "SZJ"
    assert _rule("03001", "510100").department.code == "HWJ"
    event = CatalogClass.objects.filter(kind=ClassKind.MATTER, major_code="06").order_by("code").first()
    for district in ["510104", "510108"]:
        assert _rule(event.code, district).department.code == f"CGJ-{district}"
    fallback = ResponsibilityRule.objects.get(catalog_class__isnull=True)
    assert (fallback.region.code, fallback.department.code) == ("510100", "CGJ")


def test_components_carry_valid_identifiers_and_lie_in_their_grid(demo):
    assert demo.components == Component.objects.count() == 200
    for c in Component.objects.select_related("grid", "catalog_class")[:200]:
        admin_code, class_code, _sequence = validate_component_ident(c.ident)
        assert (admin_code, class_code) == (c.grid.code[:6], c.catalog_class.code)
        assert c.catalog_class.kind == ClassKind.COMPONENT
        assert c.grid.min_lon < c.lon < c.grid.max_lon and c.grid.min_lat < c.lat < c.grid.max_lat
        assert c.region_path == c.grid.path
        assert c.owner_department is not None


def test_locate_finds_each_components_grid(demo):
    for c in Component.objects.select_related("grid")[:50]:
        assert locate(c.lon, c.lat).grid.code == c.grid.code


def test_the_demo_is_built_all_or_nothing(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_build, "create_components", broken)
    with pytest.raises(RuntimeError):
        build_demo(grids=25)
    assert not Region.objects.exists()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_each_part_of_the_demo_is_audited(demo):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"demo.city.built", "demo.departments.created", "demo.users.created",
            "demo.responsibility_rules.created", "demo.components.created"} <= actions


def test_the_rules_resolve_a_grid_to_the_expected_department(demo):
    from cityops.catalog.selectors import responsible_department

    grid = Region.objects.filter(level=Level.GRID, code__startswith="510105").first()
    water = CatalogClass.objects.get(kind=ClassKind.MATTER, code="01001")
    event = CatalogClass.objects.filter(kind=ClassKind.MATTER, major_code="09").first()
    assert responsible_department(catalog_class=water, region=grid).department.code == "ZLS"
    assert responsible_department(catalog_class=event, region=grid).department.code == "CGJ-510105"
