"""HTTP API of the assets domain (thin: parse, call a selector or service, return)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cityops.assets import selectors, services
from cityops.assets.validation import TEXT_FIELDS
from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_centre_staff, require_token_scope
from cityops.geo.selectors import parse_bbox
from cityops.geo.viewport import MAX_ZOOM, check_zoom

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()
# The one map's components layer (指挥一张图), mounted under `/command` beside the map's other layers.
map_router = Router()


class ComponentIn(Schema):
    # Text limits are the census cleaner's (validation.TEXT_FIELDS, shared with the importer), stated here.
    catalog_class: str | None = Field(None, max_length=20, description='"component:01001" or "01001"; may be left '
                                                                       "out when ident is given.")
    ident: str | None = Field(None, max_length=17, description="Allocated (next free of district + class) when "
                                                               "left out.")
    lon: float | None = Field(None, ge=-180, le=180, strict=True)
    lat: float | None = Field(None, ge=-90, le=90, strict=True)
    shape: dict | None = None  # optional GeoJSON LineString / Polygon
    name: str = Field("", max_length=TEXT_FIELDS["name"])
    address: str = Field("", max_length=TEXT_FIELDS["address"])
    status: str | None = Field(None, max_length=10)
    survey_date: dt.date | None = None
    change_date: dt.date | None = None
    supervising_dept_code: str = Field("", max_length=TEXT_FIELDS["supervising_dept_code"])
    supervising_dept_name: str = Field("", max_length=TEXT_FIELDS["supervising_dept_name"])
    owner_code: str = Field("", max_length=TEXT_FIELDS["owner_code"])
    owner_name: str = Field("", max_length=TEXT_FIELDS["owner_name"])
    maintainer_code: str = Field("", max_length=TEXT_FIELDS["maintainer_code"])
    maintainer_name: str = Field("", max_length=TEXT_FIELDS["maintainer_name"])
    owner_department: str | None = Field(None, max_length=32, description="Department code.")
    data_source: str = Field("", max_length=TEXT_FIELDS["data_source"])
    remarks: str = Field("", max_length=TEXT_FIELDS["remarks"])
    grid_code: str | None = Field(None, max_length=15, description="When given, the grid containing the point.")


class StatusIn(Schema):
    status: str = Field(..., max_length=10)
    change_date: dt.date | None = None
    remarks: str = Field("", max_length=TEXT_FIELDS["remarks"])


class NearestOut(Schema):
    ident: str
    class_code: str
    class_name: str
    class_name_en: str
    name: str
    status: str
    lon: float
    lat: float
    address: str
    owner_department_id: int | None
    distance_m: float


@router.get("", summary="Components within a bbox, as GeoJSON for the map")
def component_map(request: AuthedRequest, bbox: str, class_: str | None = Query(None, alias="class"), status: str | None = None,
                  limit: int | None = Query(None, ge=1)) -> dict:
    """Components inside `bbox` (minlon,minlat,maxlon,maxlat) in the caller's scope; 422 asks to zoom in."""
    require_token_scope(request.auth, "assets:read")
    catalog_class = selectors.component_class_from_ref(class_) if class_ else None
    return selectors.component_map(user=request.auth, bbox=parse_bbox(bbox), catalog_class=catalog_class,
                                   status=status, limit=limit)


@router.get("/nearest", response=list[NearestOut], summary="The components nearest to a point")
def component_nearest(request: AuthedRequest, lon: float = Query(..., ge=-180, le=180),
                      lat: float = Query(..., ge=-90, le=90), class_: str | None = Query(None, alias="class"),
                      limit: int = Query(10, ge=1, le=selectors.MAX_NEAREST_LIMIT),
                      radius: float = Query(200.0, gt=0, le=selectors.MAX_NEAREST_RADIUS_M)) -> list[dict[str, Any]]:
    """Closest first, within `radius` metres (≤ 5000), in the caller's scope; for report forms and dispatch."""
    require_token_scope(request.auth, "assets:read")
    catalog_class = selectors.component_class_from_ref(class_) if class_ else None
    ranked = selectors.components_nearest(user=request.auth, lon=lon, lat=lat, catalog_class=catalog_class,
                                          limit=limit, radius_m=radius)
    return [{**selectors.component_summary(c), "distance_m": round(d, 1)} for c, d in ranked]


@router.get("/{ident}", summary="One component")
def component_detail(request: AuthedRequest, ident: str) -> dict:
    require_token_scope(request.auth, "assets:read")
    return selectors.component_detail(selectors.component_get_for_user(user=request.auth, ident=ident))


@router.post("", response={201: dict, 409: ErrorOut}, summary="Census a component")
def component_create(request: AuthedRequest, payload: ComponentIn) -> Status:
    data = {k: v for k, v in payload.dict().items() if v not in (None, "")}
    component = services.component_create(data=data, actor=request.auth)
    return Status(201, selectors.component_detail(component))


@router.post("/{ident}/status", summary="Change a component's status")
def component_status(request: AuthedRequest, ident: str, payload: StatusIn) -> dict:
    services.require_census_writer(request.auth)  # 403 before revealing whether the component exists
    component = selectors.component_get_for_user(user=request.auth, ident=ident)
    updated = services.component_update_status(component=component, status=payload.status,
                                               change_date=payload.change_date, remarks=payload.remarks,
                                               actor=request.auth)
    return selectors.component_detail(updated)


@router.post("/{ident}/photos", response={201: dict, 413: ErrorOut, 415: ErrorOut}, summary="Add a photo (JPEG, PNG or WebP, ≤ 10 MB)")
def component_photo(request: AuthedRequest, ident: str, image: File[UploadedFile], caption: Form[str] = "") -> Status:
    services.require_census_writer(request.auth)
    component = selectors.component_get_for_user(user=request.auth, ident=ident)
    photo = services.component_photo_add(component=component, upload=image, caption=caption, actor=request.auth)
    return Status(201, {"id": photo.pk, "url": selectors.component_photo_url(photo), "caption": photo.caption})


# --- the one map's components layer -------------------------------------------------------------------------------
# For the command centre's staff with the token scope `assets:read`. Its path, URL name and operation id are the
# map's own: the id is the one the endpoint was published with while the map's router served it.


@map_router.get("/components", response={200: dict, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
                url_name="command_components", operation_id="cityops_command_api_components",
                summary="Components in a bbox (close zooms only)")
def components(request: AuthedRequest, bbox: str, zoom: int = Query(..., ge=0, le=MAX_ZOOM)) -> Any:
    """The component census (部件) inside `bbox` at zoom ≥ 17; an empty collection with `zoom_in` further out."""
    require_token_scope(request.auth, "assets:read")
    require_centre_staff(request.auth)
    return selectors.component_layer(user=request.auth, bbox=parse_bbox(bbox), zoom=check_zoom(zoom))
