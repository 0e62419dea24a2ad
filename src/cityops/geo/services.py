"""Writes of the geo domain: region imports, edits, grid inspectors. Each one audited, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import shapely
import shapely.errors
import shapely.validation
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cityops.core.audit import audit_log
from cityops.core.errors import InvalidInput
from cityops.core.permissions import Role, require_role, require_token_scope
from cityops.geo.geometry import from_wkb, region_geometry_fields
from cityops.geo.importers import RegionFeature
from cityops.geo.locate import invalidate_index
from cityops.geo.models import CODE_LENGTH, Level, Region, RegionSetVersion

if TYPE_CHECKING:
    from cityops.core.typing import Actor, User


def region_set_changed() -> int:
    """Bump the region-set version (所有进程重建定位索引) after any change to regions; returns the new version."""
    now = timezone.now()
    # A conditional UPDATE, not read-modify-write: two concurrent imports each get their own increment.
    updated = RegionSetVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now)
    if not updated:
        RegionSetVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
    invalidate_index()
    transaction.on_commit(invalidate_index)
    return RegionSetVersion.objects.values_list("version", flat=True).get(pk=1)


# --- region import -------------------------------------------------------------------------------------------

MAX_REPORTED_PROBLEMS = 100
_PARENT_LEVEL: dict[str, str] = {Level.DISTRICT: Level.CITY, Level.STREET: Level.DISTRICT, Level.COMMUNITY: Level.STREET,
                 Level.GRID: Level.COMMUNITY}
_POLYGON_TYPES = {"Polygon", "MultiPolygon"}

T = TypeVar("T")
Progress = Callable[[Iterable[T], int, str], Iterable[T]]


def _no_progress(items: Iterable[T], total: int, desc: str) -> Iterable[T]:
    return items


@dataclass
class ImportReport:
    """What an import did: counts and the codes created or changed."""

    level: str
    total: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    version: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def counts(self) -> dict:
        return {"level": self.level, "total": self.total, "created": len(self.created),
                "updated": len(self.updated), "unchanged": self.unchanged}


@dataclass
class _Candidate:
    index: int
    code: str
    name: str
    name_en: str
    parent_code: str
    geom: BaseGeometry
    properties: dict


class _Problems:
    """Problems collected over the whole file, reported together (the first MAX_REPORTED_PROBLEMS in full)."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.count = 0

    def add(self, index: int | None, code: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_REPORTED_PROBLEMS:
            where = _("feature %(i)s") % {"i": index} if index is not None else _("file")
            label = f"{where} ({code})" if code else where
            self.items.append({"index": index, "code": code, "message": f"{label}: {message}"})

    def error(self) -> InvalidInput:
        more = self.count - len(self.items)
        summary = ngettext("%(n)s problem found", "%(n)s problems found", self.count) % {"n": self.count}
        text = _("Import refused, nothing was written: %(summary)s.") % {"summary": summary}
        if more:
            text += " " + _("Only the first %(shown)s are listed.") % {"shown": len(self.items)}
        return InvalidInput(f"{text}\n" + "\n".join(p["message"] for p in self.items), field="file",
                            details=self.items)


def regions_import(*, level: str, features: Sequence[RegionFeature], actor: Actor, source: str = "",
                   progress: Progress | None = None) -> ImportReport:
    """Import (导入) the regions of one level: all or nothing, updating existing regions in place by code."""
    _require_edit_rights(actor)
    if level not in Level.values:
        raise InvalidInput(_("Unknown level %(level)r; use one of: %(levels)s.") % {
            "level": level, "levels": ", ".join(Level.values)}, field="level")
    progress = progress or _no_progress
    problems = _Problems()
    candidates = _check_features(level, features, problems, progress)
    candidates = _drop_duplicates(candidates, problems)
    parents = _resolve_parents(level, candidates, problems)
    existing = _check_existing(level, candidates, parents, problems)
    _check_containment(candidates, parents, problems)
    _check_overlaps(level, candidates, problems)
    if problems.count:
        raise problems.error()
    with transaction.atomic():
        report = _write(level, candidates, parents, existing, progress)
        report.total = len(features)
        if report.changed:
            report.version = region_set_changed()
        audit_log(actor=actor, action="geo.regions.imported", object_type="geo.region", object_id=level,
                  data={**report.counts(), "source": source, "version": report.version,
                        "created_codes": report.created[:200], "updated_codes": report.updated[:200]})
    return report


def _check_features(level: str, features: Sequence[RegionFeature], problems: _Problems,
                    progress: Progress) -> list[_Candidate]:
    candidates = []
    for feature in progress(features, len(features), _("checking")):
        found = list(feature.problems) + _code_problems(level, feature) + _name_problems(feature)
        geom, geom_problems = _geometry(feature.geometry)
        for message in found + geom_problems:
            problems.add(feature.index, feature.code, message)
        if not found and not geom_problems and geom is not None:  # a geometry without problems
            candidates.append(_Candidate(feature.index, feature.code, feature.name, feature.name_en,
                                         feature.parent_code or _derived_parent_code(level, feature.code), geom,
                                         feature.properties))
    return candidates


def _code_problems(level: str, feature: RegionFeature) -> list[str]:
    code, length = feature.code, CODE_LENGTH[level]
    if not code:
        return [_("no code")]
    found = []
    if not code.isascii() or not code.isdigit():
        found.append(_("code %(code)r must be digits only") % {"code": code})
    if len(code) != length:
        found.append(_("a %(level)s code has %(n)s digits, %(code)r has %(m)s") % {
            "level": level, "n": length, "code": code, "m": len(code)})
    parent = feature.parent_code
    if parent and level in _PARENT_LEVEL and not code.startswith(_shared_prefix(level, parent)):
        found.append(_("code %(code)r does not start with its parent's code %(parent)r") % {
            "code": code, "parent": _shared_prefix(level, parent)})
    if level == Level.CITY and parent:
        found.append(_("a city has no parent region"))
    return found


def _shared_prefix(level: str, parent_code: str) -> str:
    # GB/T 2260: a district (510104) shares the first four digits with its city (510100); below the
    # district every code starts with the whole parent code.
    return parent_code[:4] if level == Level.DISTRICT else parent_code


def _derived_parent_code(level: str, code: str) -> str:
    if level == Level.CITY:
        return ""
    if level == Level.DISTRICT:
        return f"{code[:4]}00"
    return code[: CODE_LENGTH[_PARENT_LEVEL[level]]]


def _name_problems(feature: RegionFeature) -> list[str]:
    if not feature.name:
        return [_("no name")]
    found = []
    if len(feature.name) > 100:
        found.append(_("name longer than 100 characters"))
    if len(feature.name_en) > 150:
        found.append(_("English name longer than 150 characters"))
    return found


def _geometry(data: dict | None) -> tuple[BaseGeometry | None, list[str]]:
    if not data:
        return None, [_("no geometry")]
    kind = data.get("type")
    if kind not in _POLYGON_TYPES:
        return None, [_("geometry must be a Polygon or MultiPolygon, found %(kind)r") % {"kind": kind}]
    try:
        geom = shapely.force_2d(shape(data))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        return None, [_("malformed %(kind)s coordinates (%(error)s)") % {"kind": kind, "error": exc}]
    if geom.is_empty:
        return None, [_("empty geometry")]
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        return None, [_("coordinates out of longitude/latitude range (bounds %(b)s); the file must be in "
                        "WGS84 lon/lat") % {"b": ", ".join(f"{v:g}" for v in geom.bounds)}]
    if not geom.is_valid:
        return None, [_("invalid polygon: %(why)s") % {"why": shapely.validation.explain_validity(geom)}]
    return geom, []


def _drop_duplicates(candidates: list[_Candidate], problems: _Problems) -> list[_Candidate]:
    first_index: dict[str, int] = {}
    kept = []
    for candidate in candidates:
        if candidate.code in first_index:
            problems.add(candidate.index, candidate.code, _("duplicate code, already used by feature %(i)s")
                         % {"i": first_index[candidate.code]})
            continue
        first_index[candidate.code] = candidate.index
        kept.append(candidate)
    return kept


def _regions_by_code(codes: Iterable[str]) -> dict[str, Region]:
    codes = sorted(set(codes))
    found: dict[str, Region] = {}
    # Chunked: SQLite limits the number of parameters in one query.
    for start in range(0, len(codes), 500):
        for region in Region.objects.filter(code__in=codes[start:start + 500]):
            found[region.code] = region
    return found


def _resolve_parents(level: str, candidates: list[_Candidate], problems: _Problems) -> dict[str, Region]:
    if level == Level.CITY:
        return {}
    parents = _regions_by_code(c.parent_code for c in candidates)
    expected = _PARENT_LEVEL[level]
    for candidate in candidates:
        parent = parents.get(candidate.parent_code)
        if parent is None:
            problems.add(candidate.index, candidate.code, _("unknown parent %(level)s %(parent)r; import the "
                         "level above first") % {"level": expected, "parent": candidate.parent_code})
        elif parent.level != expected:
            problems.add(candidate.index, candidate.code, _("parent %(parent)r is a %(found)s, not a %(level)s")
                         % {"parent": parent.code, "found": parent.level, "level": expected})
    return parents


def _check_existing(level: str, candidates: list[_Candidate], parents: dict[str, Region],
                    problems: _Problems) -> dict[str, Region]:
    existing = _regions_by_code(c.code for c in candidates)
    for candidate in candidates:
        region = existing.get(candidate.code)
        if region is None:
            continue
        parent = parents.get(candidate.parent_code)
        if region.level != level:
            problems.add(candidate.index, candidate.code, _("the code is already used by a %(level)s")
                         % {"level": region.level})
        elif parent is not None and region.parent_id != parent.id:
            # Moving a region would change the paths (and scopes) of everything below it: not an import's job.
            problems.add(candidate.index, candidate.code, _("already exists under another parent; an import "
                         "cannot move a region"))
    return existing


def _check_containment(candidates: list[_Candidate], parents: dict[str, Region], problems: _Problems) -> None:
    tolerance = settings.CITYOPS_GEO_CONTAINMENT_TOLERANCE
    parent_geoms = {code: from_wkb(region.geom_wkb) for code, region in parents.items()}
    for geom in parent_geoms.values():
        shapely.prepare(geom)
    checked = [c for c in candidates if c.parent_code in parent_geoms]
    if not checked:
        return
    geoms = np.array([c.geom for c in checked])
    outer = np.array([parent_geoms[c.parent_code] for c in checked])
    # Cheap covers() first (prepared parents); measure the area outside only for the few that fail it.
    for i in np.flatnonzero(~shapely.covers(outer, geoms)):
        candidate = checked[i]
        share = shapely.difference(candidate.geom, outer[i]).area / candidate.geom.area
        if share > tolerance:
            problems.add(candidate.index, candidate.code, _("%(share).1f%% of it lies outside its parent "
                         "%(parent)s (tolerance %(tol).1f%%)") % {"share": share * 100, "parent": candidate.parent_code,
                                                                  "tol": tolerance * 100})


def _check_overlaps(level: str, candidates: list[_Candidate], problems: _Problems) -> None:
    """Refuse polygons of one level covering each other beyond the tolerance (an STRtree, not all pairs)."""
    if not candidates:
        return
    tolerance = settings.CITYOPS_GEO_OVERLAP_TOLERANCE
    geoms = np.array([c.geom for c in candidates])
    labels: list[tuple[int | None, str]] = [(c.index, c.code) for c in candidates]
    for code, geom in _other_regions(level, candidates, shapely.total_bounds(geoms)):
        labels.append((None, code))
        geoms = np.append(geoms, geom)
    n = len(candidates)
    left, right = shapely.STRtree(geoms).query(geoms[:n], predicate="intersects")
    # Each pair once: file-vs-file with left < right, file-vs-stored always.
    keep = (left < right) | (right >= n)
    left, right = left[keep], right[keep]
    interiors = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[interiors], right[interiors]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    for a, b, share in zip(left, right, shared / smaller, strict=True):
        if share > tolerance:
            index, code = labels[a]
            other = labels[b][1] if b >= n else _("%(code)s (feature %(i)s)") % {"code": labels[b][1],
                                                                                 "i": labels[b][0]}
            problems.add(index, code, _("overlaps %(other)s by %(share).1f%% of the smaller polygon (tolerance "
                                        "%(tol).1f%%)") % {"other": other, "share": share * 100,
                                                           "tol": tolerance * 100})


def _other_regions(level: str, candidates: list[_Candidate], bounds: np.ndarray) -> Iterable[tuple[str, Any]]:
    """Stored regions of `level` near the file's extent that the file does not replace."""
    codes = {c.code for c in candidates}
    min_lon, min_lat, max_lon, max_lat = bounds.tolist()
    rows = Region.objects.filter(level=level, min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat,
                                 max_lat__gte=min_lat).values_list("code", "geom_wkb")
    for code, wkb in rows.iterator(chunk_size=2000):
        if code not in codes:
            yield code, from_wkb(wkb)


def _write(level: str, candidates: list[_Candidate], parents: dict[str, Region], existing: dict[str, Region],
           progress: Progress) -> ImportReport:
    report = ImportReport(level=level)
    to_create: list[Region] = []
    to_update: list[Region] = []
    now = timezone.now()
    for candidate in progress(candidates, len(candidates), _("writing")):
        parent = parents.get(candidate.parent_code)
        region = existing.get(candidate.code)
        if region is None:
            to_create.append(_new_region(level, candidate, parent, now))
            report.created.append(candidate.code)
        elif _apply_changes(region, candidate, now):
            to_update.append(region)
            report.updated.append(candidate.code)
        else:
            report.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=1000)
    Region.objects.bulk_update(to_update, _UPDATED_FIELDS, batch_size=500)
    return report


