"""Reads of the command one map (指挥一张图), always scoped to the viewer: clustered open cases, region load,
inspectors' positions and tracks, the live feed and today's headline numbers.

Clustering happens in the database: each open case is snapped to a square cell of about `CELL_PX` screen pixels
at the requested zoom (`floor(lon / cell)`, `floor(lat / cell)`), and one GROUP BY returns a row per cell with
its count, mean position, overdue count and per-state counts. Nothing is precomputed and no column is added to
cases, so the counts are always those of the moment, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.filters import CaseFilters, case_filter_q
from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CaseStageClock, CaseState
from cityops.cases.scope import case_scope_q
from cityops.catalog.models import Stage
from cityops.core.errors import InvalidInput
from cityops.core.permissions import require_centre_staff
from cityops.geo.models import Level
from cityops.geo.selectors import BBox, region_feature_collection
from cityops.geo.viewport import check_viewport, check_zoom, degrees_per_pixel

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

# Open states in workflow order (for breakdowns and the state filter).
MAP_STATES = [s for s in CaseState.values if s in OPEN_STATES]

CELL_PX = 64  # a cluster cell is about this many screen pixels wide
POINT_ZOOM = 17  # from this zoom on, individual cases are returned when there are not too many
FEW = 3  # a cell with at most this many cases is returned as its cases, not as a cluster
MAX_POINTS = 2000
FEED_EVENTS = ("case.reported", "case.overdue")
FEED_LIMIT = 50
# Region level drawn by load at each zoom: districts far out, unit grids close in.
LOAD_LEVELS = ((15, Level.GRID), (13, Level.COMMUNITY), (11, Level.STREET), (0, Level.DISTRICT))
LEVEL_FIELD: dict[str, str] = {Level.GRID: "grid", Level.COMMUNITY: "community", Level.STREET: "street", Level.DISTRICT: "district"}


# --- filters -----------------------------------------------------------------------------------------------------


def map_filters(params: Mapping[str, Any]) -> CaseFilters:
    """The map's filters from request parameters (class, state, region, department, source, from, to, overdue).

    `state` may only name open states: the map shows what is still to be done. Empty values are ignored.
    """
    states = _values(params, "state")
    for state in states:
        if state not in MAP_STATES:
            raise InvalidInput(_("state must be an open state: %(states)s.") % {"states": ", ".join(MAP_STATES)},
                               field="state")
    return CaseFilters(
        states=states, catalog_class=_text(params, "class"), region=_text(params, "region"),
        department=_text(params, "department"), source=_text(params, "source"),
        reported_from=_text(params, "from"), reported_to=_text(params, "to"),
        overdue=True if _flag(params, "overdue") else None,
    )


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    raw = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
    if isinstance(raw, str):
        raw = [raw]
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or not str(value).strip():
        return None
    if "\x00" in str(value):  # PostgreSQL refuses NUL in text: a 500 if it reached the database
        raise InvalidInput(_("%(name)s must not contain NUL characters.") % {"name": name}, field=name)
    # A datalist pick reads "06010 暴露垃圾": keep the code.
    return str(value).strip().split(" ", 1)[0] if name == "class" else str(value).strip()


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = str(params.get(name) or "").strip().lower()
    if value not in {"", "1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise InvalidInput(_("%(name)s must be true or false.") % {"name": name}, field=name)
    return value in {"1", "true", "yes", "on"}


def open_cases(*, user: AnyUser, filters: CaseFilters) -> QuerySet[Case]:
    """The open cases `user` may see that match `filters` (the map's population)."""
    qs = Case.objects.filter(case_scope_q(user), case_filter_q(filters))
    if not filters.states:
        qs = qs.filter(state__in=MAP_STATES)
    return qs


def _in_bbox(qs: QuerySet[Case], bbox: BBox) -> QuerySet[Case]:
    min_lon, min_lat, max_lon, max_lat = bbox
    return qs.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)


# --- clusters ------------------------------------------------------------------------------------------------


