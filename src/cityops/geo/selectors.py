"""Reads of the geo domain, always scoped to the user (out of scope looks like not found)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shapely
from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from shapely.geometry import mapping

from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import ensure_path_visible, region_scope_q
from cityops.geo.geometry import from_wkb
from cityops.geo.models import LEVEL_ORDER, Level, Region

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

BBox = tuple[float, float, float, float]
MAX_ZOOM = 22


def max_features() -> int:
    """The most polygons one map request may return before the caller is asked to zoom in."""
    return int(getattr(settings, "CITYOPS_GEO_MAX_FEATURES", 5000))


def parse_bbox(text: str) -> BBox:
    """`minlon,minlat,maxlon,maxlat` → a tuple; InvalidInput naming `bbox` when malformed or out of range."""
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4:
        raise InvalidInput(_("bbox must be four numbers: minlon,minlat,maxlon,maxlat."), field="bbox")
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput(
            _("bbox must satisfy -180 ≤ minlon ≤ maxlon ≤ 180 and -90 ≤ minlat ≤ maxlat ≤ 90."), field="bbox"
        )
    return min_lon, min_lat, max_lon, max_lat


def simplify_tolerance(zoom: int | None) -> float:
    """Half a screen pixel in degrees at `zoom` (256-pixel web-map tiles); 0 (exact) without a zoom."""
    if zoom is None:
        return 0.0
    if not 0 <= zoom <= MAX_ZOOM:
        raise InvalidInput(_("zoom must be between 0 and %(max)s.") % {"max": MAX_ZOOM}, field="zoom")
    return 360.0 / (256 * 2.0**zoom) / 2


def region_feature_collection(*, user: AnyUser, level: str, bbox: BBox | None = None, zoom: int | None = None) -> dict:
    """Regions of `level` inside the user's scope touching `bbox`, as GeoJSON simplified for `zoom`."""
    if level not in Level.values:
        raise InvalidInput(_("Unknown level %(level)r; use one of: %(levels)s.") % {
            "level": level, "levels": ", ".join(Level.values)}, field="level")
    tolerance = simplify_tolerance(zoom)
    regions = Region.objects.filter(region_scope_q(user), level=level)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        # Bounding-box overlap on indexed columns; the polygons themselves are not tested (a map needs no more).
        regions = regions.filter(min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat,
                                 max_lat__gte=min_lat)
    total = regions.count()
    if total > max_features():
        raise InvalidInput(
            _("%(total)s regions match; at most %(max)s can be drawn at once. Zoom in or narrow the bbox.")
            % {"total": total, "max": max_features()},
            field="bbox",
        )
    rows = list(regions.order_by("code").values_list("id", "code", "name", "name_en", "path", "geom_wkb"))
    geoms = shapely.from_wkb([bytes(row[5]) for row in rows])
    if tolerance and len(geoms):
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    features = [_feature(row, level, geom) for row, geom in zip(rows, geoms, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def _feature(row: tuple, level: str, geom: Any) -> dict:
    region_id, code, name, name_en, path, _wkb = row
    codes = path.strip("/").split("/")
    properties = {"id": region_id, "code": code, "name": name, "name_en": name_en, "level": level,
                  "parent_code": codes[-2] if len(codes) > 1 else None}
    return {"type": "Feature", "id": code, "geometry": mapping(geom), "properties": properties}


def region_get(*, user: AnyUser, code: str) -> Region:
    """The region with `code` if the user may see it; NotFound (404) otherwise."""
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise NotFound(_("Region not found."))
    ensure_path_visible(user, region.path, what=_("Region"))
    return region


def region_detail(*, user: AnyUser, code: str) -> dict:
    """A region with its parent chain, counts of what lies inside it and, for a grid, its inspectors."""
    region = region_get(user=user, code=code)
    ancestor_codes = region.path.strip("/").split("/")[:-1]
    ancestors = {r.code: r for r in Region.objects.filter(code__in=ancestor_codes)}
    counts = dict(
        Region.objects.filter(path__startswith=region.path).exclude(pk=region.pk)
        .values_list("level").annotate(n=Count("id")).values_list("level", "n")
    )
    return {
        "id": region.id,
        "code": region.code,
        "name": region.name,
        "name_en": region.name_en,
        "level": region.level,
        "parents": [_ref(ancestors[c]) for c in ancestor_codes if c in ancestors],
        "children": region.children.count(),
        "descendants": {level: counts.get(level, 0) for level in LEVEL_ORDER if level in counts},
        "inspectors": sorted(region.inspectors.values_list("username", flat=True))
        if region.level == Level.GRID else [],
        "area_m2": region.area_m2,
        "bbox": [region.min_lon, region.min_lat, region.max_lon, region.max_lat],
        "centroid": [region.centroid_lon, region.centroid_lat],
        "geometry": mapping(from_wkb(region.geom_wkb)),
    }


def _ref(region: Region) -> dict:
    return {"id": region.id, "code": region.code, "name": region.name, "level": region.level}
