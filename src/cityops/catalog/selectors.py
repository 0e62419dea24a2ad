"""Reads of the catalogue: search, report choices, time-limit policies and responsibility rules.

The catalogue is national reference data, the same for every user: these reads are not region-scoped
(the API still checks the token scope `catalog:read`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cityops.catalog.models import CatalogClass, ClassKind, ResponsibilityRule, Stage, TimeLimit, Urgency
from cityops.core.errors import InvalidInput, NotFound


def catalog_class_search(
    *, q: str = "", kind: str | None = None, major: str | None = None, include_retired: bool = False
) -> QuerySet[CatalogClass]:
    """Classes matching `q` by code prefix, Chinese name (standard or local), English name or pinyin initials."""
    qs = CatalogClass.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if major:
        qs = qs.filter(major_code=major)
    if not include_retired:
        qs = qs.filter(retired_at__isnull=True)
    q = (q or "").strip()
    if q:
        match = Q(code__startswith=q) | Q(name__icontains=q) | Q(local_name__icontains=q) | Q(name_en__icontains=q)
        if q.isascii() and q.isalnum():
            # Initials of the standard and the local name are stored space-separated ("bllj ljd").
            initials = q.lower()
            match |= Q(pinyin_initials__startswith=initials) | Q(pinyin_initials__contains=f" {initials}")
        qs = qs.filter(match)
    return qs.order_by("kind", "code")


def classes_for_report(*, kind: str = ClassKind.MATTER) -> QuerySet[CatalogClass]:
    """The classes a new report may use: never the retired ones."""
    return CatalogClass.objects.filter(kind=kind, retired_at__isnull=True).order_by("code")


def catalog_class_get(*, kind: str, code: str) -> CatalogClass:
    """One class by (kind, code), or NotFound."""
    found = CatalogClass.objects.filter(kind=kind, code=code).first()
    if found is None:
        raise NotFound(_("No %(kind)s class with code %(code)s.") % {"kind": kind, "code": code})
    return found


def catalog_class_from_ref(ref: str, *, default_kind: str = ClassKind.MATTER, field: str = "class") -> CatalogClass:
    """Resolve "KIND:CODE" (e.g. "matter:06010") or a bare "CODE" (of `default_kind`)."""
    kind, _sep, code = (ref or "").strip().rpartition(":")
    kind = kind or default_kind
    if kind not in ClassKind.values:
        raise InvalidInput(_("The class kind must be component or matter, got %(kind)r.") % {"kind": kind}, field=field)
    if not (len(code) == 5 and code.isdigit()):
        raise InvalidInput(_("A class code is 5 digits, got %(code)r.") % {"code": code}, field=field)
    return catalog_class_get(kind=kind, code=code)


def urgency_list() -> QuerySet[Urgency]:
    """Urgency levels, most urgent first."""
    return Urgency.objects.order_by("rank")


def default_urgency() -> Urgency:
    """The urgency new reports get unless told otherwise (一般)."""
    urgency = Urgency.objects.filter(is_default=True).order_by("rank").first() or Urgency.objects.order_by("-rank").first()
    if urgency is None:
        raise NotFound(_("No urgency levels are configured."))
    return urgency


def time_limit_for(*, catalog_class: CatalogClass | None, urgency: Urgency, stage: str) -> TimeLimit:
    """The limit of `stage` for (class, urgency): the class's own row beats the all-classes default."""
    rows = list(
        TimeLimit.objects.filter(urgency=urgency, stage=stage).filter(_class_or_default(catalog_class))
    )
    rows.sort(key=lambda row: row.catalog_class_id is None)  # class-specific first
    if not rows:
        raise NotFound(_("No time limit is configured for stage %(stage)s at urgency %(urgency)s.")
                       % {"stage": stage, "urgency": urgency.name})
    return rows[0]


