"""Who is concerned by a case event: read from the transition table, never decided twice.

Who acts on a case in a given state is not decided here: it is read from the transition table
(`cases.workflow.TRANSITIONS`), so a change to the workflow changes who is notified. Each audience is one
bounded query over users holding a role (`RoleAssignment`) whose data scope contains the case, matched by
the ancestor paths of the case's region and departments (an indexed `IN`, never a scan of every user).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from cityops.cases.models import Case, CaseRequest
from cityops.cases.workflow import REQUEST_TRANSITIONS, TRANSITIONS, Transition
from cityops.notify.models import NotificationKind
from cityops.org.models import Role, User

K = NotificationKind
# Public actions that do not move a case along its loop: whoever may take them is not "the one it waits for".
NOT_A_STEP = frozenset({"", "urge", "merge", "request", "decide", "photos"})


def recipients_for_case(*, case: Case, kind: str, request: CaseRequest | None = None) -> list[User]:
    """The users concerned by an event of `kind` on `case` (a `request` for the request kinds)."""
    if kind in (K.DEADLINE_WARNING, K.OVERDUE, K.NEW_TASK):
        return _users(actors_q(case))
    if kind == K.URGED:
        return _users(actors_q(case) | handlers_q(case, units=[case.department_id]))
    if kind == K.MERGED:
        return _active([case.reporter])
    if kind == K.REQUEST_PENDING and request is not None:
        return _users(approvers_q(case, request.kind))
    if kind == K.REQUEST_DECIDED and request is not None:
        return _active([request.requested_by])
    return []


def acting_rows(state: str) -> list[Transition]:
    """The transition rows that move a case on from `state` (its next step, not side actions)."""
    return [row for row in TRANSITIONS.values() if state in row.sources and row.action not in NOT_A_STEP]


def actors_q(case: Case) -> Q:
    """Users who take the case's next step in its current state (role, guard and scope as the workflow has them)."""
    audiences = [_row_q(case, row) for row in acting_rows(case.state)]
    return reduce(or_, audiences, Q(pk__in=[]))


def _row_q(case: Case, row: Transition) -> Q:
    if row.guard == "inspector":
        return inspectors_q(case)
    if row.guard == "handler":
        return handlers_q(case, units=[case.department_id, case.handling_unit_id])
    return role_in_scope_q(case, row.roles)


def approvers_q(case: Case, request_kind: str) -> Q:
    """Users who may decide a request of `request_kind` on `case` (dispatchers, shift leaders … in scope)."""
    apply = REQUEST_TRANSITIONS[request_kind][1]
    return role_in_scope_q(case, TRANSITIONS[apply].roles)


def role_in_scope_q(case: Case, roles: tuple[str, ...]) -> Q:
    """Holders of one of `roles` whose data scope contains the case (the inverse of `cases.scope.case_scope_q`)."""
    departments = [d.path for d in (case.department, case.handling_unit) if d is not None]
    scope = Q(scope_region__path__in=ancestor_paths(case.region_path))
    if departments:
        scope |= Q(scope_department__path__in=[p for path in departments for p in ancestor_paths(path)])
    return Q(role_assignments__role__in=roles) & scope


def handlers_q(case: Case, *, units: list[int | None]) -> Q:
    """Handlers belonging to (or scoped on) exactly the given units: the department and its acting sub-unit."""
    ids = [u for u in units if u is not None]
    if not ids:
        return Q(pk__in=[])
    return Q(role_assignments__role=Role.HANDLER) & (
        Q(department_id__in=ids) | Q(scope_department_id__in=ids)
    )


def inspectors_q(case: Case) -> Q:
    """The inspectors responsible for the case's grid; without any, the inspectors whose region scope holds it."""
    grid_inspectors = Q(role_assignments__role=Role.INSPECTOR, inspected_grids=case.grid_id)
    if User.objects.filter(grid_inspectors, is_active=True).exists():
        return grid_inspectors
    # A grid nobody has been assigned to must not leave its verification or check unannounced.
    return role_in_scope_q(case, (Role.INSPECTOR,))


def ancestor_paths(path: str) -> list[str]:
    """ "/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"]: every scope whose subtree contains `path`."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _users(q: Q) -> list[User]:
    ids = User.objects.filter(q, is_active=True).values("pk")
    # The role and region joins may match a user more than once: select by id for a distinct list.
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _active(users: list[Any]) -> list[User]:
    return [u for u in users if u is not None and u.is_active]
