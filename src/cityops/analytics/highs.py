"""The three highs (三高): high-incidence times, places and classes, to decide where and when to patrol.

- Times (高发时间): reports per local hour × weekday (Asia/Shanghai by default), one GROUP BY.
- Places (高发地点): H3 hexagons — cases carry their resolution-10 cell; the database groups them by the
  parent cell at the asked resolution (bit arithmetic on the index, `h3_parent_expression`) — and the top unit
  grids and streets.
- Classes (高发类型): the top N classes and their counts per week or month.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Value
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from h3.api import basic_int as h3

from cityops.analytics.params import Period, Scope
from cityops.analytics.statistics import (
    REGION_FIELDS,
    Dimension,
    class_labels,
    local_date,
    region_labels,
    time_buckets,
)
from cityops.cases.duplicates import H3_RESOLUTION
from cityops.core.errors import InvalidInput
from cityops.geo.models import Level

MIN_RESOLUTION = 5  # ≈ 8.5 km edge: a whole city in a few cells
MAX_RESOLUTION = H3_RESOLUTION  # the cases' own cells (≈ 76 m edge)
DEFAULT_RESOLUTION = 8  # ≈ 0.46 km edge, 0.74 km²: a few blocks
# Map zoom → resolution: a hexagon stays some 20–60 px across on screen.
ZOOM_RESOLUTION = {10: 6, 11: 7, 12: 7, 13: 8, 14: 8, 15: 9, 16: 10}


# --- high-incidence times ------------------------------------------------------------------------------------


@dataclass
class HeatTable:
    """Reports per weekday (rows, Monday first) × local hour (columns 0–23)."""

    cells: list[list[int]]
    total: int
    peak: int

    def level(self, count: int) -> int:
        """A colour step 0–5 of a cell, relative to the peak cell."""
        return colour_step(count, self.peak)


def colour_step(count: int, peak: int) -> int:
    """Colour steps 1–5 in equal fifths of the peak (the peak itself is 5); 0 for nothing."""
    return math.ceil(5 * count / peak) if count > 0 and peak > 0 else 0


def heat_table(*, scope: Scope, period: Period) -> HeatTable:
    """Reports of the period by weekday and hour of the local wall clock (高发时间)."""
    tz = timezone.get_default_timezone()
    qs = (scope.in_period(period)
          .values(weekday=ExtractIsoWeekDay("reported_at", tzinfo=tz), hour=ExtractHour("reported_at", tzinfo=tz))
          .annotate(n=Count("pk")).order_by())
    cells = [[0] * 24 for _weekday in range(7)]
    for row in qs:
        cells[row["weekday"] - 1][row["hour"]] += row["n"]
    total = sum(map(sum, cells))
    return HeatTable(cells=cells, total=total, peak=max(map(max, cells)))


# --- high-incidence places -----------------------------------------------------------------------------------


def resolution_parse(resolution: Any = None, zoom: Any = None) -> int:
    """The hexagon resolution from `resolution` (5–10) or else a map `zoom`; 422 naming the field when bad."""
    if resolution not in (None, ""):
        try:
            value = int(resolution)
        except (TypeError, ValueError):
            value = -1
        if not MIN_RESOLUTION <= value <= MAX_RESOLUTION:
            raise InvalidInput(_("resolution must be a whole number from %(low)d to %(high)d.")
                               % {"low": MIN_RESOLUTION, "high": MAX_RESOLUTION}, field="resolution")
        return value
    if zoom not in (None, ""):
        try:
            level = int(zoom)
        except (TypeError, ValueError):
            level = -1
        if not 0 <= level <= 22:
            raise InvalidInput(_("zoom must be a whole number from 0 to 22."), field="zoom")
        return ZOOM_RESOLUTION.get(min(max(level, 10), 16), DEFAULT_RESOLUTION)
    return DEFAULT_RESOLUTION


@dataclass
class Hotspot:
    cell: int
    count: int

    @property
    def cell_hex(self) -> str:
        name: str = h3.int_to_str(self.cell)  # h3 has no type hints
        return name


def hotspots(*, scope: Scope, period: Period, resolution: int = DEFAULT_RESOLUTION, limit: int = 500) -> list[Hotspot]:
    """The busiest H3 cells at `resolution`, most cases first (高发地点): one GROUP BY on the parent cell."""
    parent = h3_parent_expression("h3_cell", resolution)
    rows = (scope.in_period(period).values(cell=parent).annotate(n=Count("pk"))
            .order_by("-n", "cell")[:limit])
    return [Hotspot(row["cell"], row["n"]) for row in rows]


def h3_parent_expression(field: str, resolution: int) -> Any:
    """SQL for `h3.cell_to_parent(cell, resolution)` of a stored cell, so the database groups by the parent.

    An H3 index keeps its resolution in bits 52–55 and one 3-bit digit per finer resolution below, unused digits
    set to 7: the parent is the cell with resolution `resolution` and every digit after it set to 7. Plain
    64-bit integer bit operations, the same on PostgreSQL and SQLite (the top bit is always clear).
    """
    if resolution >= MAX_RESOLUTION:
        return F(field)
    finer_digits = (1 << (3 * (15 - resolution))) - 1
    # The stubs take only an int for the bit operations; a Value is what keeps the constant a 64-bit integer.
    return (F(field).bitor(Value(finer_digits)).bitand(Value(~(15 << 52)))  # type: ignore[arg-type]
            .bitor(Value(resolution << 52)))  # type: ignore[arg-type]


def hotspots_geojson(spots: list[Hotspot], *, resolution: int) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of hexagons with their count, share of the shown total and colour step."""
    peak = max((s.count for s in spots), default=0)
    total = sum(s.count for s in spots)
    features = []
    for rank, spot in enumerate(spots, start=1):
        # h3 gives (lat, lng) pairs; GeoJSON wants [lng, lat] and a closed ring.
        ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(spot.cell)]
        ring.append(ring[0])
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"cell": spot.cell_hex, "count": spot.count, "rank": rank,
                           "share": round(100.0 * spot.count / total, 1) if total else 0.0,
                           "level": colour_step(spot.count, peak)},
        })
    return {"type": "FeatureCollection", "resolution": resolution, "total": total, "features": features}


