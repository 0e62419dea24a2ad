"""A web map's view: the zoom and the box a screen of the one map shows, checked before anything is counted in it."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput
from cityops.geo.selectors import BBox

MAX_ZOOM = 20
TILE_PX = 256
MAX_VIEW_PX = (
    4096  # a bbox wider or taller than this many pixels at its zoom is refused (bounds the cell count)
)


def check_zoom(zoom: Any) -> int:
    """`zoom` as an int in 0…MAX_ZOOM, or InvalidInput naming `zoom`."""
    try:
        value = int(zoom)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= MAX_ZOOM or str(zoom).strip() != str(value):  # "012" or "+12" are not zooms either
        raise InvalidInput(
            _("zoom must be a whole number between 0 and %(max)d.") % {"max": MAX_ZOOM}, field="zoom"
        )
    return value


def check_viewport(bbox: BBox, zoom: int) -> None:
    """Refuse (422, `bbox`) a box larger than MAX_VIEW_PX screen pixels at `zoom`: it would mean too many cells."""
    min_lon, min_lat, max_lon, max_lat = bbox
    limit = MAX_VIEW_PX * degrees_per_pixel(zoom)
    if max_lon - min_lon > limit or _mercator_span(min_lat, max_lat) > limit:
        raise InvalidInput(
            _(
                "bbox is too large for zoom %(zoom)d: at most %(deg).4f° across. Zoom out or send a smaller box."
            )
            % {"zoom": zoom, "deg": limit},
            field="bbox",
        )
    if max_lon <= min_lon or max_lat <= min_lat:
        raise InvalidInput(_("bbox must have minlon < maxlon and minlat < maxlat."), field="bbox")


def degrees_per_pixel(zoom: int) -> float:
    """Degrees of longitude per screen pixel at `zoom` (256-pixel web-map tiles)."""
    return 360.0 / (TILE_PX * 2.0**zoom)


def _mercator_span(min_lat: float, max_lat: float) -> float:
    """The north-south extent in "longitude degrees" as a web map draws it (pixels × degrees per pixel)."""

    def y(lat: float) -> float:
        lat = max(min(lat, 85.0511), -85.0511)
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

    return y(max_lat) - y(min_lat)
