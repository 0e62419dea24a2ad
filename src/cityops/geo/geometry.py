"""Geometry helpers over shapely: WKB storage, metric areas and distances on lon/lat."""

from __future__ import annotations

import math

import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


def to_wkb(geom: BaseGeometry) -> bytes:
    return shapely.to_wkb(geom)


def from_wkb(data: bytes | memoryview) -> BaseGeometry:
    return shapely.from_wkb(bytes(data))


def area_m2(geom: BaseGeometry) -> float:
    """Area in m² of a lon/lat polygon, projected locally (equirectangular at its centroid; <0.1 % at city scale)."""
    if geom.is_empty:
        return 0.0
    lat0 = math.radians(geom.centroid.y)
    scaled = shapely.transform(geom, lambda xy: xy * [_M_PER_DEG * math.cos(lat0), _M_PER_DEG])
    return float(scaled.area)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def region_geometry_fields(geom: BaseGeometry) -> dict:
    """The stored columns derived from a region polygon: WKB, bounding box, centroid, area."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    centroid = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    return {
        "geom_wkb": to_wkb(geom),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "centroid_lon": centroid.x,
        "centroid_lat": centroid.y,
        "area_m2": area_m2(geom),
    }