def cell_size(zoom: int, mid_lat: float) -> tuple[float, float]:
    """(lon, lat) degrees of a cluster cell at `zoom`: about CELL_PX pixels square on a web map at `mid_lat`.

    The latitude is rounded to a whole degree so the cells do not shift while the user pans north and south.
    """
    width = CELL_PX * degrees_per_pixel(zoom)
    return width, width * math.cos(math.radians(round(mid_lat)))


def case_clusters(*, user: AnyUser, bbox: BBox, zoom: int, filters: CaseFilters) -> dict[str, Any]:
    """Open cases in `bbox` for the map at `zoom`: clusters per cell, or the cases themselves where few.

    Points alone at zoom ≥ POINT_ZOOM when at most MAX_POINTS cases are in view; otherwise one cluster per
    non-empty cell, except that cells holding at most FEW cases are returned as their cases.
    """
    require_centre_staff(user)
    zoom = check_zoom(zoom)
    check_viewport(bbox, zoom)
    qs = _in_bbox(open_cases(user=user, filters=filters), bbox)
    if zoom >= POINT_ZOOM:
        rows = list(_point_rows(qs)[: MAX_POINTS + 1])
        if len(rows) <= MAX_POINTS:
            points = [_point(row) for row in rows]
            return _answer(zoom, None, clusters=[], points=points)
    width, height = cell_size(zoom, (bbox[1] + bbox[3]) / 2)
    cells = _cells(qs, width, height)
    clusters, point_ids = _split(cells)
    points = [_point(row) for row in _point_rows(Case.objects.filter(pk__in=point_ids))]
    return _answer(zoom, (width, height), clusters=clusters, points=points)


def _cells(qs: QuerySet[Case], width: float, height: float) -> list[dict[str, Any]]:
    """One row per non-empty cell (GROUP BY the snapped cell), with counts, mean position and extent."""
    per_state = {f"n_{state}": Count("id", filter=Q(state=state)) for state in MAP_STATES}
    return list(
        qs.annotate(cx=Floor(F("lon") / width), cy=Floor(F("lat") / height))
        .values("cx", "cy")
        .annotate(
            n=Count("id"), overdue=Count("id", filter=Q(is_overdue=True)), mean_lon=Avg("lon"), mean_lat=Avg("lat"),
            min_lon=Min("lon"), max_lon=Max("lon"), min_lat=Min("lat"), max_lat=Max("lat"),
            # With at most three cases in a cell, min, max and sum of their ids name all of them
            # (the middle one is sum − min − max), so small cells become points without a second scan.
            lo=Min("id"), hi=Max("id"), id_sum=Sum("id"), **per_state,
        )
        .order_by()
    )


