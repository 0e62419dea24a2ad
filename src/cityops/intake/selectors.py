"""Reads of the intake channels, scoped to the user: places by name and open cases near a call (热线受理)."""

from __future__ import annotations

from typing import Any

from cityops.cases.duplicates import find_duplicates
from cityops.cases.models import Case
from cityops.cases.scope import ensure_case_visible
from cityops.catalog.models import CatalogClass
from cityops.core.errors import NotFound
from cityops.core.permissions import region_scope_q
from cityops.geo.locate import locate
from cityops.geo.models import Region

MAX_PLACES = 10


def place_search(*, user: Any, q: str) -> list[Region]:
    """Regions of the user's scope whose name or code contains `q` (streets, communities, grids…), at most 10."""
    term = (q or "").strip()
    if len(term) < 1:
        return []
    regions = Region.objects.filter(region_scope_q(user)).only("code", "name", "level", "centroid_lon",
                                                              "centroid_lat")
    by_name = regions.filter(name__icontains=term) | regions.filter(code__startswith=term)
    return list(by_name.order_by("path")[:MAX_PLACES])


def public_place_search(*, q: str) -> list[dict[str, str]]:
    """Regions of the whole city whose name or code matches `q`, at most 10, as public names (no geometry)."""
    term = (q or "").strip()
    if not term:
        return []
    regions = Region.objects.only("code", "name", "level")
    found = (regions.filter(name__icontains=term) | regions.filter(code__startswith=term)).order_by("path")
    return [{"code": r.code, "name": r.name, "level": str(r.get_level_display())} for r in found[:MAX_PLACES]]


def public_place_point(*, code: str) -> tuple[float, float] | None:
    """The centroid (lon, lat) of the region with this code, None when there is none."""
    region = Region.objects.filter(code=(code or "").strip()).only("centroid_lon", "centroid_lat").first()
    return (region.centroid_lon, region.centroid_lat) if region and code.strip() else None


def open_cases_near(*, user: Any, catalog_class: CatalogClass, lon: float, lat: float) -> list[Case]:
    """Open cases of the class near the point (the duplicate rule of the class) that the user may see."""
    if locate(lon, lat) is None:
        return []
    visible = []
    for case in find_duplicates(catalog_class=catalog_class, lon=lon, lat=lat):
        try:
            ensure_case_visible(user, case)
        except NotFound:
            continue
        visible.append(case)
    return visible
