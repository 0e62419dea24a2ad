"""Writes to the catalogue: import, local extensions, time limits and responsibility rules (all audited).

Local extension codes (地方扩展) must stay out of the ranges the standard uses or may grow into:
a code `MMmmm` is *standard-range* when its major MM is a standard major of its kind (components 01–05,
matters 01–10) and its minor mmm is below 500. A local class therefore uses a minor of 500–999 under a
standard major (e.g. matter 06501), or a major beyond the standard ones (components 06–99, matters 11–99).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.catalog.importing import (
    COMPONENTS_CSV,
    EVENTS_CSV,
    LoadResult,
    load_catalog,
    pinyin_initials,
    read_catalog_csv,
)
from cityops.catalog.models import (
    CatalogClass,
    ClassKind,
    MatterKind,
    ResponsibilityRule,
    Stage,
    TimeBasis,
    TimeLimit,
    Urgency,
)
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, InvalidInput
from cityops.core.permissions import require_role, require_token_scope

if TYPE_CHECKING:
    from cityops.core.typing import Actor

STANDARD_MAJORS = {ClassKind.COMPONENT: range(1, 6), ClassKind.MATTER: range(1, 11)}
LOCAL_MINOR_FROM = 500


def require_catalog_admin(actor: Actor) -> None:
    """Catalogue writes need the admin role (and catalog:write on a token); commands (a string actor) pass."""
    if actor is None or isinstance(actor, str):
        return
    require_token_scope(actor, "catalog:write")
    require_role(actor, "admin")


def is_standard_range(kind: str, code: str) -> bool:
    """Whether `code` lies in the range GB/T 47678.5 uses for `kind` (see the module docstring)."""
    major, minor = int(code[:2]), int(code[2:])
    return major in STANDARD_MAJORS[ClassKind(kind)] and minor < LOCAL_MINOR_FROM


@transaction.atomic
def catalog_import(
    *, components_path: Path | str | None = None, events_path: Path | str | None = None, actor: Actor
) -> LoadResult:
    """Import (or re-import) the component and matter CSVs; idempotent, updates in place."""
    require_catalog_admin(actor)
    rows = read_catalog_csv(components_path or COMPONENTS_CSV, kind=ClassKind.COMPONENT)
    rows += read_catalog_csv(events_path or EVENTS_CSV, kind=ClassKind.MATTER)
    result = load_catalog(CatalogClass, rows)
    audit_log(
        actor=actor,
        action="catalog.classes.imported",
        object_type="catalog.catalogclass",
        data={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result


@transaction.atomic
def catalog_class_add_local(
    *,
    kind: str,
    code: str,
    name: str,
    name_en: str = "",
    major_name: str = "",
    major_name_en: str = "",
    default_department_hint: str = "",
    register_conditions: str = "",
    close_conditions: str = "",
    actor: Actor,
) -> CatalogClass:
    """Add a local extension class (地方扩展类别) with a code outside the standard ranges."""
    require_catalog_admin(actor)
    kind = _parse_kind(kind)
    code = _parse_local_code(kind, code)
    name = _require_text(name, "name", 60)
    major_code = code[:2]
    major_name, major_name_en = _major_names(kind, major_code, major_name, major_name_en)
    matter_kind = MatterKind.NONE
    if kind == ClassKind.MATTER:
        # Matters under a component major (01–05) are abnormalities of components, as in the standard.
        matter_kind = MatterKind.COMPONENT_ABNORMALITY if int(major_code) <= 5 else MatterKind.EVENT
    catalog_class = CatalogClass(
        kind=kind, code=code, matter_kind=matter_kind, major_code=major_code, major_name=major_name,
        major_name_en=major_name_en, name=name, name_en=name_en.strip()[:160],
        pinyin_initials=pinyin_initials(name), is_local=True, source=_("Local extension"),
        default_department_hint=default_department_hint.strip()[:100],
        register_conditions=register_conditions.strip(), close_conditions=close_conditions.strip(),
    )
    try:
        with transaction.atomic():  # savepoint: a duplicate must not break the caller's transaction
            catalog_class.save()
    except IntegrityError as exc:
        raise Conflict(_("The class %(kind)s:%(code)s exists already.") % {"kind": kind, "code": code},
                       field="code") from exc
    audit_log(actor=actor, action="catalog.class.added", obj=catalog_class,
              data={"kind": kind, "code": code, "name": name, "name_en": catalog_class.name_en})
    return catalog_class


@transaction.atomic
def catalog_class_rename(*, catalog_class: CatalogClass, local_name: str, actor: Actor) -> CatalogClass:
    """Set (or clear, with "") the local name shown instead of the standard name."""
    require_catalog_admin(actor)
    local_name = (local_name or "").strip()
    if len(local_name) > 60:
        raise InvalidInput(_("The local name may have at most 60 characters."), field="local_name")
    before = catalog_class.local_name
    catalog_class.local_name = local_name
    catalog_class.pinyin_initials = pinyin_initials(catalog_class.name, local_name)
    catalog_class.save(update_fields=["local_name", "pinyin_initials"])
    audit_log(actor=actor, action="catalog.class.renamed", obj=catalog_class,
              data={"code": catalog_class.code, "from": before, "to": local_name})
    return catalog_class


@transaction.atomic
def catalog_class_retire(*, catalog_class: CatalogClass, actor: Actor) -> CatalogClass:
    """Retire a class: kept for the history of old cases, hidden from new reports."""
    require_catalog_admin(actor)
    if catalog_class.retired_at is None:
        catalog_class.retired_at = timezone.now()
        catalog_class.save(update_fields=["retired_at"])
        audit_log(actor=actor, action="catalog.class.retired", obj=catalog_class, data={"code": catalog_class.code})
    return catalog_class


@transaction.atomic
def catalog_class_restore(*, catalog_class: CatalogClass, actor: Actor) -> CatalogClass:
    """Bring a retired class back into the report forms."""
    require_catalog_admin(actor)
    if catalog_class.retired_at is not None:
        catalog_class.retired_at = None
        catalog_class.save(update_fields=["retired_at"])
        audit_log(actor=actor, action="catalog.class.restored", obj=catalog_class, data={"code": catalog_class.code})
    return catalog_class


@transaction.atomic
def time_limit_set(
    *, catalog_class: CatalogClass | None, urgency: Urgency, stage: str, minutes: int, basis: str = TimeBasis.WORKING,
    actor: Actor,
) -> TimeLimit:
    """Set the limit of one stage for (class or all classes, urgency), creating it when missing."""
    require_catalog_admin(actor)
    if stage not in Stage.values:
        raise InvalidInput(_("Unknown stage %(stage)r.") % {"stage": stage}, field="stage")
    if basis not in TimeBasis.values:
        raise InvalidInput(_("Unknown time basis %(basis)r.") % {"basis": basis}, field="basis")
    if not isinstance(minutes, int) or minutes <= 0:
        raise InvalidInput(_("A time limit is a positive number of minutes."), field="minutes")
    limit, created = TimeLimit.objects.update_or_create(
        catalog_class=catalog_class, urgency=urgency, stage=stage, defaults={"minutes": minutes, "basis": basis}
    )
    audit_log(actor=actor, action="catalog.time_limit.set", obj=limit,
              data={"class": catalog_class.code if catalog_class else None, "urgency": urgency.code,
                    "stage": stage, "minutes": minutes, "basis": basis, "created": created})
    return limit


@transaction.atomic
def responsibility_rule_set(
    *, catalog_class: CatalogClass | None, region: Any, department: Any, note: str = "", actor: Actor
) -> ResponsibilityRule:
    """Make `department` responsible for `catalog_class` (None = any class) in the `region` subtree."""
    require_catalog_admin(actor)
    if catalog_class is None:
        rule = ResponsibilityRule.objects.filter(catalog_class__isnull=True, region=region).first()
    else:
        rule = ResponsibilityRule.objects.filter(catalog_class=catalog_class, region=region).first()
    before = rule.department_id if rule else None
    rule = rule or ResponsibilityRule(catalog_class=catalog_class, region=region)
    rule.department, rule.note = department, note.strip()[:200]
    rule.save()
    audit_log(actor=actor, action="catalog.responsibility_rule.set", obj=rule,
              data={"class": catalog_class.code if catalog_class else None, "region": region.code,
                    "department": department.code, "previous_department_id": before})
    return rule


@transaction.atomic
def responsibility_rule_delete(*, rule: ResponsibilityRule, actor: Actor) -> None:
    """Remove a responsibility rule; the next less specific rule applies again."""
    require_catalog_admin(actor)
    audit_log(actor=actor, action="catalog.responsibility_rule.deleted", obj=rule,
              data={"class": rule.catalog_class.code if rule.catalog_class else None, "region": rule.region.code,
                    "department": rule.department.code})
    rule.delete()


def _parse_kind(kind: str) -> ClassKind:
    try:
        return ClassKind(kind)
    except ValueError:
        raise InvalidInput(_("The kind must be component or matter, got %(kind)r.") % {"kind": kind},
                           field="kind") from None


def _parse_local_code(kind: ClassKind, code: str) -> str:
    code = (code or "").strip()
    if not (len(code) == 5 and code.isascii() and code.isdigit()) or code.startswith("00"):
        raise InvalidInput(_("A class code is 5 digits MMmmm (2 major + 3 minor), got %(code)r.") % {"code": code},
                           field="code")
    if is_standard_range(kind, code):
        last_major = STANDARD_MAJORS[kind][-1]
        raise InvalidInput(
            _("%(code)s lies in the range of the national standard. Local classes use a minor code of 500–999 "
              "(e.g. %(major)s500) or a major code above %(last)02d.")
            % {"code": code, "major": code[:2], "last": last_major},
            field="code",
        )
    return code


def _major_names(kind: ClassKind, major_code: str, major_name: str, major_name_en: str) -> tuple[str, str]:
    """The given major names, or those of the existing classes under the same major."""
    major_name, major_name_en = (major_name or "").strip(), (major_name_en or "").strip()
    if not major_name:
        sibling = CatalogClass.objects.filter(kind=kind, major_code=major_code).order_by("is_local", "code").first()
        if sibling is None:
            raise InvalidInput(_("A new major class %(major)s needs a major class name.") % {"major": major_code},
                               field="major_name")
        major_name, major_name_en = sibling.major_name, major_name_en or sibling.major_name_en
    return major_name[:60], major_name_en[:120]


def _require_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("The %(field)s is required.") % {"field": field}, field=field)
    if len(value) > max_length:
        raise InvalidInput(_("The %(field)s may have at most %(n)d characters.") % {"field": field, "n": max_length},
                           field=field)
    return value
