"""Reads of the component census, always scoped to the user's regions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import shapely
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from cityops.assets.models import Component, ComponentPhoto, ComponentStatus
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import region_scope_q, require_centre_staff, require_token_scope
from cityops.geo.geometry import EARTH_RADIUS_M, distance_m, from_wkb
from cityops.geo.viewport import check_viewport, check_zoom

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

BBox = tuple[float, float, float, float]
MAX_NEAREST_RADIUS_M = 5000
MAX_NEAREST_LIMIT = 100


def max_map_components() -> int:
    """The most components one map request returns before the caller is asked to zoom in."""
    return int(getattr(settings, "CITYOPS_ASSETS_MAX_FEATURES", 5000))


def components_for_user(*, user: AnyUser) -> QuerySet[Component]:
    """Every component inside the user's data scope."""
    return Component.objects.filter(region_scope_q(user, "region_path"))


def component_photo_get_for_user(*, user: AnyUser, photo_id: int) -> ComponentPhoto:
    """A component's photo for staff whose scope holds the component: 404 otherwise, 403 for a token without
    `assets:read`."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Photo not found."))
    require_token_scope(user, "assets:read")
    found = ComponentPhoto.objects.filter(pk=photo_id, component__in=components_for_user(user=user)).first()
    if found is None:
        raise NotFound(_("Photo not found."))
    return found


def component_photo_url(photo: ComponentPhoto) -> str:
    """The address of a component's photo: the download view, which checks who asks."""
    return reverse("component_photo", kwargs={"photo_id": photo.pk})


def component_class_from_ref(ref: str) -> CatalogClass:
    """A component class from "component:CODE" or a bare "CODE"."""
    found = catalog_class_from_ref(ref, default_kind=ClassKind.COMPONENT)
    if found.kind != ClassKind.COMPONENT:
        raise InvalidInput(_("%(ref)s is not a component class.") % {"ref": ref}, field="class")
    return found


def component_get_for_user(*, user: AnyUser, ident: str) -> Component:
    """One component by ident; NotFound when missing or outside the user's scope."""
    found = components_for_user(user=user).select_related("catalog_class", "grid", "owner_department").filter(
        ident=ident).first()
    if found is None:
        raise NotFound(_("Component %(ident)s not found.") % {"ident": ident})
    return found


def component_map(
    *, user: AnyUser, bbox: BBox, catalog_class: CatalogClass | None = None, status: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Components inside `bbox` as a GeoJSON FeatureCollection; refuse (422) more than `limit` of them."""
    cap = min(limit or max_map_components(), max_map_components())
    min_lon, min_lat, max_lon, max_lat = bbox
    qs = components_for_user(user=user).filter(
        lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat
    ).select_related("catalog_class")
    if catalog_class is not None:
        qs = qs.filter(catalog_class=catalog_class)
    if status:
        if status not in ComponentStatus.values:
            raise InvalidInput(_("Unknown status %(status)r.") % {"status": status}, field="status")
        qs = qs.filter(status=status)
    rows = list(qs.order_by("ident")[: cap + 1])
    if len(rows) > cap:
        total = qs.count()
        raise InvalidInput(
            _("%(total)s components lie in this box; at most %(max)s can be drawn at once. Zoom in or filter "
              "by class.") % {"total": total, "max": cap},
            field="bbox",
        )
    return {"type": "FeatureCollection", "features": [component_feature(c) for c in rows]}


def components_nearest(
    *, user: AnyUser, lon: float, lat: float, catalog_class: CatalogClass | None = None, limit: int = 10,
    radius_m: float = 200.0,
) -> list[tuple[Component, float]]:
    """The components nearest to a point within `radius_m`, closest first, with their distances (m).

    Removed components (移除) are left out: they are no longer on the street.
    """
    if not 0 < radius_m <= MAX_NEAREST_RADIUS_M:
        raise InvalidInput(_("radius must be between 0 and %(max)s metres.") % {"max": MAX_NEAREST_RADIUS_M},
                           field="radius")
    if not 1 <= limit <= MAX_NEAREST_LIMIT:
        raise InvalidInput(_("limit must be between 1 and %(max)s.") % {"max": MAX_NEAREST_LIMIT}, field="limit")
    # Prefilter in the database with the bbox of the circle (the lon/lat index), then rank exactly here.
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    qs = components_for_user(user=user).filter(
        lon__gte=lon - dlon, lon__lte=lon + dlon, lat__gte=lat - dlat, lat__lte=lat + dlat
    ).exclude(status=ComponentStatus.REMOVED).select_related("catalog_class", "owner_department")
    if catalog_class is not None:
        qs = qs.filter(catalog_class=catalog_class)
    ranked = [(c, distance_m(lon, lat, c.lon, c.lat)) for c in qs]
    ranked = [pair for pair in ranked if pair[1] <= radius_m]
    ranked.sort(key=lambda pair: (pair[1], pair[0].ident))
    return ranked[:limit]


def component_summary(c: Component) -> dict[str, Any]:
    """The fields a map popup or a list shows."""
    return {
        "ident": c.ident,
        "class_code": c.catalog_class.code,
        "class_name": c.catalog_class.display_name,
        "class_name_en": c.catalog_class.name_en,
        "name": c.name,
        "status": c.status,
        "lon": c.lon,
        "lat": c.lat,
        "address": c.address,
        "owner_department_id": c.owner_department_id,
    }


def component_feature(c: Component) -> dict[str, Any]:
    """A GeoJSON Feature: the shape when the component has one, else its point."""
    geometry: dict[str, Any] = {"type": "Point", "coordinates": [c.lon, c.lat]}
    if c.shape_wkb:
        geometry = shapely.geometry.mapping(from_wkb(c.shape_wkb))
    return {"type": "Feature", "id": c.ident, "geometry": geometry, "properties": component_summary(c)}


def component_detail(c: Component) -> dict[str, Any]:
    """Everything about one component, for its detail page or API."""
    feature = component_feature(c)
    return {
        **component_summary(c),
        "geometry": feature["geometry"],
        "grid": {"id": c.grid_id, "code": c.grid.code, "name": c.grid.name} if c.grid is not None else None,
        "region_path": c.region_path,
        "supervising_dept_code": c.supervising_dept_code,
        "supervising_dept_name": c.supervising_dept_name,
        "owner_code": c.owner_code,
        "owner_name": c.owner_name,
        "maintainer_code": c.maintainer_code,
        "maintainer_name": c.maintainer_name,
        "owner_department": {"code": c.owner_department.code, "name": c.owner_department.name}
        if c.owner_department is not None else None,
        "survey_date": c.survey_date.isoformat(),
        "change_date": c.change_date.isoformat() if c.change_date else None,
        "data_source": c.data_source,
        "remarks": c.remarks,
        "attributes": c.attributes,
        "photos": [{"url": component_photo_url(p), "caption": p.caption, "taken_at": p.taken_at.isoformat()}
                   for p in c.photos.all()],
    }


# --- the one map's components layer ------------------------------------------------------------------------------

COMPONENT_ZOOM = 17


def component_layer(*, user: AnyUser, bbox: BBox, zoom: int) -> dict[str, Any]:
    """The component census (部件) in `bbox` at close zooms; further out an empty layer asking to zoom in."""
    require_centre_staff(user)
    zoom = check_zoom(zoom)
    check_viewport(bbox, zoom)
    if zoom < COMPONENT_ZOOM:
        return {"type": "FeatureCollection", "features": [], "zoom_in": True}
    return {**component_map(user=user, bbox=bbox), "zoom_in": False}
