"""Duplicate detection (重复案件): open cases of the same class near a new report, within a time window.

Cases carry the H3 cell of their location (`Case.h3_cell`). A search asks the `cases_dup_lookup` index
(class, h3_cell, reported_at) for the cells of a disk around the point that surely covers the radius, then
keeps the cases truly within the radius (haversine) and sorts them nearest first.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.utils import timezone
from h3.api import basic_int as h3

from cityops.cases.models import OPEN_STATES, Case
from cityops.catalog.models import CatalogClass
from cityops.geo.geometry import EARTH_RADIUS_M, distance_m

# Resolution 10: hexagons of ≈76 m average edge (≈15,000 m², about one city block face). A 50 m radius (the
# default) is covered by the cell and its 2 rings (19 cells, one small IN list on an index); each cell holds
# few cases at a time, so the exact-distance filter sees little. Resolution 11 (≈29 m edge) would need 3–4 rings
# (37–61 cells) for the same radius; resolution 9 (≈200 m edge) would fetch ~7× the area to filter by hand.
H3_RESOLUTION = 10

DEFAULT_RADIUS_M = 50
DEFAULT_WINDOW_HOURS = 24


def h3_cell_of(lon: float, lat: float) -> int:
    """The H3 cell (resolution H3_RESOLUTION) of a WGS84 point, as an integer.

    H3 indexes keep their top (reserved) bit clear, so the value fits a signed 64-bit column.
    """
    return int(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


def cells_within(lon: float, lat: float, radius_m: float) -> list[int]:
    """The cells of a grid disk around the point, large enough to hold every point within `radius_m` of it."""
    origin = h3_cell_of(lon, lat)
    return [int(c) for c in h3.grid_disk(origin, _rings_for(origin, radius_m))]


def _rings_for(origin: int, radius_m: float) -> int:
    """Rings k such that cells at grid distance > k lie farther than `radius_m` from any point of `origin`.

    A point lies within one edge length e of its cell's centre, so two points r apart have cell centres at
    most r + 2e apart; cell centres k rings apart are at least 1.5·e·k apart (the ring's inner hexagon).
    e is the origin cell's longest edge plus 10 %, since neighbouring cells differ slightly in size.
    """
    edge = 1.1 * max(h3.edge_length(e, "m") for e in h3.origin_to_directed_edges(origin))
    return max(1, math.ceil((radius_m + 2 * edge) / (1.5 * edge)))


def duplicate_radius_m(catalog_class: CatalogClass) -> int:
    """The class's duplicate radius in metres (default 50)."""
    return getattr(catalog_class, "duplicate_radius_m", None) or DEFAULT_RADIUS_M


def duplicate_window(catalog_class: CatalogClass) -> timedelta:
    """How far back a report may be and still count as the same problem (default 24 h)."""
    return timedelta(hours=getattr(catalog_class, "duplicate_window_hours", None) or DEFAULT_WINDOW_HOURS)


def find_duplicates(
    *, catalog_class: CatalogClass, lon: float, lat: float, at: datetime | None = None, exclude_id: int | None = None,
    numbers_only: bool = False,
) -> list[Case]:
    """Open cases of the same class within the class's radius and reported in its window before `at`, nearest first.

    Suspended cases count as open: the problem is still there. Each returned case carries `distance_m`.
    `numbers_only` loads just their numbers (and what sorts them), for a caller that shows no summary of them.
    """
    at = at or timezone.now()
    radius = duplicate_radius_m(catalog_class)
    west, south, east, north = _box_around(lon, lat, radius)
    candidates = Case.objects.filter(
        catalog_class=catalog_class,
        h3_cell__in=cells_within(lon, lat, radius),
        reported_at__gt=at - duplicate_window(catalog_class),
        reported_at__lte=at,
        state__in=OPEN_STATES,
        # The cells' disk reaches well past the radius; a box around it keeps the rows read to the near ones.
        lon__range=(west, east),
        lat__range=(south, north),
    ).order_by()  # sorted by distance below: no ORDER BY for the database
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    # Distances from three columns first; whole cases (with what their summaries show) only for those within.
    near = {}
    for pk, case_lon, case_lat in candidates.values_list("pk", "lon", "lat"):
        distance = distance_m(lon, lat, case_lon, case_lat)
        if distance <= radius:
            near[pk] = distance
    if not near:
        return []
    chosen = Case.objects.filter(pk__in=near)
    if numbers_only:
        chosen = chosen.only("id", "number", "reported_at", "region_path")
    else:
        chosen = chosen.select_related("urgency", "department", "handling_unit")
    found = list(chosen)
    for case in found:
        case.catalog_class = catalog_class  # the one asked about: their summaries need no query for it
        case.distance_m = near[case.pk]
    found.sort(key=lambda c: (c.distance_m, c.reported_at))
    return found


def _box_around(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) holding every point within `radius_m` of the point (1 % to spare)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))), 1e-6)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