_UPDATED_FIELDS = ["name", "name_en", "properties", "geom_wkb", "min_lon", "min_lat", "max_lon", "max_lat",
                   "centroid_lon", "centroid_lat", "area_m2", "updated_at"]


def _new_region(level: str, candidate: _Candidate, parent: Region | None, now: Any) -> Region:
    # bulk_create skips Region.save(), so the materialised path is set here.
    path = f"{parent.path if parent else '/'}{candidate.code}/"
    return Region(level=level, code=candidate.code, name=candidate.name, name_en=candidate.name_en, parent=parent,
                  path=path, properties=candidate.properties, updated_at=now,
                  **region_geometry_fields(candidate.geom))


def _apply_changes(region: Region, candidate: _Candidate, now: Any) -> bool:
    """Copy the candidate's values onto the stored region; True when anything differed."""
    same_geom = shapely.equals_exact(from_wkb(region.geom_wkb), candidate.geom, tolerance=1e-9)
    same_attrs = (region.name, region.name_en, region.properties) == (
        candidate.name, candidate.name_en, candidate.properties)
    if same_geom and same_attrs:
        return False
    region.name, region.name_en, region.properties = candidate.name, candidate.name_en, candidate.properties
    if not same_geom:
        for key, value in region_geometry_fields(candidate.geom).items():
            setattr(region, key, value)
    region.updated_at = now
    return True


