"""Point → unit grid → community → street → district → city, from an in-process spatial index.

`locate(lon, lat)` answers one point, `locate_many(lons, lats)` a batch. The index is an STRtree per level
over the region polygons, built lazily on first use and rebuilt when regions change: at once in this
process (model signals call `invalidate_index`), and within `CITYOPS_GEO_INDEX_CHECK_SECONDS` in other
processes (they compare `RegionSetVersion.version`). No database query runs on the hot path.

Polygons are ordered by code inside each tree, so a point on an edge shared by two grids always answers the
grid with the lowest code.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import prcoords
import shapely
from django.conf import settings
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import InvalidInput
from cityops.geo.models import LEVEL_ORDER, Level, Region, RegionSetVersion

__all__ = [
    "Crs",
    "Location",
    "OutsideServiceArea",
    "RegionRef",
    "invalidate_index",
    "locate",
    "locate_many",
    "locate_or_raise",
    "locate_region",
    "to_wgs84",
    "warm_up",
]


class Crs(TextChoices):
    """Coordinate systems accepted at the edge; everything inside is WGS84 (CGCS2000 is within a metre)."""

    WGS84 = "wgs84", gettext_lazy("WGS84 / CGCS2000 (GPS)")
    GCJ02 = "gcj02", gettext_lazy("GCJ-02 (Amap, Tencent, Apple in China)")
    BD09 = "bd09", gettext_lazy("BD-09 (Baidu)")


@dataclass(frozen=True, slots=True)
class RegionRef:
    """A light reference to a region: enough to show and link it without a query."""

    id: int
    code: str
    name: str
    path: str = ""  # the materialised path ("/510100/…/"): scope checks and rules need it, not the API

    def as_dict(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a point lies: its WGS84 coordinates and the regions containing it, grid up to city."""

    lon: float
    lat: float
    grid: RegionRef | None
    community: RegionRef | None
    street: RegionRef | None
    district: RegionRef | None
    city: RegionRef | None

    def as_dict(self) -> dict:
        refs = {name: getattr(self, name) for name in _CHAIN_FIELDS}
        return {"lon": self.lon, "lat": self.lat, **{k: (v.as_dict() if v else None) for k, v in refs.items()}}


# Order of the ancestor chain stored per indexed polygon; matches Location's fields after lon/lat.
_CHAIN_FIELDS = ("grid", "community", "street", "district", "city")
_CHAIN_SLOT: dict[str, int] = {Level.GRID: 0, Level.COMMUNITY: 1, Level.STREET: 2, Level.DISTRICT: 3, Level.CITY: 4}
_Chain = tuple[RegionRef | None, RegionRef | None, RegionRef | None, RegionRef | None, RegionRef | None]
_NO_HIT = np.iinfo(np.int64).max


class OutsideServiceArea(InvalidInput):
    """A valid point that no unit grid contains (超出服务范围)."""

    code = "outside_service_area"


# --- coordinate systems ----------------------------------------------------------------------------------


def to_wgs84(lon: float, lat: float, crs: str = Crs.WGS84) -> tuple[float, float]:
    """Validate a point and convert it to WGS84; InvalidInput names `lon`, `lat` or `crs`."""
    lon = _coordinate(lon, "lon", 180.0)
    lat = _coordinate(lat, "lat", 90.0)
    if crs == Crs.WGS84:
        return lon, lat
    if crs not in Crs.values:
        choices = ", ".join(Crs.values)
        raise InvalidInput(_("Unknown coordinate system %(crs)r; use one of: %(choices)s.") % {
            "crs": crs, "choices": choices}, field="crs")
    coords = prcoords.Coords(lat, lon)
    # The offsets are only applied inside China; elsewhere the published coordinates already are WGS84.
    if not prcoords.sanity_in_china_p(coords):
        return lon, lat
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The "bored" inverses iterate the forward transform to ~1e-5°, well inside a 100 m grid.
        wgs = prcoords.gcj_wgs_bored(coords) if crs == Crs.GCJ02 else prcoords.bd_wgs_bored(coords)
    return wgs.lon, wgs.lat


def _coordinate(value: float, field: str, limit: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field}, field=field) from None
    # `not (a <= x <= b)` also rejects NaN, which compares false with everything.
    if not (-limit <= number <= limit):
        raise InvalidInput(
            _("%(field)s must be between %(low)s and %(high)s.") % {"field": field, "low": -limit, "high": limit},
            field=field,
        )
    return number


# --- the index ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LevelIndex:
    tree: shapely.STRtree
    geoms: np.ndarray  # the prepared polygons, by tree position
    ids: np.ndarray  # int64 region id per tree position
    chains: list[_Chain]  # the region and its ancestors per tree position
    buckets: _Buckets

    def first_hit(self, lon: float, lat: float) -> int:
        """Tree position of the lowest-coded polygon containing the point (edges included), or -1."""
        intersects_xy = shapely.intersects_xy
        geoms = self.geoms
        for pos in self.buckets.candidates(lon, lat):
            if intersects_xy(geoms[pos], lon, lat):
                return pos
        return -1


