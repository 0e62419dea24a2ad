"""Readers turning region files (GeoJSON, ESRI Shapefile) into plain features for `regions_import`.

Readers only parse: a file that cannot be read as a whole is refused at once (InvalidInput naming `file`);
problems of single features travel with the feature, so the import reports all of them together.
Feature indexes are 0-based positions in the file (`features[i]` in GeoJSON, record i in a Shapefile).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapefile
from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput

GEOJSON_SUFFIXES = {".geojson", ".json"}
SHAPEFILE_SUFFIXES = {".shp"}


@dataclass(frozen=True)
class FieldMap:
    """Which attribute of a feature holds each region field."""

    code: str = "code"
    name: str = "name"
    parent: str = "parent_code"
    name_en: str = "name_en"


@dataclass(frozen=True)
class RegionFeature:
    """One region as read from a file: its attributes, its GeoJSON geometry and any problem found reading it."""

    index: int
    code: str = ""
    name: str = ""
    name_en: str = ""
    parent_code: str = ""
    geometry: dict | None = None
    properties: dict = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def read_region_file(path: str | Path, *, fields: FieldMap = FieldMap(), encoding: str | None = None
                     ) -> list[RegionFeature]:
    """Read a `.geojson`/`.json` FeatureCollection or an ESRI `.shp` (with its .dbf) into features."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidInput(_("File not found: %(path)s") % {"path": path}, field="file")
    if suffix in GEOJSON_SUFFIXES:
        return read_geojson(path.read_bytes(), fields=fields)
    if suffix in SHAPEFILE_SUFFIXES:
        return read_shapefile(path, fields=fields, encoding=encoding)
    raise InvalidInput(
        _("Unsupported file type %(suffix)r: use a GeoJSON (.geojson, .json) or Shapefile (.shp).")
        % {"suffix": suffix}, field="file")


def read_geojson(data: bytes | str, *, fields: FieldMap = FieldMap()) -> list[RegionFeature]:
    """Parse a GeoJSON FeatureCollection (RFC 7946, WGS84 lon/lat)."""
    try:
        doc = json.loads(data)
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text, so it cannot be GeoJSON."), field="file") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(_("The file is not valid JSON: %(error)s (line %(line)s, column %(col)s).") % {
            "error": exc.msg, "line": exc.lineno, "col": exc.colno}, field="file") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InvalidInput(_("The file must be a GeoJSON FeatureCollection, found %(found)r.") % {"found": found},
                           field="file")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput(_("The FeatureCollection has no \"features\" list."), field="file")
    return [_geojson_feature(i, raw, fields) for i, raw in enumerate(features)]


def _geojson_feature(index: int, raw: Any, fields: FieldMap) -> RegionFeature:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        return RegionFeature(index=index, problems=(_("not a GeoJSON Feature object"),))
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        return RegionFeature(index=index, problems=(_("\"properties\" is not an object"),))
    geometry = raw.get("geometry")
    problems = () if geometry is None or isinstance(geometry, dict) else (_("\"geometry\" is not an object"),)
    return _feature(index, properties, geometry if not problems else None, fields, problems)


def read_shapefile(path: str | Path, *, fields: FieldMap = FieldMap(), encoding: str | None = None
                   ) -> list[RegionFeature]:
    """Read a polygon Shapefile in WGS84 lon/lat; text attributes in `encoding`, else .cpg/UTF-8, then GBK."""
    path = Path(path)
    _refuse_projected(path)
    # None lets pyshp honour a .cpg file (default UTF-8); Chinese GIS tools often write GBK without one.
    for attempt in [encoding] if encoding else [None, "gbk"]:
        try:
            return _read_shapefile(path, fields, attempt)
        except _UndecodableText:
            continue
    tried = encoding or "UTF-8, GBK"
    raise InvalidInput(_("Cannot decode the Shapefile's text attributes as %(enc)s; pass --encoding.")
                       % {"enc": tried}, field="encoding")


class _UndecodableText(Exception):
    pass


def _read_shapefile(path: Path, fields: FieldMap, encoding: str | None) -> list[RegionFeature]:
    try:
        reader = shapefile.Reader(str(path), encoding=encoding) if encoding else shapefile.Reader(str(path))
        with reader:
            return [
                _feature(i, item.record.as_dict(), _shape_geometry(item.shape), fields, ())
                for i, item in enumerate(reader.iterShapeRecords())
            ]
    except LookupError:
        raise InvalidInput(_("Unknown text encoding %(enc)r.") % {"enc": encoding}, field="encoding") from None
    except (UnicodeDecodeError, shapefile.dbfFileException):
        raise _UndecodableText from None
    except (OSError, ValueError, struct.error, shapefile.ShapefileException) as exc:
        raise InvalidInput(_("Cannot read the Shapefile: %(error)s") % {"error": exc}, field="file") from None


def _shape_geometry(shape: Any) -> dict | None:
    if shape.shapeType == shapefile.NULL:
        return None
    geometry: dict = shape.__geo_interface__
    return geometry


def _refuse_projected(path: Path) -> None:
    prj = path.with_suffix(".prj")
    if not prj.exists():
        return
    text = prj.read_text(errors="replace").lstrip().upper()
    # A projected CRS (metres) cannot be stored as lon/lat without a reprojection we do not do here.
    if text.startswith(("PROJCS", "PROJCRS")):
        raise InvalidInput(_("The Shapefile uses a projected coordinate system (%(prj)s); reproject it to "
                             "WGS84 / CGCS2000 longitude-latitude first.") % {"prj": prj.name}, field="file")


def _feature(index: int, attrs: dict, geometry: dict | None, fields: FieldMap,
             problems: tuple[str, ...]) -> RegionFeature:
    mapped = {fields.code, fields.name, fields.parent, fields.name_en}
    return RegionFeature(
        index=index,
        code=_text(attrs.get(fields.code)),
        name=_text(attrs.get(fields.name)),
        name_en=_text(attrs.get(fields.name_en)),
        parent_code=_text(attrs.get(fields.parent)),
        geometry=geometry,
        properties={k: _jsonable(v) for k, v in attrs.items() if k not in mapped},
        problems=problems,
    )


def _text(value: Any) -> str:
    """An attribute as stripped text; numeric codes (510104 or 510104.0 in a .dbf) become digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.date | dt.datetime | decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
