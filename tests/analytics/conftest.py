"""Shared helpers of the statistics tests: cases placed at a known local time, class and point."""

from __future__ import annotations

import pytest

from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.workflow_cast import EAST_POINT, WEST_POINT, local

# Points in 东区网格1, 东区网格4 and 西区网格1 (the small city of cityops.testing.factories).
EAST_1 = EAST_POINT
EAST_4 = (104.015, 30.005)
WEST_1 = WEST_POINT


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def put(city):
    """Insert a case reported at a Shanghai wall-clock time: put((2026, 3, 2, 9), point=…, catalog_class=…)."""

    def make(when: tuple[int, ...], *, point: tuple[float, float] = EAST_1, **fields):
        lon, lat = point
        return f.make_case(city, lon=lon, lat=lat, reported_at=local(*when), **fields)

    return make


@pytest.fixture
def staff(personas, city):
    """The personas plus an acceptor, a shift leader (东区) and a leader of 西区 only."""
    east, west = city.districts
    return {
        **personas,
        "acceptor": f.make_user("acceptor", Role.ACCEPTOR, scope_region=east),
        "shift_leader": f.make_user("shift_leader", Role.SHIFT_LEADER, scope_region=east),
        "west_leader": f.make_user("west_leader", Role.LEADER, scope_region=west),
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Forecasts are cached per scope and day; a rolled-back test must not leave its results behind."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