@dataclass(frozen=True)
class _Buckets:
    """A uniform raster over the polygons' bounding boxes: cell → tree positions whose box touches it.

    Single lookups use it instead of `STRtree.query`: finding the cell is two multiplications and a dict
    read, with no shapely Point to build, which halves the cost of one lookup. Cells are about the
    median polygon size, so a cell holds a handful of candidates; positions are ascending, so the first
    polygon that contains the point is the lowest-coded one.
    """

    x0: float
    y0: float
    inv_w: float
    inv_h: float
    rows: int
    cells: dict[int, tuple[int, ...]]

    def candidates(self, lon: float, lat: float) -> tuple[int, ...]:
        col = math.floor((lon - self.x0) * self.inv_w)
        row = math.floor((lat - self.y0) * self.inv_h)
        if col < 0 or row < 0 or row >= self.rows:
            return ()
        return self.cells.get(col * self.rows + row, ())

    @classmethod
    def build(cls, geoms: np.ndarray) -> _Buckets:
        bounds = shapely.bounds(geoms)
        x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        # Median box size as the cell size; a floor keeps a degenerate (zero-width) box from exploding it.
        w = max(float(np.median(bounds[:, 2] - bounds[:, 0])), 1e-6)
        h = max(float(np.median(bounds[:, 3] - bounds[:, 1])), 1e-6)
        col0 = np.floor((bounds[:, 0] - x0) / w).astype(np.int64)
        col1 = np.floor((bounds[:, 2] - x0) / w).astype(np.int64)
        row0 = np.floor((bounds[:, 1] - y0) / h).astype(np.int64)
        row1 = np.floor((bounds[:, 3] - y0) / h).astype(np.int64)
        rows = int(row1.max()) + 1
        cells: dict[int, list[int]] = {}
        for pos, (c0, c1, r0, r1) in enumerate(zip(col0.tolist(), col1.tolist(), row0.tolist(), row1.tolist(),
                                                   strict=True)):
            for col in range(c0, c1 + 1):
                for row in range(r0, r1 + 1):
                    cells.setdefault(col * rows + row, []).append(pos)
        return cls(x0, y0, 1.0 / w, 1.0 / h, rows, {key: tuple(v) for key, v in cells.items()})


@dataclass(frozen=True)
class _Index:
    version: int
    levels: dict[str, _LevelIndex]


class _State:
    def __init__(self) -> None:
        self.index: _Index | None = None
        self.dirty = True
        self.next_check = 0.0
        self.lock = threading.Lock()


_state = _State()


def invalidate_index() -> None:
    """Make the next lookup in this process rebuild the index (called when regions change)."""
    _state.dirty = True


def _current_index() -> _Index:
    index = _state.index
    # The hot path: one attribute read and one clock read, no query.
    if index is not None and not _state.dirty and time.monotonic() < _state.next_check:
        return index
    return _refresh()


def warm_up() -> None:
    """Build the index now (a server worker calls this before its first request: the build takes seconds)."""
    _current_index()


def _refresh() -> _Index:
    with _state.lock:
        index = _state.index
        version = _stored_version()
        if index is None or _state.dirty or index.version != version:
            # Clear the flag before reading, so a change that lands while we build marks it again.
            _state.dirty = False
            index = _build_index(version)
            _state.index = index
        _state.next_check = time.monotonic() + settings.CITYOPS_GEO_INDEX_CHECK_SECONDS
        return index


def _stored_version() -> int:
    return RegionSetVersion.objects.order_by("pk").values_list("version", flat=True).first() or 0


def _build_index(version: int) -> _Index:
    rows = list(
        Region.objects.order_by("code").values_list("id", "code", "name", "level", "parent_id", "geom_wkb", "path")
    )
    refs = {row[0]: RegionRef(row[0], row[1], row[2], row[6]) for row in rows}
    meta = {row[0]: (row[3], row[4]) for row in rows}
    chains: dict[int, _Chain] = {}
    by_level: dict[str, list[tuple[int, bytes]]] = {level: [] for level in LEVEL_ORDER}
    for region_id, _code, _name, level, _parent, wkb, _path in rows:
        _chain_of(region_id, refs, meta, chains)
        by_level.setdefault(level, []).append((region_id, bytes(wkb)))
    levels = {level: _level_index(items, chains) for level, items in by_level.items() if items}
    return _Index(version=version, levels=levels)


def _chain_of(region_id: int, refs: dict, meta: dict, chains: dict[int, _Chain]) -> _Chain:
    """The region and its ancestors in Location order, memoised (ancestors are shared by many grids)."""
    chain = chains.get(region_id)
    if chain is not None:
        return chain
    level, parent_id = meta[region_id]
    slots: list[RegionRef | None] = (
        list(_chain_of(parent_id, refs, meta, chains)) if parent_id in meta else [None] * len(_CHAIN_FIELDS)
    )
    slot = _CHAIN_SLOT.get(level)
    if slot is not None:
        slots[slot] = refs[region_id]
    chains[region_id] = made = cast("_Chain", tuple(slots))  # one slot per Location field
    return made


