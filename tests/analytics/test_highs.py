"""The three highs (三高): hour × weekday heat, H3 hotspots, top grids/streets, top classes and their trend."""

from __future__ import annotations

import datetime as dt

import pytest
from h3.api import basic_int as h3

from cityops.analytics.highs import (
    heat_table,
    hotspots,
    hotspots_geojson,
    resolution_parse,
    top_classes,
    top_places,
)
from cityops.analytics.params import Period, scope_for
from cityops.core.errors import InvalidInput
from tests.analytics.conftest import EAST_1, EAST_4, WEST_1

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_heat_buckets_by_the_local_hour_and_weekday_across_midnight_utc(put, staff):
    put((2026, 3, 2, 0, 30))  # Monday 00:30 in Shanghai is Sunday 16:30 UTC
    put((2026, 3, 2, 0, 45))
    put((2026, 3, 8, 23, 59))  # Sunday 23:59 local (15:59 UTC)
    put((2026, 3, 4, 8, 0))  # Wednesday 08:00 local is midnight UTC
    put((2026, 4, 1, 8, 0))  # outside the period
    heat = heat_table(scope=scope_for(staff["admin"]), period=MARCH)
    assert heat.cells[0][0] == 2 and heat.cells[6][23] == 1 and heat.cells[2][8] == 1
    assert heat.cells[6][16] == 0  # not the UTC hour
    assert (heat.total, heat.peak) == (4, 2)
    assert heat.level(2) == 5 and heat.level(0) == 0 and heat.level(1) == 3


def test_hotspots_count_each_stored_cell_and_fold_into_coarser_parents(put, staff):
    for _ in range(2):
        put((2026, 3, 2, 9), point=EAST_1)
    put((2026, 3, 3, 9), point=EAST_4)
    put((2026, 3, 4, 9), point=WEST_1)
    scope = scope_for(staff["admin"])
    cell = {p: h3.latlng_to_cell(p[1], p[0], 10) for p in (EAST_1, EAST_4, WEST_1)}
    fine = hotspots(scope=scope, period=MARCH, resolution=10)
    assert [(s.cell, s.count) for s in fine][0] == (cell[EAST_1], 2)
    assert {s.cell: s.count for s in fine} == {cell[EAST_1]: 2, cell[EAST_4]: 1, cell[WEST_1]: 1}
    for resolution in range(5, 10):  # the database computes the parent cell as h3 does
        coarse = hotspots(scope=scope, period=MARCH, resolution=resolution)
        parents = [h3.cell_to_parent(cell[p], resolution) for p in (EAST_1, EAST_1, EAST_4, WEST_1)]
        assert {s.cell: s.count for s in coarse} == {c: parents.count(c) for c in parents}


def test_hotspots_geojson_is_closed_hexagons_in_lon_lat_with_counts(put, staff):
    put((2026, 3, 2, 9), point=EAST_1)
    spots = hotspots(scope=scope_for(staff["admin"]), period=MARCH, resolution=9)
    data = hotspots_geojson(spots, resolution=9)
    (feature,) = data["features"]
    ring = feature["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]
    lon, lat = ring[0]
    assert 103.9 < lon < 104.1 and 29.9 < lat < 30.1
    assert feature["properties"] | {} == {"cell": h3.int_to_str(h3.latlng_to_cell(EAST_1[1], EAST_1[0], 9)),
                                          "count": 1, "rank": 1, "share": 100.0, "level": 5}


def test_hotspots_only_count_cases_in_the_viewers_scope(put, staff):
    put((2026, 3, 2, 9), point=EAST_1)
    put((2026, 3, 2, 9), point=WEST_1)
    spots = hotspots(scope=scope_for(staff["west_leader"]), period=MARCH, resolution=10)
    assert [s.cell for s in spots] == [h3.latlng_to_cell(WEST_1[1], WEST_1[0], 10)]


@pytest.mark.parametrize(("resolution", "zoom", "expected"), [(None, None, 8), ("6", None, 6), (None, 15, 9),
                                                               (None, 3, 6), (None, 20, 10), (10, 3, 10)])
def test_resolution_comes_from_the_parameter_or_the_zoom(resolution, zoom, expected):
    assert resolution_parse(resolution, zoom) == expected


@pytest.mark.parametrize(("resolution", "zoom", "field"), [("4", None, "resolution"), ("11", None, "resolution"),
                                                           ("x", None, "resolution"), (None, "-1", "zoom")])
def test_bad_resolutions_are_refused(resolution, zoom, field):
    with pytest.raises(InvalidInput) as err:
        resolution_parse(resolution, zoom)
    assert err.value.field == field


def test_top_grids_and_streets_rank_by_reports(put, staff):
    for _ in range(3):
        put((2026, 3, 2, 9), point=EAST_4)
    put((2026, 3, 2, 9), point=EAST_1)
    put((2026, 3, 2, 9), point=WEST_1)
    scope = scope_for(staff["admin"])
    grids = top_places(scope=scope, period=MARCH, level="grid", limit=2)
    assert [(g.rank, g.code, g.count, g.share) for g in grids] == [
        (1, "510104001001004", 3, 60.0), (2, "510104001001001", 1, 20.0)]
    streets = top_places(scope=scope, period=MARCH, level="street")
    assert [(s.code, s.name, s.count) for s in streets] == [("510104001", "东区一街道", 4), ("510105001", "西区一街道", 1)]
    with pytest.raises(InvalidInput):
        top_places(scope=scope, period=MARCH, level="planet")


def test_top_classes_and_their_weekly_trend(put, staff):
    put((2026, 3, 2, 9))  # week of 2 March
    put((2026, 3, 3, 9))
    put((2026, 3, 10, 9))  # week of 9 March
    put((2026, 3, 10, 9), catalog_class="matter:09006")
    put((2026, 3, 11, 9), catalog_class="matter:07001")
    put((2026, 3, 12, 9), catalog_class="matter:07001")
    top = top_classes(scope=scope_for(staff["admin"]), period=MARCH, limit=2)
    assert top.total == 6 and top.buckets[:3] == [dt.date(2026, 2, 23), dt.date(2026, 3, 2), dt.date(2026, 3, 9)]
    assert [(c.code, c.count, c.share) for c in top.classes] == [("matter:06010", 3, 50.0), ("matter:07001", 2, 33.3)]
    assert top.classes[0].series[:3] == [0, 2, 1] and top.classes[1].series[:3] == [0, 0, 2]
    monthly = top_classes(scope=scope_for(staff["admin"]), period=MARCH, limit=1, granularity="month")
    assert monthly.buckets == [dt.date(2026, 3, 1)] and monthly.classes[0].series == [3]
    with pytest.raises(InvalidInput) as err:
        top_classes(scope=scope_for(staff["admin"]), period=MARCH, granularity="day")
    assert err.value.field == "granularity"
