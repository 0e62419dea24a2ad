"""The demo city's geography: layout, codes, polygons, determinism."""

from __future__ import annotations

import pytest
import shapely

from cityops.core.errors import Conflict, InvalidInput
from cityops.demo.city import CITY_CODE, MAX_PER_PARENT, build_city, plan_city
from cityops.geo.geometry import from_wkb
from cityops.geo.models import CODE_LENGTH, Level, Region, RegionSetVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return build_city(grids=100, seed=0)


def _regions(level: str) -> list[Region]:
    return list(Region.objects.filter(level=level).select_related("parent").order_by("code"))


def test_a_100_grid_city_has_five_districts_and_the_planned_counts(built):
    expected = {"city": 1, "district": 5, "street": 10, "community": 20, "grid": 100}
    assert built.counts == expected
    assert {level: Region.objects.filter(level=level).count() for level in expected} == expected
    assert [d.code for d in _regions(Level.DISTRICT)] == ["510104", "510105", "510106", "510107", "510108"]


def test_every_region_has_a_chinese_and_an_english_name(built):
    assert not Region.objects.filter(name="").exists()
    assert not Region.objects.filter(name_en="").exists()
    assert Region.objects.get(code=CITY_CODE).name == "蓉城市"


def test_codes_have_their_levels_length_and_extend_their_parents_code(built):
    for region in Region.objects.exclude(level=Level.CITY).select_related("parent"):
        assert len(region.code) == CODE_LENGTH[region.level]
        assert region.code.isdigit()
        if region.level != Level.DISTRICT:
            assert region.code.startswith(region.parent.code)
            assert len(region.code) == len(region.parent.code) + 3


def test_paths_are_what_region_save_would_compute(built):
    for region in Region.objects.exclude(level=Level.CITY).select_related("parent"):
        assert region.path == f"{region.parent.path}{region.code}/"
    assert Region.objects.get(code=CITY_CODE).path == f"/{CITY_CODE}/"


def test_grid_sequences_run_west_to_east_then_north_to_south(built):
    for community in _regions(Level.COMMUNITY):
        grids = list(community.children.order_by("code"))
        by_position = sorted(grids, key=lambda g: (-g.max_lat, g.min_lon))
        assert [g.code for g in grids] == [g.code for g in by_position]
        assert [g.code[-3:] for g in grids] == [f"{i:03d}" for i in range(1, len(grids) + 1)]


def test_districts_are_vertical_bands_from_west_to_east(built):
    districts = _regions(Level.DISTRICT)
    for west, east in zip(districts, districts[1:], strict=False):
        assert west.max_lon == east.min_lon
    city = Region.objects.get(code=CITY_CODE)
    assert all(d.min_lat == city.min_lat and d.max_lat == city.max_lat for d in districts)


def test_sibling_grids_do_not_overlap(built):
    grids = [from_wkb(g.geom_wkb) for g in _regions(Level.GRID)]
    union = shapely.union_all(grids)
    assert union.area == pytest.approx(sum(g.area for g in grids), rel=1e-9)


def test_every_region_lies_inside_its_parent_and_the_children_tile_it(built):
    for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        for region in _regions(level):
            outline = from_wkb(region.geom_wkb)
            children = [from_wkb(c.geom_wkb) for c in region.children.all()]
            assert all(outline.covers(child) for child in children)
            assert shapely.union_all(children).area == pytest.approx(outline.area, rel=1e-9)


def test_grids_are_about_a_hectare_near_chengdu(built):
    for grid in _regions(Level.GRID):
        assert 9_000 < grid.area_m2 < 10_500
        assert 103.9 < grid.centroid_lon < 104.1
        assert 30.5 < grid.centroid_lat < 30.7


def test_the_same_seed_gives_the_same_codes_and_geometry(built):
    stored = {r.code: (r.name, r.min_lon, r.min_lat, r.max_lon, r.max_lat) for r in Region.objects.all()}
    again = plan_city(grids=100, seed=0)
    planned = {r.code: (r.name, *again.bounds(r.block)) for r in again.regions}
    assert stored == planned


def test_another_seed_gives_another_city():
    first, second = plan_city(grids=2500, seed=0), plan_city(grids=2500, seed=1)
    assert [(r.code, r.block) for r in first.regions] != [(r.code, r.block) for r in second.regions]
    assert [r.name for r in first.regions] != [r.name for r in second.regions]


def test_the_reference_city_is_216_by_216_grids_in_three_digit_codes():
    plan = plan_city(grids=216 * 216)
    assert (plan.cols, plan.rows) == (216, 216)
    assert plan.counts()["grid"] == 46_656
    assert max(r.block.size for r in plan.by_level(Level.COMMUNITY)) <= MAX_PER_PARENT
    assert all(len(r.code) == 15 for r in plan.by_level(Level.GRID))


def test_build_city_bumps_the_region_set_version():
    RegionSetVersion.objects.update_or_create(pk=1, defaults={"version": 7})
    report = build_city(grids=25)
    assert report.region_set_version == 8
    assert RegionSetVersion.objects.get().version == 8


def test_build_city_records_an_audit_event(built):
    from cityops.core.models import AuditEvent

    event = AuditEvent.objects.get(action="demo.city.built")
    assert event.data["counts"]["grid"] == 100


def test_build_city_refuses_a_database_that_already_has_regions(city):
    before = Region.objects.count()
    with pytest.raises(Conflict):
        build_city(grids=25)
    assert Region.objects.count() == before


@pytest.mark.parametrize("grids", [0, 4, -1, 2_000_000])
def test_build_city_refuses_a_size_out_of_range(grids):
    with pytest.raises(InvalidInput) as caught:
        build_city(grids=grids)
    assert caught.value.field == "grids"
    assert not Region.objects.exists()
