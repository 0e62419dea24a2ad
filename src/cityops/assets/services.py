"""Writes to the component census (部件普查): create, import, status changes, photos (all audited)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.assets.codes import MAX_SEQUENCE, SEQUENCE_DIGITS, make_component_ident
from cityops.assets.images import validate_photo
from cityops.assets.models import Component, ComponentPhoto
from cityops.assets.validation import ComponentCleaner, parse_date, parse_status
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, Forbidden, InvalidInput
from cityops.core.permissions import require_role, require_token_scope, scope_paths
from cityops.core.uploads import EXTENSIONS, oversized_format, prepared_photo

if TYPE_CHECKING:
    from cityops.core.typing import Actor

# A concurrent creator may take the sequence we picked; retry with the next one this many times.
ALLOCATION_ATTEMPTS = 5


def require_census_writer(actor: Actor) -> None:
    """Census writes need the admin role, or an API token with assets:write; commands (a string) pass."""
    if actor is None or isinstance(actor, str):
        return
    if getattr(actor, "via_token", None) is not None:
        require_token_scope(actor, "assets:write")
        return
    require_role(actor, "admin")


def ensure_writable_path(actor: Actor, region_path: str) -> None:
    """Refuse (403) a write outside the actor's data scope (admins and commands write everywhere)."""
    if actor is None or isinstance(actor, str):
        return
    paths = scope_paths(actor)
    if paths is not None and not any(region_path.startswith(p) for p in paths):
        raise Forbidden(_("The location lies outside your data scope."))


def next_sequence(*, admin_code: str, class_code: str) -> int:
    """The sequence after the highest one used for (district, class)."""
    prefix = admin_code + class_code
    # A range over the unique index on ident (a LIKE prefix cannot use it under every PostgreSQL collation).
    highest = Component.objects.filter(
        ident__gte=prefix + "0" * SEQUENCE_DIGITS, ident__lte=prefix + "9" * SEQUENCE_DIGITS
    ).aggregate(top=Max("ident"))["top"]
    sequence = int(highest[-SEQUENCE_DIGITS:]) + 1 if highest else 1
    if sequence > MAX_SEQUENCE:
        raise Conflict(_("No free sequence left for class %(cls)s in %(district)s.")
                       % {"cls": class_code, "district": admin_code})
    return sequence


@transaction.atomic
def component_create(*, data: dict[str, Any], actor: Actor) -> Component:
    """Census one component; `data` uses model keys or GB abbreviations; the ident is allocated when absent."""
    require_census_writer(actor)
    values = ComponentCleaner().clean(data)
    ensure_writable_path(actor, values["region_path"])
    district_code = values.pop("_district_code")
    if values["ident"] is not None:
        if Component.objects.filter(ident=values["ident"]).exists():
            raise Conflict(_("The component %(ident)s exists already.") % {"ident": values["ident"]}, field="ident")
        component = _insert(Component(**values))
    else:
        component = _insert_with_new_ident(values, district_code)
    audit_log(actor=actor, action="assets.component.created", obj=component,
              data={"ident": component.ident, "class": component.catalog_class.code, "grid_id": component.grid_id})
    return component


def _insert(component: Component) -> Component:
    try:
        with transaction.atomic():  # savepoint: a duplicate ident must not poison the outer transaction
            component.save()
    except IntegrityError as exc:
        raise Conflict(_("The component %(ident)s exists already.") % {"ident": component.ident},
                       field="ident") from exc
    return component


def _insert_with_new_ident(values: dict[str, Any], district_code: str) -> Component:
    """Insert with the next free sequence of (district, class).

    The race: two requests read the same highest sequence and both try ident N+1. The unique index on
    ident lets exactly one insert win; the loser's savepoint rolls back and it retries with a fresh maximum.
    (On SQLite the IMMEDIATE transactions already serialise writers, so the retry only matters on PostgreSQL.)
    """
    class_code = values["catalog_class"].code
    for _attempt in range(ALLOCATION_ATTEMPTS):
        sequence = next_sequence(admin_code=district_code, class_code=class_code)
        component = Component(**{**values, "ident": make_component_ident(district_code, class_code, sequence)})
        try:
            with transaction.atomic():
                component.save()
            return component
        except IntegrityError:
            continue
    raise Conflict(_("Could not allocate an identifier under concurrent load; try again."))


@transaction.atomic
def component_update_status(
    *, component: Component, status: str, change_date: dt.date | str | None = None, remarks: str = "", actor: Actor
) -> Component:
    """Record a status change (完好/破损/丢失/废弃/移除) with its change date."""
    require_census_writer(actor)
    ensure_writable_path(actor, component.region_path)
    new_status = parse_status(status)
    date = parse_date(change_date, "change_date") if change_date else timezone.localdate()
    if date < component.survey_date:
        raise InvalidInput(_("The change date lies before the survey date %(date)s.") % {"date": component.survey_date},
                           field="change_date")
    before = component.status
    component.status, component.change_date, component.updated_at = new_status, date, timezone.now()
    fields = ["status", "change_date", "updated_at"]
    if remarks:
        component.remarks = remarks.strip()[:1000]
        fields.append("remarks")
    component.save(update_fields=fields)
    audit_log(actor=actor, action="assets.component.status_changed", obj=component,
              data={"ident": component.ident, "from": before, "to": new_status, "change_date": date.isoformat(),
                    "remarks": remarks})
    return component


