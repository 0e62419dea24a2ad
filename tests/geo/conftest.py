"""Fixtures of the geo tests: a generated grid city; a fresh locate index for every test."""

from __future__ import annotations

import pytest

from cityops.geo.locate import invalidate_index
from cityops.geo.models import Level, Region
from cityops.testing.gridcity import build_grid_city


@pytest.fixture(autouse=True)
def _fresh_locate_index():
    # A test's regions vanish with its rolled-back transaction, which no signal reports.
    invalidate_index()
    yield
    invalidate_index()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas' passwords are hashed on creation; Argon2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def grid_city(db):
    """A 20 × 20 grid city (400 grids); returns the grid regions ordered by code."""
    build_grid_city(side=20)
    return list(Region.objects.filter(level=Level.GRID).select_related("parent__parent__parent__parent"))
