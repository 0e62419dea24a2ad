"""Who may see which case: the region subtree of the user's scope, or the cases of their department subtree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from cityops.cases.models import Case
from cityops.core.errors import NotFound
from cityops.core.permissions import is_platform_admin
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import Actor


def case_scope_q(user: Actor) -> Q:
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


def ensure_case_visible(user: Actor, case: Any) -> None:
    """Raise NotFound (404) when `case` lies outside the user's scope."""
    if not Case.objects.filter(case_scope_q(user), pk=case.pk).exists():
        raise NotFound("Case not found.")


def case_visible(user: Actor, case: Any) -> bool:
    """Whether `user` sees `case` (`case_scope_q`'s rule), decided in memory when it can be: by the region scope,
    or — for a case no department holds yet, such as a new report — without asking about departments at all."""
    if is_platform_admin(user):
        return True
    region = getattr(user, "scope_region", None)
    if region is not None and case.region_path.startswith(region.path):
        return True
    if case.department_id is None and case.handling_unit_id is None:
        return False
    return Case.objects.filter(case_scope_q(user), pk=case.pk).exists()
