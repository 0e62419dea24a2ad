"""Reads of tracking (定位): where tracked things were, scoped to the viewer (so far inspectors on patrol).

A viewer sees the inspectors whose region scope or one of whose grids lies in their own scope, and of their
positions those located in a grid of that scope (a platform admin: every inspector and position, also those
outside the grids). Who may look at all (the command centre's staff) is for the calling page to decide.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery

from cityops.core.permissions import is_platform_admin, region_scope_q
from cityops.geo.models import Region
from cityops.org.models import Role
from cityops.tracking.models import PositionPing

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
