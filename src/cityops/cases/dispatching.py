"""Automatic dispatch (机器派单): which department a case should go to, and why.

The proposal is shown to the dispatcher, who confirms or overrides it. Classes flagged `auto_dispatch` in the
catalogue skip the dispatcher: registering such a case dispatches it to the proposal at once (`case_register`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cityops.catalog import cache as policy_cache
from cityops.catalog.models import CatalogClass, ResponsibilityRule
from cityops.catalog.selectors import rule_match


@dataclass(frozen=True)
class Proposal:
    """A proposed responsible department, the reason shown to the dispatcher, and the rule that decided it."""

    department: Any
    reason: str
    rule: ResponsibilityRule | None = None


def propose_department(*, case: Any, region: Any = None) -> Proposal | None:
    """The department a case should go to: its component's owner first, then the most specific rule, else None.

    `region` is the case's grid when the caller already holds it (anything with id, name and path, such as the
    locate index's reference), which spares reading the grid row.
    """
    return _component_owner(case) or _rule_for(case, region if region is not None else case.grid)


def auto_dispatch_enabled(catalog_class: CatalogClass | None) -> bool:
    """Whether registered cases of this class are dispatched without a dispatcher (catalogue flag)."""
    return bool(catalog_class is not None and catalog_class.auto_dispatch)


def _component_owner(case: Any) -> Proposal | None:
    component = case.component
    # The owner knows the asset and must repair it whatever the area rules say (部件权属单位负责).
    if component is None or component.owner_department is None or not component.owner_department.is_active:
        return None
    department = component.owner_department
    reason = _("Component %(ident)s is owned by %(department)s (部件权属单位)") % {
        "ident": component.ident, "department": department.name}
    return Proposal(department=department, reason=reason)


def _rule_for(case: Any, region: Any) -> Proposal | None:
    # The process's copy of the rules (catalog.cache): the same pick as `responsible_department`, no query per case.
    rule = policy_cache.responsibility_rule(catalog_class=case.catalog_class, path=region.path)
    if rule is None:
        return None
    match = rule_match(rule, region)
    return Proposal(department=match.department, reason=match.reason, rule=match.rule)
