"""Storing positions (tracking.services): who may send one, which are kept, which refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.core.errors import Forbidden, InvalidInput
from cityops.tracking.models import PositionPing
from cityops.tracking.services import position_ping_record

EAST = (104.0025, 30.0175)


def test_an_inspectors_position_is_stored_with_its_grid(personas, city):
    ping = position_ping_record(actor=personas["inspector"], lon=EAST[0], lat=EAST[1], accuracy_m=8)
    assert ping is not None and (ping.grid, ping.accuracy_m) == (city.grids[0], 8)


def test_a_position_ten_seconds_after_the_last_is_not_stored(personas, city):
    now = timezone.now()
    assert position_ping_record(actor=personas["inspector"], lon=EAST[0], lat=EAST[1], at=now)
    assert position_ping_record(actor=personas["inspector"], lon=EAST[0], lat=EAST[1],
                                at=now + timedelta(seconds=9)) is None
    assert PositionPing.objects.count() == 1


def test_a_dispatcher_has_no_position_to_send(personas, city):
    with pytest.raises(Forbidden):
        position_ping_record(actor=personas["dispatcher"], lon=EAST[0], lat=EAST[1])


def test_a_latitude_off_the_globe_is_refused(personas, city):
    with pytest.raises(InvalidInput) as refused:
        position_ping_record(actor=personas["inspector"], lon=EAST[0], lat=91)
    assert refused.value.field == "lat"
