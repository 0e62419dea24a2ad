"""Who may see which case: the region subtree of the user's scope, or the cases of their department subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from cityops.core.errors import NotFound
from cityops.core.permissions import is_platform_admin
from cityops.org.models import Department


def case_scope_q(user: Any) -> Q:
    """A filter keeping the cases `user` may see (admins: all; nobody without a scope: none)."""
    if is_platform_admin(user):
        return Q()
    q = Q(pk__in=[])
    region = getattr(user, "scope_region", None)
    if region is not None:
        q |= Q(region_path__startswith=region.path)
    department = getattr(user, "scope_department", None)
    if department is not None:
        # A department sees the cases it (or a sub-unit) is responsible for or handles, wherever they are.
        # By ids of the subtree (a few dozen), not a join on the path: the planner estimates an id list well and
        # can walk an ordered index, where a joined LIKE made the overdue list sort thousands of rows.
        subtree = list(Department.objects.filter(path__startswith=department.path).values_list("pk", flat=True))
        q |= Q(department_id__in=subtree) | Q(handling_unit_id__in=subtree)
    return q


def ensure_case_visible(user: Any, case: Any) -> None:
    """Raise NotFound (404) when `case` lies outside the user's scope."""
    from cityops.cases.models import Case

    if not Case.objects.filter(case_scope_q(user), pk=case.pk).exists():
        raise NotFound("Case not found.")
