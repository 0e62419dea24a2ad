"""GeoReport v2 bodies in JSON and XML (ElementTree), and the spec's error list."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, list):
        # GeoReport XML wraps list items in the singular: <attributes><attribute>, <values><value>.
        child_tag = tag[:-1] if tag.endswith("s") else "item"
        for item in value:
            child = ET.SubElement(el, child_tag)
            if isinstance(item, dict):
                _fill(child, item)
            else:
                child.text = _text(item)
    elif isinstance(value, dict):
        _fill(el, value)
    else:
        el.text = _text(value)


def _fill(el: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        _append(el, key, value)


def to_xml(root_tag: str, item_tag: str | None, data: Any) -> bytes:
    """A list under `<root><item>…` (or one dict directly under `<root>` when item_tag is None)."""
    root = ET.Element(root_tag)
    if item_tag is None:
        _fill(root, data)
    else:
        for item in data:
            _fill(ET.SubElement(root, item_tag), item)
    # bytes for every encoding but "unicode" (the stubs say Any for a named one)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def respond(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    """Render `data` as JSON (as is) or XML (under `root`/`item`)."""
    if fmt == "xml":
        body = to_xml(root, item, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error list: `[{"code": 400, "description": "…"}]` or `<errors><error><code>…`."""
    fmt = fmt if fmt in FORMATS else "json"
    return respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
