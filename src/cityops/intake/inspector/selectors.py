"""Reads of the inspector app (城管通): my grids, my tasks, the class picker, components near a point."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import shapely
from django.db.models import Max, QuerySet
from shapely.geometry import mapping

from cityops.assets.selectors import component_summary, components_nearest
from cityops.cases.models import OPEN_STATES, Case, CaseState
from cityops.cases.queues import queue_q, with_console_relations
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.catalog.selectors import catalog_class_search, classes_for_report
from cityops.geo.models import Level, Region
from cityops.geo.selectors import region_feature_collection

if TYPE_CHECKING:
    from cityops.core.typing import User

RECENT_CLASSES = 5
NEARBY_CLASSES = 5
NEARBY_RADIUS_M = 500.0
PICKER_SIZE = 30
EARTH_RADIUS_M = 6_371_000.0
TASK_STATES = (CaseState.VERIFYING, CaseState.CHECKING)


def my_grids(*, user: User) -> dict:
    """The unit grids of the user's scope as GeoJSON, each marked `mine` when the user is its inspector."""
    collection = region_feature_collection(user=user, level=Level.GRID)
    mine = set(Region.objects.filter(inspectors=user, level=Level.GRID).values_list("code", flat=True))
    missing = mine - {feature["id"] for feature in collection["features"]}
    # Grids an inspector answers for count even outside the region scope (as in the work queue).
    for region in Region.objects.filter(code__in=missing).order_by("code"):
        collection["features"].append(_grid_feature(region))
    for feature in collection["features"]:
        feature["properties"]["mine"] = feature["id"] in mine
    return collection


def _grid_feature(region: Region) -> dict:
    geom = shapely.from_wkb(bytes(region.geom_wkb))
    return {"type": "Feature", "id": region.code, "geometry": mapping(geom),
            "properties": {"id": region.id, "code": region.code, "name": region.name, "name_en": region.name_en,
                           "level": region.level}}


def my_tasks(*, user: User) -> QuerySet[Case]:
    """Cases waiting for the user to verify (核实) or check (核查), earliest deadline first."""
    qs = Case.objects.filter(queue_q(user), state__in=TASK_STATES)
    return with_console_relations(qs).order_by("due_at", "id")


def my_task(*, user: User, number: str) -> Case | None:
    """One of the user's tasks by number, or None when it is not (or no longer) waiting for them."""
    return my_tasks(user=user).filter(number=number).first()


def class_choices(*, user: User, lon: float | None, lat: float | None, q: str = "") -> list[dict[str, Any]]:
    """Matter classes for the picker: the user's recent ones, then those of open cases nearby, then the rest."""
    candidates = catalog_class_search(q=q, kind=ClassKind.MATTER) if q.strip() else classes_for_report()
    recent = _recent_class_ids(user)
    nearby = _nearby_class_ids(lon, lat) if lon is not None and lat is not None else []
    ranked: list[tuple[str, CatalogClass]] = []
    matching = {c.id: c for c in candidates.filter(id__in=[*recent, *nearby])}
    for group, ids in (("recent", recent), ("nearby", nearby)):
        for class_id in ids:
            klass = matching.pop(class_id, None)
            if klass is not None:
                ranked.append((group, klass))
    taken = {k.id for _group, k in ranked}
    for klass in candidates.exclude(id__in=taken)[: max(PICKER_SIZE - len(ranked), 0)]:
        ranked.append(("search" if q.strip() else "all", klass))
    return [_class_row(group, klass) for group, klass in ranked]


def _class_row(group: str, klass: CatalogClass) -> dict[str, Any]:
    return {"ref": f"{klass.kind}:{klass.code}", "code": klass.code, "name": klass.display_name,
            "name_en": klass.name_en, "group": group}


def _recent_class_ids(user: User) -> list[int]:
    rows = (Case.objects.filter(reporter=user).values("catalog_class_id").annotate(last=Max("reported_at"))
            .order_by("-last")[:RECENT_CLASSES])
    return [row["catalog_class_id"] for row in rows]


def _nearby_class_ids(lon: float, lat: float) -> list[int]:
    """Classes of open cases around the point, the most frequent first (catalogue data, not case details)."""
    dlat = math.degrees(NEARBY_RADIUS_M / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    qs = Case.objects.filter(state__in=OPEN_STATES, lon__gte=lon - dlon, lon__lte=lon + dlon,
                             lat__gte=lat - dlat, lat__lte=lat + dlat)
    counts: dict[int, int] = {}
    for class_id in qs.values_list("catalog_class_id", flat=True)[:500]:
        counts[class_id] = counts.get(class_id, 0) + 1
    ordered = sorted(counts, key=lambda cid: (-counts[cid], cid))
    return ordered[:NEARBY_CLASSES]


def nearby_components(*, user: User, lon: float, lat: float) -> list[dict[str, Any]]:
    """Components around the point, closest first, for picking the one the report is about."""
    return [{**component_summary(c), "distance_m": round(d, 1)}
            for c, d in components_nearest(user=user, lon=lon, lat=lat, limit=10, radius_m=200.0)]
