"""Reads of tracking (定位): where tracked things were, scoped to the viewer (so far inspectors on patrol).

A viewer sees the inspectors whose region scope or one of whose grids lies in their own scope, and of their
positions those located in a grid of that scope (a platform admin: every inspector and position, also those
outside the grids). The one map's reads (`inspector_positions`, `inspector_track`) are for the command centre's
staff; who may look through the other reads is for the calling page to decide.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import is_platform_admin, region_scope_q, require_centre_staff
from cityops.geo.models import Region
from cityops.org.models import Role
from cityops.tracking.models import PositionPing

POSITION_HOURS = 8
MAX_POSITION_HOURS = 72
MAX_TRACK_POINTS = 5000

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser, User


def tracked_inspectors(*, user: AnyUser) -> QuerySet[User]:
    """Inspectors the viewer may follow: their region scope or one of their grids lies in the viewer's scope."""
    users = get_user_model().objects.filter(role_assignments__role=Role.INSPECTOR, is_active=True)
    if is_platform_admin(user):
        return users.distinct()
    grids = Region.objects.filter(region_scope_q(user))
    return users.filter(Q(scope_region__in=grids) | Q(inspected_grids__in=grids)).distinct()


def _position_scope_q(user: AnyUser) -> Q:
    """Positions the viewer may see: located in a grid of their scope (admins: all, also outside the grids)."""
    if is_platform_admin(user):
        return Q()
    return Q(grid__in=Region.objects.filter(region_scope_q(user)))


def latest_positions(*, user: AnyUser, since: dt.datetime) -> list[PositionPing]:
    """Each visible inspector's last visible position since `since` (with user and grid), by username."""
    pings = PositionPing.objects.filter(_position_scope_q(user), at__gte=since)
    # One index probe per inspector ((user, at) index) instead of scanning every ping of the window.
    latest = pings.filter(user=OuterRef("pk")).order_by("-at", "-id").values("id")[:1]
    ids = [pk for pk in tracked_inspectors(user=user).annotate(last=Subquery(latest)).values_list("last", flat=True)
           if pk]
    return list(PositionPing.objects.filter(pk__in=ids).select_related("user", "grid").order_by("user__username"))


def track_points(*, user: AnyUser, inspector: User, start: dt.datetime, end: dt.datetime,
                 limit: int) -> list[tuple[float, float, dt.datetime]]:
    """One inspector's visible positions in [start, end) as (lon, lat, at), oldest first, at most `limit`."""
    return list(
        PositionPing.objects.filter(_position_scope_q(user), user=inspector, at__gte=start, at__lt=end)
        .order_by("at", "id").values_list("lon", "lat", "at")[:limit]
    )


# --- the one map's inspectors layer ------------------------------------------------------------------------------


def inspector_positions(*, user: AnyUser, hours: int = POSITION_HOURS, now: dt.datetime | None = None) -> dict[str, Any]:
    """Each visible inspector's last position within the last `hours`, as GeoJSON points."""
    require_centre_staff(user)
    if not 1 <= int(hours) <= MAX_POSITION_HOURS:
        raise InvalidInput(_("hours must be between 1 and %(max)d.") % {"max": MAX_POSITION_HOURS}, field="hours")
    since = (now or timezone.now()) - dt.timedelta(hours=int(hours))
    rows = latest_positions(user=user, since=since)
    return {"type": "FeatureCollection", "since": since, "features": [_ping_feature(p) for p in rows]}


def _ping_feature(ping: Any) -> dict[str, Any]:
    return {
        "type": "Feature", "id": ping.user.username,
        "geometry": {"type": "Point", "coordinates": [ping.lon, ping.lat]},
        "properties": {"username": ping.user.username, "name": str(ping.user), "at": ping.at,
                       "accuracy_m": ping.accuracy_m, "grid": ping.grid.name if ping.grid_id else None},
    }


def inspector_track(*, user: AnyUser, username: str, day: str | dt.date | None = None) -> dict[str, Any]:
    """One inspector's pings on one day (Asia/Shanghai), oldest first, as a GeoJSON line (巡查轨迹)."""
    require_centre_staff(user)
    # A NUL in the name would reach PostgreSQL (which refuses it: a 500); no inspector has one.
    inspector = (None if "\x00" in username
                 else tracked_inspectors(user=user).filter(username=username).first())
    if inspector is None:
        raise NotFound(_("Inspector %(name)s not found.") % {"name": username})
    start = _day_start(day)
    pings = track_points(user=user, inspector=inspector, start=start, end=start + dt.timedelta(days=1),
                                  limit=MAX_TRACK_POINTS)
    return {
        "type": "Feature", "id": inspector.username,
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lon, lat, _at in pings]},
        "properties": {"username": inspector.username, "name": str(inspector),
                       "day": timezone.localtime(start).date().isoformat(), "times": [at for _lon, _lat, at in pings],
                       "points": len(pings)},
    }


def _day_start(day: str | dt.date | None) -> dt.datetime:
    """Local midnight (the configured zone, Asia/Shanghai) of `day` (today when omitted)."""
    value: dt.date | None
    if day is None or day == "":
        value = timezone.localdate()
    elif isinstance(day, dt.date):
        value = day
    else:
        try:
            value = parse_date(str(day))
        except ValueError:
            value = None
    # Its day's end, and its midnight in UTC, must exist (else a 500).
    if value is None or not dt.date.min < value < dt.date.max:
        raise InvalidInput(_("day must be an ISO date such as 2026-11-21."), field="day")
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))
