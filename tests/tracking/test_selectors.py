"""Reading positions (tracking.selectors): each viewer sees the inspectors and positions of their own scope."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cityops.org.models import Role
from cityops.testing import factories as f
from cityops.tracking import selectors
from cityops.tracking.models import PositionPing


def _ping(user, grid, *, minutes_ago: int) -> PositionPing:
    return PositionPing.objects.create(user=user, at=timezone.now() - timedelta(minutes=minutes_ago),
                                       lon=104.0025, lat=30.0175, grid=grid)


def test_the_latest_position_of_each_inspector_in_scope_is_read(personas, city):
    east_grid = city.grids[0]
    _ping(personas["inspector"], east_grid, minutes_ago=30)
    last = _ping(personas["inspector"], east_grid, minutes_ago=5)
    rows = selectors.latest_positions(user=personas["dispatcher"], since=timezone.now() - timedelta(hours=1))
    assert rows == [last]


def test_an_inspector_of_another_district_is_not_followed(personas, city):
    west = f.make_user("west_inspector", Role.INSPECTOR, scope_region=city.districts[1])
    assert list(selectors.tracked_inspectors(user=personas["dispatcher"])) == [personas["inspector"]]
    assert west in selectors.tracked_inspectors(user=personas["admin"])


def test_a_track_is_the_days_positions_oldest_first(personas, city):
    first = _ping(personas["inspector"], city.grids[0], minutes_ago=20)
    second = _ping(personas["inspector"], city.grids[0], minutes_ago=10)
    points = selectors.track_points(user=personas["dispatcher"], inspector=personas["inspector"],
                                    start=timezone.now() - timedelta(hours=1), end=timezone.now(), limit=10)
    assert [at for _lon, _lat, at in points] == [first.at, second.at]