@dataclass
class PlaceRow:
    rank: int
    code: str
    name: str
    count: int
    share: float | None


def top_places(*, scope: Scope, period: Period, level: str = Level.GRID, limit: int = 10) -> list[PlaceRow]:
    """The unit grids or streets (or any region level) with the most reports (高发网格 / 高发街道)."""
    fields = REGION_FIELDS
    if level not in fields:
        raise InvalidInput(_("level must be one of: %(choices)s.") % {"choices": ", ".join(fields)}, field="level")
    qs = scope.in_period(period)
    total = qs.count()
    top = list(qs.values(key=F(fields[level])).annotate(n=Count("pk")).order_by("-n", "key")[:limit])
    labels = region_labels([r["key"] for r in top])
    rows = []
    for rank, row in enumerate(top, start=1):
        name, code, _drill = labels.get(row["key"], (str(row["key"]), "", ""))
        rows.append(PlaceRow(rank, code, name, row["n"], round(100.0 * row["n"] / total, 1) if total else None))
    return rows


# --- high-incidence classes ----------------------------------------------------------------------------------


@dataclass
class ClassTrend:
    rank: int
    code: str
    name: str
    count: int
    share: float | None
    series: list[int]


@dataclass
class TopClasses:
    """The top classes of a period and their counts per bucket (week or month)."""

    granularity: str
    buckets: list[dt.date]
    classes: list[ClassTrend]
    total: int


def top_classes(*, scope: Scope, period: Period, limit: int = 10, granularity: str = Dimension.WEEK) -> TopClasses:
    """The `limit` most reported classes of the period and their trend per week or month (高发类型)."""
    if granularity not in (Dimension.WEEK, Dimension.MONTH):
        raise InvalidInput(_("granularity must be week or month."), field="granularity")
    qs = scope.in_period(period)
    total = qs.count()
    top = list(qs.values("catalog_class_id").annotate(n=Count("pk")).order_by("-n", "catalog_class_id")[:limit])
    ids = [row["catalog_class_id"] for row in top]
    buckets = time_buckets(granularity, period)
    trunc = (TruncWeek if granularity == Dimension.WEEK else TruncMonth)("reported_at",
                                                                          tzinfo=timezone.get_default_timezone())
    series: dict[int, dict[dt.date, int]] = {pk: {} for pk in ids}
    for row in qs.filter(catalog_class_id__in=ids).values("catalog_class_id", b=trunc).annotate(n=Count("pk")).order_by():
        series[row["catalog_class_id"]][local_date(row["b"])] = row["n"]
    labels = class_labels(ids)
    classes = []
    for rank, row in enumerate(top, start=1):
        name, code, _drill = labels.get(row["catalog_class_id"], ("?", "", ""))
        counts = series[row["catalog_class_id"]]
        classes.append(ClassTrend(rank, code, name, row["n"], round(100.0 * row["n"] / total, 1) if total else None,
                                  [counts.get(b, 0) for b in buckets]))
    return TopClasses(granularity=granularity, buckets=buckets, classes=classes, total=total)