def _level_index(items: list[tuple[int, bytes]], chains: dict[int, _Chain]) -> _LevelIndex:
    ids = np.fromiter((item[0] for item in items), dtype=np.int64, count=len(items))
    geoms = shapely.from_wkb([item[1] for item in items])
    shapely.prepare(geoms)  # bulk lookups test points against the polygons directly
    return _LevelIndex(
        tree=shapely.STRtree(geoms),
        geoms=geoms,
        ids=ids,
        chains=[chains[int(i)] for i in ids],
        buckets=_Buckets.build(geoms),
    )


# --- lookups -----------------------------------------------------------------------------------------------


def locate(lon: float, lat: float, *, crs: str = Crs.WGS84) -> Location | None:
    """The grid and its ancestors containing the point, or None when it lies outside the service area."""
    lon, lat = to_wgs84(lon, lat, crs)
    grids = _current_index().levels.get(Level.GRID)
    if grids is None:
        return None
    hit = grids.first_hit(lon, lat)
    if hit < 0:
        return None
    return Location(lon, lat, *grids.chains[hit])


def locate_or_raise(lon: float, lat: float, *, crs: str = Crs.WGS84) -> Location:
    """Like `locate`, but refuses a point outside the service area with OutsideServiceArea (422)."""
    location = locate(lon, lat, crs=crs)
    if location is None:
        raise OutsideServiceArea(
            _("The point (%(lon)s, %(lat)s) lies outside the service area.") % {"lon": lon, "lat": lat}
        )
    return location


def locate_region(lon: float, lat: float, level: str, *, crs: str = Crs.WGS84) -> RegionRef | None:
    """The region of `level` containing the point (works where a level has no grids drawn), or None."""
    if level not in Level.values:
        raise InvalidInput(_("Unknown region level %(level)r.") % {"level": level}, field="level")
    lon, lat = to_wgs84(lon, lat, crs)
    level_index = _current_index().levels.get(level)
    if level_index is None:
        return None
    hit = level_index.first_hit(lon, lat)
    return level_index.chains[hit][_CHAIN_SLOT[level]] if hit >= 0 else None


def locate_many(lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray, *,
                crs: str = Crs.WGS84) -> np.ndarray:
    """Grid region ids (int64) for many points at once; -1 where a point is outside (or not a valid point)."""
    lon_arr = np.asarray(lons, dtype=np.float64).ravel()
    lat_arr = np.asarray(lats, dtype=np.float64).ravel()
    if lon_arr.shape != lat_arr.shape:
        raise InvalidInput(_("lons and lats must have the same length."), field="lats")
    if crs != Crs.WGS84:
        lon_arr, lat_arr = _many_to_wgs84(lon_arr, lat_arr, crs)
    out = np.full(lon_arr.shape, -1, dtype=np.int64)
    grids = _current_index().levels.get(Level.GRID)
    if grids is None or not len(out):
        return out
    # NaN fails every comparison, so this keeps only real points inside the lon/lat range.
    valid = np.flatnonzero((np.abs(lon_arr) <= 180) & (np.abs(lat_arr) <= 90))
    # Visit the points in spatial order: the tree walk then stays in cache (about 2× faster on random input).
    order = valid[np.argsort(_cell_key(lon_arr[valid], lat_arr[valid]), kind="stable")]
    lons_s, lats_s = lon_arr[order], lat_arr[order]
    point_pos, tree_pos = grids.tree.query(shapely.points(lons_s, lats_s))  # bounding boxes only
    inside = shapely.intersects_xy(grids.geoms[tree_pos], lons_s[point_pos], lats_s[point_pos])
    first = np.full(order.shape, _NO_HIT, dtype=np.int64)
    # Several hits for one point (a shared edge): keep the lowest tree position, i.e. the lowest code.
    np.minimum.at(first, point_pos[inside], tree_pos[inside])
    found = first != _NO_HIT
    out[order[found]] = grids.ids[first[found]]
    return out


def _cell_key(lons: np.ndarray, lats: np.ndarray, cells: int = 1024) -> np.ndarray:
    """Row-major cell number of each point on a cells × cells raster over the points' extent."""
    if not len(lons):
        return np.zeros(0, dtype=np.int64)
    span_lon = max(float(np.ptp(lons)), 1e-12)
    span_lat = max(float(np.ptp(lats)), 1e-12)
    col = np.minimum(((lons - lons.min()) / span_lon * cells).astype(np.int64), cells - 1)
    row = np.minimum(((lats - lats.min()) / span_lat * cells).astype(np.int64), cells - 1)
    key: np.ndarray = row * cells + col
    return key


def _many_to_wgs84(lons: np.ndarray, lats: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    if crs not in Crs.values:
        to_wgs84(0.0, 0.0, crs)  # raises the InvalidInput naming `crs`
    out_lon, out_lat = lons.copy(), lats.copy()
    for i, (lon, lat) in enumerate(zip(lons.tolist(), lats.tolist(), strict=True)):
        if math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90:
            out_lon[i], out_lat[i] = to_wgs84(lon, lat, crs)
    return out_lon, out_lat