def policy_for(*, catalog_class: CatalogClass | None, urgency: Urgency) -> dict[Stage, tuple[int, str]]:
    """Every configured stage's (minutes, basis) for (class, urgency), in one query."""
    policy: dict[Stage, tuple[int, str]] = {}
    specific: set[str] = set()
    for row in TimeLimit.objects.filter(urgency=urgency).filter(_class_or_default(catalog_class)):
        if row.catalog_class_id is None and row.stage in specific:
            continue
        if row.catalog_class_id is not None:
            specific.add(row.stage)
        policy[Stage(row.stage)] = (row.minutes, row.basis)
    return {stage: policy[stage] for stage in Stage if stage in policy}


def time_limits_of(catalog_class: CatalogClass) -> list[dict[str, Any]]:
    """The effective limits of a class for every urgency and stage, marking its own overrides."""
    rows = TimeLimit.objects.filter(_class_or_default(catalog_class)).select_related("urgency")
    effective: dict[tuple[int, str], TimeLimit] = {}
    for row in rows:
        key = (row.urgency_id, row.stage)
        if key not in effective or row.catalog_class_id is not None:
            effective[key] = row
    order = {stage: i for i, stage in enumerate(Stage.values)}
    ordered = sorted(effective.values(), key=lambda r: (r.urgency.rank, order[r.stage]))
    return [
        {"urgency": r.urgency.code, "urgency_name": r.urgency.name, "stage": r.stage, "minutes": r.minutes,
         "basis": r.basis, "class_specific": r.catalog_class_id is not None}
        for r in ordered
    ]


@dataclass(frozen=True)
class RuleMatch:
    """The department a class is routed to in a region, the rule that decided it and why."""

    department: Any
    rule: ResponsibilityRule
    reason: str


def responsible_department(*, catalog_class: CatalogClass | None, region: Any) -> RuleMatch | None:
    """The most specific rule for (class, region): deepest region first, then class-specific over any-class."""
    best = best_responsibility_rule(catalog_class=catalog_class, path=region.path)
    return rule_match(best, region) if best is not None else None


def best_responsibility_rule(*, catalog_class: CatalogClass | None, path: str) -> ResponsibilityRule | None:
    """The rule `responsible_department` picks for the region at `path` (with its department, region and class)."""
    class_q = Q(catalog_class__isnull=True)
    if catalog_class is not None:
        class_q |= Q(catalog_class=catalog_class)
    # One query over the region's ancestor paths; at most 2 rules per ancestor can match.
    rules = list(
        ResponsibilityRule.objects.filter(class_q, region__path__in=ancestor_paths(path), department__is_active=True)
        .select_related("department", "region", "catalog_class").defer("region__geom_wkb")
    )
    if not rules:
        return None
    return max(rules, key=lambda r: (len(r.region.path), r.catalog_class_id is not None))


def rule_match(rule: ResponsibilityRule, region: Any) -> RuleMatch:
    """The match of `rule` for `region` (anything with id and name), with the reason in the active language."""
    return RuleMatch(department=rule.department, rule=rule, reason=_reason(rule, region))


def _reason(rule: ResponsibilityRule, region: Any) -> str:
    what = (
        _("class %(code)s %(name)s") % {"code": rule.catalog_class.code, "name": rule.catalog_class.display_name}
        if rule.catalog_class
        else _("any class")
    )
    where = rule.region.name if rule.region_id == region.id else _("%(region)s (which contains %(place)s)") % {
        "region": rule.region.name, "place": region.name}
    return _("Rule for %(what)s in %(where)s → %(department)s") % {
        "what": what, "where": where, "department": rule.department.name}


def ancestor_paths(path: str) -> list[str]:
    """"/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"]."""
    codes = [part for part in path.split("/") if part]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def _class_or_default(catalog_class: CatalogClass | None) -> Q:
    q = Q(catalog_class__isnull=True)
    return q | Q(catalog_class=catalog_class) if catalog_class is not None else q
