"""HTTP API of the command one map (指挥一张图): thin, every read scoped to the caller (`command.selectors`).

All endpoints are for the command centre's staff (leader, shift leader, dispatcher, acceptor, admin; 403 for
others) and need the token scope `cases:read`. The map's other layers are served by their own apps under the same
prefix: the inspectors by `tracking.api`, the components by `assets.api`. The map filters are the same query
parameters everywhere: `class`, `state` (open states only, repeat or comma-separate), `region`, `department`,
`source`, `from`, `to` (reported since / until, ISO dates in Asia/Shanghai) and `overdue` (true: overdue only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Query, Router, Schema

from cityops.command import selectors
from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_centre_staff, require_token_scope
from cityops.geo.selectors import parse_bbox
from cityops.geo.viewport import MAX_ZOOM, check_zoom

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MapFilterQuery(Schema):
    """The map's filters (documented here; parsed by `command.selectors.map_filters`)."""

    catalog_class: str | None = Field(None, alias="class", description='"matter:06010" or a bare code.')
    state: list[str] | None = Field(None, description="Open states only; repeat the parameter or comma-separate.")
    region: str | None = Field(None, description="Region code of any level: the cases inside it.")
    department: str | None = Field(None, description="Department code: its cases and its sub-units'.")
    source: str | None = Field(None, description="Report channel (inspector, citizen, hotline, …).")
    reported_from: str | None = Field(None, alias="from", description="Reported since (ISO date or date-time).")
    reported_to: str | None = Field(None, alias="to", description="Reported until (ISO date, inclusive).")
    overdue: Literal["true", "false"] | None = Field(None, description="true: overdue cases only.")


def _caller(request: AuthedRequest) -> Any:
    require_token_scope(request.auth, "cases:read")
    require_centre_staff(request.auth)
    return request.auth


@router.get("/clusters", response={200: dict, **ERRORS}, url_name="command_clusters",
            summary="Open cases in a bbox, clustered for a zoom")
def clusters(request: AuthedRequest, bbox: str, filters: Query[MapFilterQuery],
             zoom: int = Query(..., ge=0, le=MAX_ZOOM)) -> Any:
    """Clusters of open cases per map cell (count, mean position, overdue count, counts per state, dominant
    state) and individual cases where a cell holds three or fewer, or at zoom ≥ 17 when at most 2,000 are in
    view. `bbox` is minlon,minlat,maxlon,maxlat (WGS84), at most 4,096 screen pixels across at `zoom` (0–20)."""
    user = _caller(request)
    return selectors.case_clusters(user=user, bbox=parse_bbox(bbox), zoom=check_zoom(zoom),
                                   filters=selectors.map_filters(request.GET))


@router.get("/load", response={200: dict, **ERRORS}, url_name="command_load",
            summary="Open and overdue counts per region in a bbox, as GeoJSON")
def load(request: AuthedRequest, bbox: str, filters: Query[MapFilterQuery],
         zoom: int = Query(..., ge=0, le=MAX_ZOOM), level: str | None = None) -> Any:
    """Regions of `level` (grid, community, street, district; by zoom when omitted: districts below 11, streets
    to 12, communities to 14, grids from 15) in `bbox`, simplified for `zoom`, each with `open` and `overdue`."""
    user = _caller(request)
    return selectors.region_load(user=user, bbox=parse_bbox(bbox), zoom=check_zoom(zoom),
                                 filters=selectors.map_filters(request.GET), level=level)


@router.get("/feed", response={200: dict, **ERRORS}, url_name="command_feed",
            summary="New and overdue cases since a cursor")
def feed(request: AuthedRequest, filters: Query[MapFilterQuery],
         after: int | None = Query(None, ge=0, le=2**62, description="`cursor` of the previous answer.")) -> Any:
    """`case.reported` and `case.overdue` events of matching cases, newest first; pass `cursor` back as `after`."""
    user = _caller(request)
    return selectors.case_feed(user=user, filters=selectors.map_filters(request.GET), after=after)


@router.get("/headline", response={200: dict, **ERRORS}, url_name="command_headline",
            summary="Today's headline numbers")
def headline(request: AuthedRequest, filters: Query[MapFilterQuery]) -> Any:
    """Cases reported, registered, dispatched and closed today (Asia/Shanghai), the on-time rate of today's
    closings and the open cases overdue now (see docs/command.md for the definitions)."""
    user = _caller(request)
    return selectors.headline(user=user, filters=selectors.map_filters(request.GET))
