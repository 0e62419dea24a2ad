"""Reading component census files (CSV, GeoJSON) into labelled records for `components_import`.

Rows are labelled for error messages: CSV "row N" counts the header as row 1 (as a spreadsheet shows it);
GeoJSON "feature N" counts from 0 (as the features array does).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput

Record = tuple[str, dict[str, Any]]


def read_records(path: Path | str, *, fmt: str | None = None) -> list[Record]:
    """Records of a .csv or .geojson/.json file (`fmt` overrides the extension)."""
    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "geojson")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}, field="file") from exc
    if fmt == "csv":
        return csv_records(text)
    if fmt == "geojson":
        return geojson_records(text)
    raise InvalidInput(_("Unknown format %(fmt)r; use csv or geojson.") % {"fmt": fmt}, field="format")


def csv_records(text: str) -> list[Record]:
    """CSV rows keyed by their header (field names or GB abbreviations)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise InvalidInput(_("The CSV file is empty."), field="file")
    records = []
    for line, row in enumerate(reader, start=2):
        if None in row:  # more cells than header columns
            raise InvalidInput(_("row %(n)d has more cells than the header.") % {"n": line}, field="file")
        records.append((_("row %(n)d") % {"n": line}, dict(row)))
    return records


def geojson_records(text: str) -> list[Record]:
    """Features of a FeatureCollection: a Point gives lon/lat, other geometries the component's shape."""
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(_("The file is not valid JSON: %(error)s") % {"error": exc}, field="file") from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput(_("The file is not a GeoJSON FeatureCollection."), field="file")
    return [(_("feature %(n)d") % {"n": i}, _feature_record(feature)) for i, feature in
            enumerate(collection.get("features") or [])]


def _feature_record(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict):
        return {}
    record = dict(feature.get("properties") or {})
    geometry = feature.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        coords = geometry.get("coordinates") or [None, None]
        record["lon"], record["lat"] = (coords + [None, None])[:2]
    elif geometry is not None:
        record["shape"] = geometry
    return record