def _split(cells: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """Cells of FEW cases or fewer become the ids of their cases (up to MAX_POINTS), the rest clusters."""
    clusters: list[dict[str, Any]] = []
    ids: list[int] = []
    for cell in sorted(cells, key=lambda c: (c["n"], c["cx"], c["cy"])):
        if cell["n"] <= FEW and len(ids) + cell["n"] <= MAX_POINTS:
            ids.extend(_ids_of(cell))
        else:
            clusters.append(_cluster(cell))
    clusters.sort(key=lambda c: (-c["count"], c["lon"], c["lat"]))
    return clusters, ids


def _ids_of(cell: dict[str, Any]) -> list[int]:
    lo, hi, n = cell["lo"], cell["hi"], cell["n"]
    if n == 1:
        return [lo]
    if n == 2:
        return [lo, hi]
    return [lo, int(cell["id_sum"]) - lo - hi, hi]


def _cluster(cell: dict[str, Any]) -> dict[str, Any]:
    states = {state: cell[f"n_{state}"] for state in MAP_STATES if cell[f"n_{state}"]}
    dominant = max(states.items(), key=lambda item: (item[1], -MAP_STATES.index(item[0])))[0] if states else None
    return {
        "count": cell["n"], "overdue": cell["overdue"], "lon": round(cell["mean_lon"], 6),
        "lat": round(cell["mean_lat"], 6),
        "bbox": [cell["min_lon"], cell["min_lat"], cell["max_lon"], cell["max_lat"]],
        "states": states, "dominant_state": dominant,
    }


def _point_rows(qs: QuerySet[Case]) -> QuerySet:
    return qs.order_by("id").values(
        "id", "number", "lon", "lat", "state", "is_overdue", "is_urged", "kind",
        "catalog_class__code", "catalog_class__name", "catalog_class__local_name",
    )


def _point(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": row["number"], "lon": row["lon"], "lat": row["lat"], "state": row["state"],
        "state_label": str(CaseState(row["state"]).label), "overdue": row["is_overdue"], "urged": row["is_urged"],
        "class": {"kind": row["kind"], "code": row["catalog_class__code"],
                  "name": row["catalog_class__local_name"] or row["catalog_class__name"]},
    }


def _answer(zoom: int, cell: tuple[float, float] | None, *, clusters: list[dict[str, Any]],
            points: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum(c["count"] for c in clusters) + len(points)
    overdue = sum(c["overdue"] for c in clusters) + sum(1 for p in points if p["overdue"])
    return {
        "zoom": zoom, "mode": "points" if cell is None else "clusters",
        "cell": list(cell) if cell else None, "total": total, "overdue": overdue,
        "clusters": clusters, "points": points,
    }


# --- load per region (choropleth) ----------------------------------------------------------------------------


def load_level(zoom: int) -> str:
    """The region level whose load the map colours at `zoom`."""
    return next(level for min_zoom, level in LOAD_LEVELS if zoom >= min_zoom)


def region_load(*, user: AnyUser, bbox: BBox, zoom: int, filters: CaseFilters, level: str | None = None) -> dict:
    """Regions of `level` (by zoom when omitted) in `bbox` as GeoJSON, each with its open and overdue counts."""
    require_centre_staff(user)
    zoom = check_zoom(zoom)
    check_viewport(bbox, zoom)
    level = level or load_level(zoom)
    if level not in LEVEL_FIELD:
        raise InvalidInput(_("level must be one of: %(levels)s.") % {"levels": ", ".join(LEVEL_FIELD)},
                           field="level")
    collection = region_feature_collection(user=user, level=level, bbox=bbox, zoom=zoom)
    ids = [feature["properties"]["id"] for feature in collection["features"]]
    field = LEVEL_FIELD[level]
    counts = {
        row[field]: row for row in open_cases(user=user, filters=filters).filter(**{f"{field}__in": ids})
        .values(field).annotate(open=Count("id"), overdue=Count("id", filter=Q(is_overdue=True))).order_by()
    }
    for feature in collection["features"]:
        row = counts.get(feature["properties"]["id"], {})
        feature["properties"].update({"open": row.get("open", 0), "overdue": row.get("overdue", 0)})
    collection["level"] = level
    collection["max_open"] = max((f["properties"]["open"] for f in collection["features"]), default=0)
    collection["max_overdue"] = max((f["properties"]["overdue"] for f in collection["features"]), default=0)
    return collection


def scope_outline(*, user: AnyUser) -> dict:
    """The districts of the viewer's scope (the map's orientation without a basemap), lightly simplified."""
    collection = region_feature_collection(user=user, level=Level.DISTRICT, zoom=13)
    if not collection["features"]:  # a street- or community-scoped user: their own region's level
        region = getattr(user, "scope_region", None)
        if region is not None:
            collection = region_feature_collection(user=user, level=region.level, zoom=15)
    return collection


# --- live feed and headline ----------------------------------------------------------------------------------


def case_feed(*, user: AnyUser, filters: CaseFilters, after: int | None = None, limit: int = FEED_LIMIT) -> dict:
    """New (case.reported) and overdue (case.overdue) events of visible matching cases, newest first.

    Without `after`, the latest `limit` events; with it, only events with a larger id (the poll's cursor).
    `cursor` is the largest id seen, to pass back as `after`.
    """
    require_centre_staff(user)
    if after is not None and int(after) < 0:
        raise InvalidInput(_("after must be an event id (0 or more)."), field="after")
    cases = Case.objects.filter(case_scope_q(user), case_filter_q(filters))
    events = CaseEvent.objects.filter(action__in=FEED_EVENTS, case__in=cases)
    if after is not None:
        events = events.filter(id__gt=int(after))
    rows = list(
        events.select_related("case", "case__catalog_class", "case__grid").order_by("-id")[:limit]
    )
    cursor = max([e.pk for e in rows], default=int(after or 0)) or _last_event_id()
    return {"events": [_feed_row(e) for e in rows], "cursor": cursor}


def _last_event_id() -> int:
    """The newest event id overall: a first poll that found nothing starts after it, not from zero."""
    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _feed_row(event: CaseEvent) -> dict[str, Any]:
    case = event.case
    return {
        "id": event.pk, "at": event.at, "kind": "overdue" if event.action == "case.overdue" else "new",
        "number": case.number, "state": case.state, "state_label": str(case.get_state_display()),
        "class_name": case.catalog_class.display_name, "grid": case.grid.name if case.grid_id else "",
        "address": case.address, "lon": case.lon, "lat": case.lat, "overdue": case.is_overdue,
    }


HEADLINE_EVENTS = {
    "reported": ("case.reported",),
    "registered": ("case.registered",),
    "dispatched": ("case.dispatched",),
    # A self-handled report is closed at once (自处理): it counts as closed today too.
    "closed": ("case.closed", "case.self_handled"),
}


def headline(*, user: AnyUser, filters: CaseFilters, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's numbers (Asia/Shanghai day): cases reported, registered, dispatched, closed; on-time rate; overdue now.

    Each "today" count is the number of distinct visible cases with such an event today (a case dispatched twice
    after a return counts once). Every filter but `state` and `overdue` applies to them; all apply to overdue now.
    """
    require_centre_staff(user)
    now = now or timezone.now()
    start = timezone.make_aware(dt.datetime.combine(timezone.localtime(now).date(), dt.time.min))
    flows = replace(filters, states=(), overdue=None)
    # The case conditions go through the event's join to its case (not `case__in=<subquery>`), so the database
    # starts from today's events (the `at` index) and looks each case up by key, whatever the scope's size.
    today = CaseEvent.objects.filter(_on_case(case_scope_q(user) & case_filter_q(flows)), at__gte=start, at__lte=now)
    per_action = dict(
        today.filter(action__in=[a for actions in HEADLINE_EVENTS.values() for a in actions])
        .values("action").annotate(n=Count("case", distinct=True)).values_list("action", "n").order_by()
    )
    # An event kind never happens twice to one case under two names (closed vs self-handled), so sums are exact.
    counts = {name: sum(per_action.get(a, 0) for a in actions) for name, actions in HEADLINE_EVENTS.items()}
    closed = per_action.get("case.closed", 0)
    late = _late_closings(today.filter(action="case.closed"))
    overdue_now = open_cases(user=user, filters=filters).filter(is_overdue=True).count()
    return {
        **counts, "day": timezone.localtime(start).date().isoformat(), "closed_checked": closed,
        "closed_on_time": closed - late,
        "on_time_rate": round(100.0 * (closed - late) / closed, 1) if closed else None,
        "overdue_now": overdue_now, "at": now,
    }


def _on_case(q: Q) -> Q:
    """`q`, written for Case, rewritten for a model with a `case` foreign key (every lookup prefixed `case__`)."""
    moved = Q()
    moved.connector, moved.negated = q.connector, q.negated
    moved.children = [_on_case(child) if isinstance(child, Q) else (f"case__{child[0]}", child[1])
                      for child in q.children]
    return moved


def _late_closings(closings: QuerySet[CaseEvent]) -> int:
    """How many cases of `closings` had a 处置 (handle) round or the 结案 (close) stage finish after its deadline."""
    late = CaseStageClock.objects.filter(stage__in=[Stage.HANDLE, Stage.CLOSE], on_time=False)
    return closings.filter(case__in=late.values("case")).values("case").distinct().count()