@transaction.atomic
def component_photo_add(*, component: Component, upload: Any, caption: str = "", actor: Actor) -> ComponentPhoto:
    """Attach a photo after checking its content (JPEG/PNG/WebP, ≤ 10 MB), stored upright and downscaled."""
    require_census_writer(actor)
    ensure_writable_path(actor, component.region_path)
    image_format = validate_photo(upload)
    photo = ComponentPhoto(component=component, caption=(caption or "").strip()[:100])
    prepared = prepared_photo(upload, image_format, thumbnail_side=None)
    # Named by the content's format, not the uploaded name: the download's Content-Type follows the extension.
    photo.image.save(f"{component.ident}-{uuid.uuid4().hex[:12]}.{EXTENSIONS[image_format]}", prepared.image,
                     save=False)
    photo.save()
    audit_log(actor=actor, action="assets.component.photo_added", obj=component,
              data={"ident": component.ident, "photo_id": photo.pk, "file": photo.image.name})
    return photo


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    idents: list[str] = field(default_factory=list)


_UPDATABLE = [
    "catalog_class", "name", "lon", "lat", "shape_wkb", "grid", "region_path", "address", "supervising_dept_code",
    "supervising_dept_name", "owner_code", "owner_name", "maintainer_code", "maintainer_name", "owner_department",
    "status", "survey_date", "change_date", "data_source", "remarks", "attributes", "updated_at",
]


@transaction.atomic
def components_import(
    *, records: Iterable[tuple[str, dict[str, Any]]], source: str = "", actor: Actor
) -> ImportResult:
    """Import (label, record) pairs in one transaction: all rows or none; re-import updates by ident."""
    require_census_writer(actor)
    cleaned, errors = _clean_all(records, actor)
    if errors:
        first = errors[0]
        raise InvalidInput(
            _("%(n)d record(s) refused; %(where)s: %(message)s")
            % {"n": len(errors), "where": first["row"], "message": first["message"]},
            field=first.get("field") or "file",
            details=errors,
        )
    result = _upsert(cleaned)
    audit_log(actor=actor, action="assets.components.imported", object_type="assets.component",
              data={"source": source, "created": result.created, "updated": result.updated})
    return result


def _clean_all(records: Iterable[tuple[str, dict[str, Any]]], actor: Actor) -> tuple[list[dict], list[dict]]:
    cleaner = ComponentCleaner()
    cleaned: list[dict] = []
    errors: list[dict] = []
    seen: dict[str, str] = {}
    for label, raw in records:
        try:
            values = cleaner.clean(raw)
            ensure_writable_path(actor, values["region_path"])
        except (InvalidInput, Forbidden) as exc:
            errors.append({"row": label, "field": exc.field, "message": exc.message})
            continue
        ident = values["ident"]
        if ident is not None and ident in seen:
            errors.append({"row": label, "field": "ident", "message": _("ident %(ident)s repeats %(first)s")
                           % {"ident": ident, "first": seen[ident]}})
            continue
        if ident is not None:
            seen[ident] = label
        cleaned.append(values)
    return cleaned, errors


def _upsert(cleaned: list[dict]) -> ImportResult:
    existing = Component.objects.in_bulk([v["ident"] for v in cleaned if v["ident"]], field_name="ident")
    # Allocated sequences continue after the highest in the database *and* in the file, so a new ident
    # never collides with one another row of the same file states explicitly.
    in_file: dict[tuple[str, str], int] = {}
    for values in cleaned:
        if values["ident"]:
            key = (values["ident"][:6], values["ident"][6:11])
            in_file[key] = max(in_file.get(key, 1), int(values["ident"][11:]) + 1)
    counters: dict[tuple[str, str], int] = {}
    now = timezone.now()
    to_create, to_update = [], []
    for values in cleaned:
        district_code = values.pop("_district_code")
        values["updated_at"] = now
        if values["ident"] is None:
            key = (district_code, values["catalog_class"].code)
            if key not in counters:
                counters[key] = max(in_file.get(key, 1), next_sequence(admin_code=key[0], class_code=key[1]))
            values["ident"] = make_component_ident(key[0], key[1], counters[key])
            counters[key] += 1
        current = existing.get(values["ident"])
        if current is None:
            to_create.append(Component(**values))
            continue
        for name, value in values.items():
            setattr(current, name, value)
        to_update.append(current)
    try:
        with transaction.atomic():
            Component.objects.bulk_create(to_create, batch_size=500)
    except IntegrityError as exc:  # a concurrent import took an allocated ident: refuse, nothing written
        raise Conflict(_("Another import changed the same components; run the import again.")) from exc
    Component.objects.bulk_update(to_update, _UPDATABLE, batch_size=500)
    return ImportResult(created=len(to_create), updated=len(to_update),
                        idents=[c.ident for c in to_create + to_update])


def component_photos_shrink(*, actor: Actor) -> int:
    """Store again, downscaled, the component photos larger than `CITYOPS_PHOTO_MAX_EDGE`; returns how many."""
    shrunk = 0
    for photo in ComponentPhoto.objects.select_related("component").order_by("pk").iterator(chunk_size=200):
        image_format = oversized_format(photo.image)
        if image_format is None:
            continue
        with photo.image.open("rb") as source:
            prepared = prepared_photo(source, image_format, thumbnail_side=None)
        old = photo.image.name
        photo.image.save(f"{photo.component.ident}-{uuid.uuid4().hex[:12]}.{EXTENSIONS[image_format]}",
                         prepared.image, save=False)
        photo.save(update_fields=["image"])
        photo.image.storage.delete(old)
        shrunk += 1
    if shrunk:
        audit_log(actor=actor, action="assets.component.photos_shrunk", data={"photos": shrunk})
    return shrunk
