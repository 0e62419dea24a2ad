"""HTTP API of the geo domain (thin: parse, call a selector or service, return)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Query, Router, Schema

from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_token_scope
from cityops.geo import selectors
from cityops.geo.locate import Crs, locate_or_raise
from cityops.geo.models import Level

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()


class RegionRefOut(Schema):
    id: int
    code: str
    name: str


class LocationOut(Schema):
    lon: float
    lat: float
    grid: RegionRefOut | None
    community: RegionRefOut | None
    street: RegionRefOut | None
    district: RegionRefOut | None
    city: RegionRefOut | None


@router.get("/locate", response={200: LocationOut, 422: ErrorOut}, summary="Locate a point in the unit grids")
def locate_point(request: AuthedRequest, lon: float = Query(..., ge=-180, le=180), lat: float = Query(..., ge=-90, le=90),
                 crs: Crs = Crs.WGS84) -> Any:
    """The unit grid (单元网格) and its community, street, district and city containing the point.

    `crs` is `wgs84` (GPS, default), `gcj02` (Amap/Tencent) or `bd09` (Baidu). A point outside the
    service area answers 422 with `code` = `outside_service_area`.
    """
    require_token_scope(request.auth, "geo:read")
    return locate_or_raise(lon, lat, crs=crs).as_dict()


@router.get("/regions", summary="Regions of one level as GeoJSON")
def regions_geojson(request: AuthedRequest, level: Level, bbox: str | None = None,
                    zoom: int | None = Query(None, ge=0, le=selectors.MAX_ZOOM)) -> dict:
    """A GeoJSON FeatureCollection of the regions of `level` within `bbox` (minlon,minlat,maxlon,maxlat),
    simplified for the map `zoom`, limited to the caller's data scope."""
    require_token_scope(request.auth, "geo:read")
    box = selectors.parse_bbox(bbox) if bbox is not None else None
    return selectors.region_feature_collection(user=request.auth, level=level, bbox=box, zoom=zoom)


@router.get("/regions/{code}", summary="One region with its parents, contents and inspectors")
def region_detail(request: AuthedRequest, code: str) -> dict:
    """The region's parent chain, counts of the regions inside it and, for a grid, its inspectors."""
    require_token_scope(request.auth, "geo:read")
    return selectors.region_detail(user=request.auth, code=code)
