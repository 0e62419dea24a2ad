"""Fixtures of the one-map tests: the workflow cast (centre staff of 东区, a city leader) and a hand-made set."""

from __future__ import annotations

import pytest

from cityops.cases.models import CaseState
from cityops.testing import factories as f
from tests.cases.workflow_cast import *  # noqa: F403  (the cast, garbage and fast hashing fixtures)

# Two spots in the small city: 东区网格1 and 西区网格1 (cityops.testing.factories).
EAST = (104.0025, 30.0175)
WEST = (104.0225, 30.0175)
CITY_BBOX = "104.0,30.0,104.04,30.03"


@pytest.fixture
def as_user(client, cast):
    """A test client logged in as one of the cast."""

    def login(name: str):
        client.force_login(cast[name])
        return client

    return login


@pytest.fixture
def handmade(cast, city):
    """Four open cases at one 东区 spot (2 reported, 1 registered, 1 dispatched and overdue), two reported at a
    西区 spot (one from a citizen), and a closed and a voided case in 东区 that the map never shows."""
    e_lon, e_lat = EAST
    w_lon, w_lat = WEST
    made = {
        "e_rep1": f.make_case(city, lon=e_lon, lat=e_lat),
        "e_rep2": f.make_case(city, lon=e_lon + 0.0001, lat=e_lat),
        "e_reg": f.make_case(city, lon=e_lon, lat=e_lat + 0.0001, state=CaseState.REGISTERED),
        "e_disp": f.make_case(city, lon=e_lon + 0.0002, lat=e_lat, state=CaseState.DISPATCHED, is_overdue=True),
        "w_rep1": f.make_case(city, lon=w_lon, lat=w_lat),
        "w_rep2": f.make_case(city, lon=w_lon + 0.0001, lat=w_lat, source="citizen"),
        "e_closed": f.make_case(city, lon=e_lon, lat=e_lat, state=CaseState.CLOSED),
        "e_voided": f.make_case(city, lon=e_lon, lat=e_lat, state=CaseState.VOIDED),
    }
    return made
