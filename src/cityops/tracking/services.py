"""Writes of tracking (定位): storing the positions tracked things send (so far inspectors' pings)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput
from cityops.core.permissions import require_role
from cityops.geo.locate import OutsideServiceArea, locate
from cityops.org.models import Role
from cityops.tracking.models import PositionPing

if TYPE_CHECKING:
    from cityops.core.typing import User

PING_MIN_INTERVAL = timedelta(seconds=10)


def position_ping_record(*, actor: User, lon: float, lat: float, accuracy_m: float | None = None,
                         at: datetime | None = None) -> PositionPing | None:
    """Store an on-duty inspector's position (巡查轨迹) with its grid; None when it came too soon after the last."""
    require_role(actor, Role.INSPECTOR)
    _check_position(lon, lat, accuracy_m)
    at = at or timezone.now()
    # A phone retrying or two open tabs would flood the track: keep at most one ping per user per 10 s.
    # Pings are telemetry, not decisions, so the rare race of two pings slipping through together is harmless.
    if PositionPing.objects.filter(user=actor, at__gt=at - PING_MIN_INTERVAL, at__lte=at).exists():
        return None
    location = locate(lon, lat)
    if location is None and not actor.has_role(Role.INSPECTOR):
        # An inspector's track may step over the city's edge on patrol and is kept without a grid; anyone else
        # (an administrator passes the role check) has no patrol, and a point outside the city is a mistake or
        # a phone's no-fix (0, 0), which would draw a line across the map.
        raise OutsideServiceArea(_("The position is outside the city's service area."), field="lon")
    grid_id = location.grid.id if location is not None and location.grid is not None else None
    # No audit event per ping: the ping row is itself the record, and an event per minute per inspector
    # would bury the audit trail.
    return PositionPing.objects.create(user=actor, at=at, lon=lon, lat=lat, accuracy_m=accuracy_m, grid_id=grid_id)


def _check_position(lon: float, lat: float, accuracy_m: float | None) -> None:
    if not (-180 <= lon <= 180):
        raise InvalidInput(_("lon must be between -180 and 180."), field="lon")
    if not (-90 <= lat <= 90):
        raise InvalidInput(_("lat must be between -90 and 90."), field="lat")
    if accuracy_m is not None and not (0 <= accuracy_m <= 100_000):
        raise InvalidInput(_("accuracy must be between 0 and 100000 metres."), field="accuracy")
