"""Reads of the hotline desk (热线受理), scoped to the user: places by name and open cases near a call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cityops.cases.duplicates import find_duplicates
from cityops.cases.models import Case
from cityops.cases.scope import ensure_case_visible
from cityops.catalog.models import CatalogClass
from cityops.core.errors import NotFound
from cityops.core.permissions import region_scope_q
from cityops.geo.locate import locate
from cityops.geo.models import Region

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

MAX_PLACES = 10


def place_search(*, user: AnyUser, q: str) -> list[Region]:
    """Regions of the user's scope whose name or code contains `q` (streets, communities, grids…), at most 10."""
    term = (q or "").strip()
    if len(term) < 1:
        return []
    regions = Region.objects.filter(region_scope_q(user)).only("code", "name", "level", "centroid_lon",
                                                              "centroid_lat")
    by_name = regions.filter(name__icontains=term) | regions.filter(code__startswith=term)
    return list(by_name.order_by("path")[:MAX_PLACES])


def open_cases_near(*, user: AnyUser, catalog_class: CatalogClass, lon: float, lat: float) -> list[Case]:
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
