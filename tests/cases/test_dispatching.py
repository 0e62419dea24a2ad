"""Automatic dispatch proposals: component owner first, then the most specific responsibility rule."""

from __future__ import annotations

import datetime

import pytest

from cityops.assets.models import Component
from cityops.cases.dispatching import Proposal, auto_dispatch_enabled, propose_department
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.testing.factories import make_case, make_department


@pytest.fixture
def depts(city):
    east = city.districts[0]
    return {
        "city": make_department("CITY-CG", "市城管局", region=city.city),
        "east": make_department("EAST-CG", "东区城管局", region=east),
        "east_env": make_department("EAST-HW", "东区环卫所", region=east),
        "water": make_department("WATER", "市水务集团", region=city.city),
    }


def rule(catalog_class, region, department) -> ResponsibilityRule:
    return ResponsibilityRule.objects.create(catalog_class=catalog_class, region=region, department=department)


def manhole(city, owner) -> Component:
    grid = city.grids[0]
    return Component.objects.create(
        ident="51010401001000001", catalog_class=catalog_class_from_ref("component:01001"), lon=grid.centroid_lon,
        lat=grid.centroid_lat, grid=grid, region_path=grid.path, owner_department=owner,
        survey_date=datetime.date(2026, 1, 1),
    )


def test_no_rule_and_no_component_gives_no_proposal(city):
    assert propose_department(case=make_case(city)) is None


def test_an_any_class_rule_on_the_city_applies_to_every_grid(city, depts):
    city_rule = rule(None, city.city, depts["city"])
    proposal = propose_department(case=make_case(city))
    assert proposal == Proposal(department=depts["city"], reason=proposal.reason, rule=city_rule)
    assert "any class" in proposal.reason and depts["city"].name in proposal.reason


def test_a_class_rule_beats_an_any_class_rule_on_the_same_region(city, depts):
    rule(None, city.city, depts["city"])
    rule(catalog_class_from_ref("matter:06010"), city.city, depts["east_env"])
    proposal = propose_department(case=make_case(city, catalog_class="matter:06010"))
    assert proposal.department == depts["east_env"]
    assert "06010" in proposal.reason


def test_the_deepest_region_wins_over_a_class_rule_higher_up(city, depts):
    rule(catalog_class_from_ref("matter:06010"), city.city, depts["city"])
    rule(None, city.districts[0], depts["east"])
    assert propose_department(case=make_case(city, catalog_class="matter:06010")).department == depts["east"]


def test_a_rule_of_another_region_does_not_apply(city, depts):
    rule(None, city.districts[1], depts["east"])
    assert propose_department(case=make_case(city)) is None


def test_the_component_owner_beats_every_rule(city, depts):
    rule(catalog_class_from_ref("matter:01001"), city.grids[0], depts["east"])
    cover = manhole(city, depts["water"])
    proposal = propose_department(case=make_case(city, catalog_class="matter:01001", component=cover))
    assert proposal.department == depts["water"]
    assert proposal.rule is None
    assert cover.ident in proposal.reason and "部件权属单位" in proposal.reason


def test_a_component_without_an_active_owner_falls_back_to_the_rules(city, depts):
    rule(None, city.city, depts["city"])
    depts["water"].is_active = False
    depts["water"].save()
    for owner in (None, depts["water"]):
        case = make_case(city, catalog_class="matter:01001", component=manhole(city, owner))
        assert propose_department(case=case).department == depts["city"]
        case.component.delete()


def test_auto_dispatch_follows_the_class_flag(db):
    garbage = catalog_class_from_ref("matter:06010")
    assert auto_dispatch_enabled(garbage) is False
    garbage.auto_dispatch = True
    garbage.save()
    assert auto_dispatch_enabled(garbage) is True
    assert auto_dispatch_enabled(None) is False
