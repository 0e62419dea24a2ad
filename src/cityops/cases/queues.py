"""Work queues (待办) of the operator console: what waits for me, by my roles, soonest deadline first.

Each role has a queue of the cases it acts on next (DESIGN §6). A user with several roles sees the union.
Everything stays inside the user's data scope (`case_scope_q`), except that an inspector also sees the
verification and check tasks of the grids they are responsible for.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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
from cityops.core.errors import InvalidInput
from cityops.core.permissions import is_platform_admin
from cityops.geo.models import Region
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import User

S = CaseState
QUEUE_PAGE = 30


@dataclass(frozen=True)
class QueueFilters:
    """Narrowing a queue or a search: every field optional (already validated by the console's form)."""

    state: str = ""
    class_id: int | None = None
    region_path: str = ""
    source: str = ""
    overdue: bool | None = None
    text: str = ""


@dataclass
class QueuePage:
    items: list[Case] = field(default_factory=list)
    next_cursor: str | None = None


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


def filters_q(filters: QueueFilters) -> Q:
    q = Q()
    if filters.state:
        q &= Q(state=filters.state)
    if filters.class_id:
        q &= Q(catalog_class_id=filters.class_id)
    if filters.region_path:
        q &= Q(region_path__startswith=filters.region_path)
    if filters.source:
        q &= Q(source=filters.source)
    if filters.overdue is not None:
        q &= Q(is_overdue=filters.overdue)
    text = filters.text.strip()
    if text:
        # Digits are a case number (the unique index); anything else searches descriptions and addresses.
        q &= Q(number=text) if text.isdigit() else Q(description__icontains=text) | Q(address__icontains=text)
    return q


def with_console_relations(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The relations a console row shows, and the running stage clock (for the remaining time)."""
    running = CaseStageClock.objects.filter(done_at__isnull=True).order_by("-started_at")
    return qs.select_related("catalog_class", "urgency", "department", "handling_unit", "grid").prefetch_related(
        Prefetch("clocks", queryset=running, to_attr="running_clocks")
    )


def case_queue_for_user(*, user: User, filters: QueueFilters, cursor: str | None = None,
                        limit: int | None = None) -> QueuePage:
    """One page of the cases waiting for `user`, earliest deadline first (none last), keyset-paged."""
    limit = limit or QUEUE_PAGE
    qs = Case.objects.filter(queue_q(user), filters_q(filters))
    if cursor:
        qs = qs.filter(_after_q(*_decode(cursor)))
    rows = list(with_console_relations(qs).order_by(F("due_at").asc(nulls_last=True), "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(items=rows, next_cursor=_encode(rows[-1]) if more else None)


def _after_q(moment: dt.datetime | None, pk: int) -> Q:
    """Rows strictly after (moment, pk) in deadline order; ties broken by id so nothing repeats or is lost."""
    if moment is None:
        return Q(due_at__isnull=True, id__gt=pk)
    return Q(due_at__gt=moment) | Q(due_at=moment, id__gt=pk) | Q(due_at__isnull=True)


def _encode(case: Case) -> str:
    payload = {"t": case.due_at.isoformat() if case.due_at else None, "id": case.pk}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime | None, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = dt.datetime.fromisoformat(payload["t"]) if payload["t"] else None
        return (moment if moment is None or timezone.is_aware(moment) else timezone.make_aware(moment)), int(
            payload["id"])
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise InvalidInput(_("The cursor is not valid; start again without it."), field="cursor") from None
