"""Turning one raw component record (API body, CSV row, GeoJSON feature) into checked model values.

Keys may be our field names or the GB/T 47678.5 abbreviations (GLBJBSM, GLBJMC, ZGBMDM, …). The cleaner
caches classes, departments and grid paths so an import of many rows costs few queries.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape as geojson_shape

from cityops.assets.codes import make_component_ident, validate_component_ident
from cityops.assets.models import ComponentStatus
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.core.errors import InvalidInput
from cityops.geo.geometry import to_wkb
from cityops.geo.locate import locate, to_wgs84
from cityops.geo.models import Region
from cityops.org.models import Department

# GB/T 47678.5 abbreviation → our key (a model field, or an entry of `attributes`).
GB_ABBREVIATIONS = {
    "GLBJBSM": "ident",
    "GLBJMC": "name",
    "ZGBMDM": "supervising_dept_code",
    "ZGBMMC": "supervising_dept_name",
    "QSDWDM": "owner_code",
    "QSDWMC": "owner_name",
    "YHDWDM": "maintainer_code",
    "YHDWMC": "maintainer_name",
    "SZDYWGBSM": "grid_code",
    "GLBJZT": "status",
    "CSRQ": "survey_date",
    "BGRQ": "change_date",
    "SJLY": "data_source",
    "BZ": "remarks",
    "SZJDDM": "street_code",
    "SZJDMC": "street_name",
    "SZSQDM": "community_code",
    "SZSQMC": "community_name",
}
OTHER_ALIASES = {"longitude": "lon", "latitude": "lat", "class_code": "class", "catalog_class": "class"}
# Text fields with their maximum lengths (the standard's lengths where it gives them).
TEXT_FIELDS = {
    "name": 30, "address": 200, "supervising_dept_code": 18, "supervising_dept_name": 100, "owner_code": 18,
    "owner_name": 100, "maintainer_code": 18, "maintainer_name": 100, "data_source": 30, "remarks": 1000,
}
ATTRIBUTE_FIELDS = {"street_code": 9, "street_name": 50, "community_code": 12, "community_name": 50}

_STATUS_WORDS = {
    **{s.value: s.value for s in ComponentStatus},
    "完好": ComponentStatus.INTACT, "破损": ComponentStatus.DAMAGED, "丢失": ComponentStatus.LOST,
    "废弃": ComponentStatus.ABANDONED, "移除": ComponentStatus.REMOVED,
}


def normalise_keys(raw: dict[str, Any]) -> dict[str, Any]:
    """Map GB abbreviations and aliases to our keys; strip strings; drop empty values."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key is None:
            continue
        name = key.strip()
        name = GB_ABBREVIATIONS.get(name.upper(), OTHER_ALIASES.get(name.lower(), name))
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None):
            continue
        out[name] = value
    return out


def parse_status(value: Any) -> str:
    """A status from its code (intact) or Chinese word (完好)."""
    status = _STATUS_WORDS.get(str(value).strip().lower()) or _STATUS_WORDS.get(str(value).strip())
    if status is None:
        raise InvalidInput(
            _("Unknown status %(value)r; use one of 完好/破损/丢失/废弃/移除 or %(codes)s.")
            % {"value": value, "codes": "/".join(ComponentStatus.values)},
            field="status",
        )
    return str(status)


