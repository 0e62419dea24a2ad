"""Work queues (待办): what waits for me, by my roles, soonest deadline first (the console's queue page and
`GET /api/v1/cases/queue` read the same selector, with the same filters and cursors as every case list).

Each role has a queue of the cases it acts on next (DESIGN §6). A user with several roles sees the union.
Everything stays inside the user's data scope (`case_scope_q`), except that an inspector also sees the
verification and check tasks of the grids they are responsible for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from cityops.cases.cursors import CaseOrder, Page, case_page
from cityops.cases.filters import CaseFilters, case_filter_q
from cityops.cases.models import (
    OPEN_STATES,
    Case,
    CaseRequest,
    CaseStageClock,
    CaseState,
    RequestKind,
    RequestState,
)
from cityops.cases.scope import case_scope_q
from cityops.core.permissions import is_platform_admin
from cityops.geo.models import Region
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import User

S = CaseState
QUEUE_PAGE = 30


def _pending(*kinds: str) -> Q:
    return Q(Exists(CaseRequest.objects.filter(case=OuterRef("pk"), state=RequestState.PENDING, kind__in=kinds)))


def _role_q(user: User, role: str) -> Q:
    """The cases waiting for `role` (before the scope is applied)."""
    if role == Role.INSPECTOR:
        return Q(state__in=[S.VERIFYING, S.CHECKING])
    if role == Role.ACCEPTOR:
        return Q(state__in=[S.REPORTED, S.HANDLED])
    if role == Role.SHIFT_LEADER:
        return Q(state__in=[S.ACCEPTED, S.CHECKED, S.SUSPENDED]) | _pending(RequestKind.VOID, RequestKind.SUSPENSION)
    if role == Role.DISPATCHER:
        return Q(state=S.REGISTERED) | _pending(RequestKind.EXTENSION, RequestKind.RETURN)
    if role == Role.HANDLER:
        return Q(state=S.DISPATCHED) & _handler_q(user)
    if role == Role.LEADER:
        return Q(state__in=OPEN_STATES) & (Q(is_overdue=True) | Q(is_urged=True))
    return Q(pk__in=[])


def _handler_q(user: User) -> Q:
    if is_platform_admin(user):
        return Q()
    q = Q(pk__in=[])
    for unit in (getattr(user, "department", None), getattr(user, "scope_department", None)):
        if unit is not None:
            q |= Q(department__path__startswith=unit.path) | Q(handling_unit__path__startswith=unit.path)
    return q


def queue_roles(user: User) -> list[str]:
    """The roles whose queue the user sees (an administrator sees every queue)."""
    roles = [Role.INSPECTOR, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.HANDLER, Role.LEADER]
    if is_platform_admin(user):
        return roles
    return [r for r in roles if user.has_role(r)]


def queue_q(user: User) -> Q:
    """Cases waiting for `user`: the union of their roles' queues, inside their scope."""
    waiting = Q(pk__in=[])
    for role in queue_roles(user):
        waiting |= _role_q(user, role)
    scope = case_scope_q(user)
    if user.has_role(Role.INSPECTOR) and not is_platform_admin(user):
        # An inspector's own grids count even outside the region scope (the workflow lets them act there).
        grids = Region.objects.filter(inspectors=user).values("id")
        scope |= Q(grid_id__in=grids, state__in=[S.VERIFYING, S.CHECKING])
    return waiting & scope


def with_console_relations(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The relations a console row shows, and the running stage clock (for the remaining time)."""
    running = CaseStageClock.objects.filter(done_at__isnull=True).order_by("-started_at")
    return qs.select_related("catalog_class", "urgency", "department", "handling_unit", "grid").prefetch_related(
        Prefetch("clocks", queryset=running, to_attr="running_clocks")
    )


def case_queue_for_user(*, user: User, filters: CaseFilters) -> Page:
    """One page of the cases waiting for `user` matching `filters`, earliest deadline first (none last).

    The console's queue page and the API's work queue both read it. The order is always the deadline's
    (`filters.order` is the search's); `filters.limit` None means the console's page of QUEUE_PAGE rows.
    """
    qs = with_console_relations(Case.objects.filter(queue_q(user), case_filter_q(filters)))
    return case_page(qs, order=CaseOrder.DUE, cursor=filters.cursor, limit=filters.limit, default_limit=QUEUE_PAGE)
