"""Today's patrols (巡查轨迹) of a share of the demo inspectors: position pings walking through their grids.

The one map shows inspectors' last positions and tracks; without pings the demo layer would be empty. Each
sampled inspector walks from grid centre to grid centre of the grids they are responsible for, one ping every
`PING_MINUTES`, over the last `HOURS` hours, as the inspector app would have sent them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from cityops.core.audit import audit_log
from cityops.geo.models import Region
from cityops.org.models import Role, User
from cityops.tracking.models import PositionPing

if TYPE_CHECKING:
    from cityops.core.typing import Actor

PING_MINUTES = 2
HOURS = 3
SHARE = 0.25  # of the inspectors are out on patrol
MAX_PATROLS = 60


def create_patrols(*, seed: int = 0, now: datetime | None = None, actor: Actor = None) -> int:
    """Write the pings of today's patrols; returns how many pings."""
    rng = random.Random(seed)
    now = now or timezone.now()
    inspectors = list(User.objects.filter(role_assignments__role=Role.INSPECTOR).order_by("pk").distinct())
    count = min(MAX_PATROLS, max(1, int(len(inspectors) * SHARE))) if inspectors else 0
    pings: list[PositionPing] = []
    for user in rng.sample(inspectors, count):
        grids = list(Region.objects.filter(inspectors=user).order_by("code"))
        if grids:
            pings.extend(_walk(user, grids, rng=rng, now=now))
    PositionPing.objects.bulk_create(pings, batch_size=2000)
    audit_log(actor=actor, action="demo.patrols.created", data={"inspectors": count, "pings": len(pings)})
    return len(pings)


def _walk(user: User, grids: list[Region], *, rng: random.Random, now: datetime) -> list[PositionPing]:
    """Pings along the inspector's grids, grid centre to grid centre, ending now."""
    steps = HOURS * 60 // PING_MINUTES
    start = now - timedelta(minutes=steps * PING_MINUTES)
    pings = []
    for i in range(steps + 1):
        # About 15 pings per grid, then on to the next one (and round again).
        position = i / 15
        here, there = grids[int(position) % len(grids)], grids[(int(position) + 1) % len(grids)]
        t = position - int(position)
        lon = here.centroid_lon + (there.centroid_lon - here.centroid_lon) * t + rng.uniform(-0.0002, 0.0002)
        lat = here.centroid_lat + (there.centroid_lat - here.centroid_lat) * t + rng.uniform(-0.0002, 0.0002)
        pings.append(PositionPing(user=user, at=start + timedelta(minutes=i * PING_MINUTES), lon=round(lon, 6),
                                  lat=round(lat, 6), accuracy_m=round(rng.uniform(5, 25), 1),
                                  grid=here if t < 0.5 else there))
    return pings