# --- edits -----------------------------------------------------------------------------------------------------

_EDITABLE_FIELDS = ("name", "name_en", "properties")


def region_update(*, region: Region, actor: Actor, **changes: Any) -> Region:
    """Rename a region or edit its other properties (name, name_en, properties); geometry comes by import."""
    _require_edit_rights(actor)
    unknown = set(changes) - set(_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be edited here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
                           field=sorted(unknown)[0])
    if not str(changes.get("name", region.name)).strip():
        raise InvalidInput(_("A region needs a name."), field="name")
    before = {key: getattr(region, key) for key in changes}
    diff = {key: [before[key], value] for key, value in changes.items() if before[key] != value}
    if not diff:
        return region
    with transaction.atomic():
        for key, value in changes.items():
            setattr(region, key, value)
        region.updated_at = timezone.now()
        region.save(update_fields=[*changes, "updated_at"])
        region_set_changed()
        audit_log(actor=actor, action="geo.region.updated", obj=region, data={"code": region.code, "changes": diff})
    return region


def grid_assign_inspectors(*, grid: Region, inspectors: Iterable[User], actor: Actor) -> Region:
    """Set the inspectors (监督员) responsible for a unit grid, replacing the previous ones."""
    _require_edit_rights(actor)
    if grid.level != Level.GRID:
        raise InvalidInput(_("Inspectors are assigned to unit grids, not to a %(level)s.") % {"level": grid.level},
                           field="grid")
    people = list(inspectors)
    for person in people:
        if not (person.is_active and person.has_role(Role.INSPECTOR)):
            raise InvalidInput(_("%(user)s is not an active inspector.") % {"user": person.get_username()},
                               field="inspectors")
    before = sorted(grid.inspectors.values_list("username", flat=True))
    after = sorted(person.get_username() for person in people)
    if before == after:
        return grid
    with transaction.atomic():
        grid.inspectors.set(people)
        audit_log(actor=actor, action="geo.grid.inspectors_assigned", obj=grid,
                  data={"code": grid.code, "before": before, "after": after})
    return grid


def _require_edit_rights(actor: Actor) -> None:
    # Commands pass a label (or None) as the actor; people must be administrators.
    if actor is None or isinstance(actor, str):
        return
    require_role(actor, Role.ADMIN)
    require_token_scope(actor, "geo:write")