def parse_date(value: Any, field: str) -> dt.date:
    """A date from YYYYMMDD or YYYY-MM-DD."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(_("%(field)s must be a date YYYYMMDD or YYYY-MM-DD, got %(value)r.")
                       % {"field": field, "value": value}, field=field)


@dataclass
class ComponentCleaner:
    """Checks records against the catalogue, the service area and the identifier rules."""

    classes: dict[str, CatalogClass | None] = field(default_factory=dict)
    departments: dict[str, Any] = field(default_factory=dict)
    grid_paths: dict[int, str] = field(default_factory=dict)

    def clean(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Model values for one record; `ident` is None when it must be allocated. Raises InvalidInput."""
        data = normalise_keys(raw)
        catalog_class = self._class(data)
        lon, lat, shape_wkb = self._position(data)
        location = self._locate(lon, lat)
        if data.get("grid_code") and str(data["grid_code"]) != location.grid.code:
            raise InvalidInput(
                _("The grid %(given)s given does not contain the point, which lies in grid %(found)s.")
                % {"given": data["grid_code"], "found": location.grid.code},
                field="grid_code",
            )
        district_code = location.district.code if location.district else location.grid.code[:6]
        values: dict[str, Any] = {
            "ident": self._ident(data.get("ident"), district_code, catalog_class),
            "catalog_class": catalog_class,
            "lon": lon,
            "lat": lat,
            "shape_wkb": shape_wkb,
            "grid_id": location.grid.id,
            "region_path": self._grid_path(location.grid.id),
            "status": parse_status(data["status"]) if "status" in data else ComponentStatus.INTACT,
            "survey_date": parse_date(data["survey_date"], "survey_date")
            if "survey_date" in data else timezone.localdate(),
            "change_date": parse_date(data["change_date"], "change_date") if "change_date" in data else None,
            "owner_department": self._department(data.get("owner_department")),
            "attributes": {k: _text(data, k, n) for k, n in ATTRIBUTE_FIELDS.items() if k in data},
        }
        values.update({k: _text(data, k, n) for k, n in TEXT_FIELDS.items()})
        values["_district_code"] = district_code
        return values

    def _class(self, data: dict[str, Any]) -> CatalogClass:
        ref = str(data.get("class") or "")
        if not ref and data.get("ident"):
            ref = str(data["ident"])[6:11]  # the class code inside the identifier
        if not ref:
            raise InvalidInput(_("The component class is missing (class or GLBJBSM)."), field="class")
        kind, _sep, code = ref.rpartition(":")
        if kind and kind != ClassKind.COMPONENT:
            raise InvalidInput(_("%(ref)s is not a component class.") % {"ref": ref}, field="class")
        if code not in self.classes:
            self.classes[code] = CatalogClass.objects.filter(kind=ClassKind.COMPONENT, code=code).first()
        found = self.classes[code]
        if found is None:
            raise InvalidInput(_("Unknown component class %(code)r.") % {"code": code}, field="class")
        if found.is_retired:
            raise InvalidInput(_("The component class %(code)s is retired.") % {"code": code}, field="class")
        return found

    def _position(self, data: dict[str, Any]) -> tuple[float, float, bytes | None]:
        shape_wkb = None
        geometry = data.get("shape")
        if geometry is not None:
            geom = _shape(geometry)
            shape_wkb = to_wkb(geom)
            if "lon" not in data or "lat" not in data:
                point = geom.representative_point()
                data = {**data, "lon": point.x, "lat": point.y}
        if "lon" not in data or "lat" not in data:
            raise InvalidInput(_("The location is missing (lon and lat)."), field="lon")
        lon, lat = to_wgs84(data["lon"], data["lat"])
        return lon, lat, shape_wkb

    def _locate(self, lon: float, lat: float) -> Any:
        location = locate(lon, lat)
        if location is None or location.grid is None:
            raise InvalidInput(
                _("The point (%(lon)s, %(lat)s) lies outside the service area.") % {"lon": lon, "lat": lat},
                field="lon",
            )
        return location

    def _grid_path(self, grid_id: int) -> str:
        if grid_id not in self.grid_paths:
            self.grid_paths[grid_id] = Region.objects.values_list("path", flat=True).get(pk=grid_id)
        return self.grid_paths[grid_id]

    def _ident(self, ident: Any, district_code: str, catalog_class: CatalogClass) -> str | None:
        if ident is None:
            return None
        admin_code, class_code, sequence = validate_component_ident(str(ident))
        if class_code != catalog_class.code:
            raise InvalidInput(
                _("The identifier %(ident)s holds class %(found)s, not %(cls)s.")
                % {"ident": ident, "found": class_code, "cls": catalog_class.code},
                field="ident",
            )
        if admin_code != district_code:
            raise InvalidInput(
                _("The identifier %(ident)s starts with %(found)s, but the point lies in district %(district)s.")
                % {"ident": ident, "found": admin_code, "district": district_code},
                field="ident",
            )
        return make_component_ident(admin_code, class_code, sequence)

    def _department(self, code: Any) -> Any:
        if code is None:
            return None
        code = str(code)
        if code not in self.departments:
            self.departments[code] = Department.objects.filter(code=code).first()
        if self.departments[code] is None:
            raise InvalidInput(_("Unknown department %(code)r.") % {"code": code}, field="owner_department")
        return self.departments[code]


def _text(data: dict[str, Any], key: str, max_length: int) -> str:
    value = str(data.get(key, ""))
    if len(value) > max_length:
        raise InvalidInput(_("%(field)s may have at most %(n)d characters.") % {"field": key, "n": max_length},
                           field=key)
    return value


def _shape(geometry: Any) -> Any:
    try:
        mapping = json.loads(geometry) if isinstance(geometry, str) else geometry
        geom = geojson_shape(mapping)
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException) as exc:
        raise InvalidInput(_("The shape is not a GeoJSON geometry: %(error)s") % {"error": exc}, field="shape") from exc
    if geom.is_empty or not geom.is_valid:
        raise InvalidInput(_("The shape is empty or invalid."), field="shape")
    return geom
