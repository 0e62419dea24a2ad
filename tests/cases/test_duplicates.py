"""Duplicate detection: open cases of the same class, near the report and recent, nearest first."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.duplicates import H3_RESOLUTION, cells_within, find_duplicates, h3_cell_of
from cityops.cases.models import CaseState
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.geo.geometry import distance_m
from cityops.testing.factories import make_case

LON, LAT = 104.005, 30.015  # inside 东区网格1


def east(lon: float, lat: float, metres: float) -> tuple[float, float]:
    """The point `metres` east of (lon, lat)."""
    return lon + metres / (111_320 * math.cos(math.radians(lat))), lat


@pytest.fixture
def garbage(db):
    return catalog_class_from_ref("matter:06010")


def test_h3_cell_is_a_positive_signed_64_bit_integer_at_the_configured_resolution():
    from h3.api import basic_int as h3

    cell = h3_cell_of(LON, LAT)
    assert 0 < cell < 2**63
    assert h3.get_resolution(cell) == H3_RESOLUTION


def test_finds_an_open_case_of_the_same_class_nearby_and_recent(city, garbage):
    near = make_case(city, catalog_class=garbage, lon=east(LON, LAT, 20)[0], lat=LAT)
    found = find_duplicates(catalog_class=garbage, lon=LON, lat=LAT)
    assert found == [near]
    assert found[0].distance_m == pytest.approx(20, abs=0.5)


def test_sorts_duplicates_nearest_first(city, garbage):
    far = make_case(city, catalog_class=garbage, lon=east(LON, LAT, 40)[0], lat=LAT)
    near = make_case(city, catalog_class=garbage, lon=east(LON, LAT, 5)[0], lat=LAT)
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT) == [near, far]


def test_ignores_a_case_farther_than_the_radius(city, garbage):
    make_case(city, catalog_class=garbage, lon=east(LON, LAT, 60)[0], lat=LAT)
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT) == []


def test_ignores_a_case_reported_before_the_window(city, garbage):
    now = timezone.now()
    make_case(city, catalog_class=garbage, lon=LON, lat=LAT, reported_at=now - timedelta(hours=25))
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT, at=now) == []


def test_the_window_ends_at_the_given_time(city, garbage):
    now = timezone.now()
    old = make_case(city, catalog_class=garbage, lon=LON, lat=LAT, reported_at=now - timedelta(days=10))
    make_case(city, catalog_class=garbage, lon=LON, lat=LAT, reported_at=now)  # after `at`: not a predecessor
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT, at=now - timedelta(days=10, hours=-1)) == [old]


def test_ignores_a_case_of_another_class(city, garbage):
    make_case(city, catalog_class="matter:08002", lon=LON, lat=LAT)
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT) == []


@pytest.mark.parametrize("state", [CaseState.CLOSED, CaseState.VOIDED])
def test_ignores_closed_and_voided_cases(city, garbage, state):
    make_case(city, catalog_class=garbage, lon=LON, lat=LAT, state=state)
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT) == []


@pytest.mark.parametrize("state", [CaseState.DISPATCHED, CaseState.SUSPENDED, CaseState.CHECKED])
def test_counts_every_open_state_including_suspended(city, garbage, state):
    case = make_case(city, catalog_class=garbage, lon=LON, lat=LAT, state=state)
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT) == [case]


def test_excludes_the_case_itself(city, garbage):
    case = make_case(city, catalog_class=garbage, lon=LON, lat=LAT)
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT, exclude_id=case.id) == []


def test_matches_across_an_h3_cell_boundary(city, garbage):
    # Walk east until the cell changes, then put the two points 15 m either side of the boundary.
    lon = LON
    while h3_cell_of(lon, LAT) == h3_cell_of(LON, LAT):
        lon = east(lon, LAT, 1)[0]
    a, b = east(lon, LAT, -15)[0], east(lon, LAT, 15)[0]
    assert h3_cell_of(a, LAT) != h3_cell_of(b, LAT)
    case = make_case(city, catalog_class=garbage, lon=b, lat=LAT)
    assert find_duplicates(catalog_class=garbage, lon=a, lat=LAT) == [case]


def test_the_searched_cells_cover_every_point_within_the_radius():
    rnd = random.Random(7)
    for _ in range(2000):
        lon, lat = 104 + rnd.random() * 0.04, 30 + rnd.random() * 0.02
        radius = rnd.choice([30, 50, 150])
        angle = rnd.random() * 2 * math.pi
        other = (lon + radius * 0.99 * math.cos(angle) / (111_320 * math.cos(math.radians(lat))),
                 lat + radius * 0.99 * math.sin(angle) / 110_574)
        assert distance_m(lon, lat, *other) <= radius
        assert h3_cell_of(*other) in cells_within(lon, lat, radius)


def test_honours_the_class_radius_and_window(city, garbage):
    garbage.duplicate_radius_m = 200
    garbage.duplicate_window_hours = 72
    garbage.save()
    now = timezone.now()
    case = make_case(city, catalog_class=garbage, lon=east(LON, LAT, 150)[0], lat=LAT,
                     reported_at=now - timedelta(hours=60))
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT, at=now) == [case]
    garbage.duplicate_radius_m = 100
    garbage.save()
    assert find_duplicates(catalog_class=garbage, lon=LON, lat=LAT, at=now) == []


def test_class_defaults_are_fifty_metres_and_a_day(garbage):
    assert (garbage.duplicate_radius_m, garbage.duplicate_window_hours, garbage.auto_dispatch) == (50, 24, False)
