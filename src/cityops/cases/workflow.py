"""The case state machine: the transition table, who may take each step, and the one `transition` entry point.

The table is the truth about the workflow (DESIGN §6 is the proposal it implements):

    reported ─send_to_verify→ verifying ─verify→ accepted      (a refuted verification goes back to reported)
    reported ─accept→ accepted ─register→ registered ─dispatch→ dispatched ─handle→ handled
    handled ─send_to_check→ checking ─check→ checked ─close→ closed      (a failed check: rework → dispatched)
    dispatched: pass_down, extend (approved extension) keep the state; return → registered; suspend → suspended
    suspended ─resume→ dispatched;  before dispatch: void (approved) and merge (duplicate) → voided
    reported ─self_handle→ closed (an inspector's self-handled report);  any open state: urge (keeps the state)

A closed or voided case never leaves its state: a recurrence is a new case linked with `recurrence_of`.

Each row names the public action it belongs to (the URL segment `POST /cases/{number}/{action}` and the
console button), the states it may start from, the state it leads to (None: the state stays), the roles that
may take it and the event it writes. `authorize` adds the guards that depend on the case: an inspector acts on
the cases of grids they are responsible for or of their region scope; a handler on the cases of their
department (or sub-unit). Superusers and platform administrators pass every role check; the system (an actor
that is a string or None, e.g. the worker or a command) is not checked at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases import sla
from cityops.cases.events import is_system, record_event
from cityops.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseRequest,
    CaseState,
    RequestKind,
    RequestState,
)
from cityops.cases.scope import ensure_case_visible
from cityops.core.errors import Conflict, Forbidden
from cityops.core.permissions import is_platform_admin, is_user, require_role
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor, AnyUser

S = CaseState


@dataclass(frozen=True)
class Transition:
    """One row of the table: `name` is the key services use, `action` the public action it belongs to."""

    name: str
    action: str
    sources: frozenset[str]
    target: str | None  # None: the case keeps its state
    roles: tuple[str, ...]
    event: str
    guard: str = ""  # "inspector" | "handler" | "": a case-dependent check on top of the role


def _t(name: str, action: str, sources: set[str] | frozenset[str], target: str | None, roles: tuple[str, ...],
       event: str, guard: str = "") -> Transition:
    return Transition(name, action, frozenset(sources), target, roles, event, guard)


# Before dispatch a case may still be voided (an invalid report) or merged into its master (a duplicate).
PRE_DISPATCH = frozenset({S.REPORTED, S.VERIFYING, S.ACCEPTED, S.REGISTERED})

TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    _t("send_to_verify", "send-to-verify", {S.REPORTED}, S.VERIFYING, (Role.ACCEPTOR,), "case.sent_to_verify"),
    _t("verify", "verify", {S.VERIFYING}, S.ACCEPTED, (Role.INSPECTOR,), "case.verified", "inspector"),
    _t("verify_refuted", "verify", {S.VERIFYING}, S.REPORTED, (Role.INSPECTOR,), "case.verification_refuted",
       "inspector"),
    _t("accept", "accept", {S.REPORTED}, S.ACCEPTED, (Role.ACCEPTOR,), "case.accepted"),
    _t("register", "register", {S.ACCEPTED}, S.REGISTERED, (Role.SHIFT_LEADER,), "case.registered"),
    _t("dispatch", "dispatch", {S.REGISTERED}, S.DISPATCHED, (Role.DISPATCHER,), "case.dispatched"),
    _t("pass_down", "pass-down", {S.DISPATCHED}, None, (Role.HANDLER,), "case.passed_down", "handler"),
    _t("handle", "handle", {S.DISPATCHED}, S.HANDLED, (Role.HANDLER,), "case.handled", "handler"),
    _t("send_to_check", "send-to-check", {S.HANDLED}, S.CHECKING, (Role.ACCEPTOR,), "case.sent_to_check"),
    _t("check", "check", {S.CHECKING}, S.CHECKED, (Role.INSPECTOR,), "case.checked", "inspector"),
    _t("rework", "check", {S.CHECKING}, S.DISPATCHED, (Role.INSPECTOR,), "case.rework", "inspector"),
    _t("close", "close", {S.CHECKED}, S.CLOSED, (Role.SHIFT_LEADER,), "case.closed"),
    _t("urge", "urge", OPEN_STATES, None, (Role.LEADER,), "case.urged"),
    _t("merge", "merge", PRE_DISPATCH, S.VOIDED, (Role.ACCEPTOR,), "case.merged"),
    _t("resume", "resume", {S.SUSPENDED}, S.DISPATCHED, (Role.SHIFT_LEADER,), "case.resumed"),
    _t("self_handle", "", {S.REPORTED}, S.CLOSED, (Role.INSPECTOR,), "case.self_handled"),
    # Requests (their own objects, see CaseRequest): asking keeps the state …
    _t("request_extension", "request", {S.DISPATCHED}, None, (Role.HANDLER,), "case.extension_requested", "handler"),
    _t("request_return", "request", {S.DISPATCHED}, None, (Role.HANDLER,), "case.return_requested", "handler"),
    _t("request_suspension", "request", {S.DISPATCHED}, None, (Role.HANDLER,), "case.suspension_requested",
       "handler"),
    _t("request_void", "request", PRE_DISPATCH, None, (Role.ACCEPTOR,), "case.void_requested"),
    # … and the approver's decision applies the effect.
    _t("extend", "decide", {S.DISPATCHED}, None, (Role.DISPATCHER,), "case.extended"),
    _t("return", "decide", {S.DISPATCHED}, S.REGISTERED, (Role.DISPATCHER,), "case.returned"),
    _t("suspend", "decide", {S.DISPATCHED}, S.SUSPENDED, (Role.SHIFT_LEADER,), "case.suspended"),
    _t("void", "decide", PRE_DISPATCH, S.VOIDED, (Role.SHIFT_LEADER,), "case.voided"),
]}

# Request kind → (the row that asks, the row that applies an approval).
REQUEST_TRANSITIONS: dict[str, tuple[str, str]] = {
    RequestKind.EXTENSION: ("request_extension", "extend"),
    RequestKind.RETURN: ("request_return", "return"),
    RequestKind.SUSPENSION: ("request_suspension", "suspend"),
    RequestKind.VOID: ("request_void", "void"),
}

PUBLIC_ACTIONS = ("send-to-verify", "verify", "accept", "register", "dispatch", "pass-down", "handle",
                  "send-to-check", "check", "close", "urge", "merge", "request", "decide", "resume", "photos")
PHOTO_ROLES = (Role.INSPECTOR, Role.ACCEPTOR, Role.HANDLER)


class StaleVersion(Conflict):
    """The case changed since the actor looked at it (optimistic concurrency, 409)."""

    code = "stale_version"


class IllegalTransition(Conflict):
    """A move the transition table does not allow from the case's current state (409)."""

    code = "illegal_transition"


def state_label(state: str) -> str:
    return str(CaseState(state).label) if state in CaseState.values else state


def check_allowed(case: Case, name: str) -> Transition:
    """The row `name`, or IllegalTransition naming the current state and the refused action and target."""
    row = TRANSITIONS[name]
    if case.state not in row.sources:
        target = state_label(row.target) if row.target else state_label(case.state)
        raise IllegalTransition(
            _("Case %(number)s is %(state)s: the action %(action)s (→ %(target)s) is not allowed in this state.")
            % {"number": case.number, "state": state_label(case.state), "action": row.name.replace("_", "-"),
               "target": target}
        )
    return row


def transition(case: Case, name: str, *, actor: Actor, note: str = "", data: dict | None = None,
               at: datetime | None = None, public: bool = False) -> CaseEvent:
    """Move the locked `case` along the row `name`: state, stage clocks, version, and one CaseEvent.

    The caller holds the row lock (`select_for_update`) inside its transaction and has authorized the actor.
    """
    row = check_allowed(case, name)
    at = at or timezone.now()
    from_state = case.state
    to_state = row.target or from_state
    case.state = to_state
    sla.on_transition(case, name, from_state=from_state, to_state=to_state, at=at)
    case.version += 1
    case.updated_at = at
    case.save()
    return record_event(case, row.event, actor=actor, from_state=from_state, to_state=to_state, note=note,
                        data=data, at=at, public=public)


# --- who may act --------------------------------------------------------------------------------------------


def require_transition_role(actor: Actor, name: str) -> None:
    """Refuse (403) unless `actor` holds a role of the row `name` (administrators and the system pass)."""
    if is_system(actor) or is_platform_admin(actor):
        return
    require_role(actor, *TRANSITIONS[name].roles)


def authorize(actor: Actor, case: Case, name: str) -> None:
    """Role (403), data scope (404) and the row's guard (403) for `actor` taking `name` on `case`."""
    if is_system(actor):
        return
    require_transition_role(actor, name)
    if is_platform_admin(actor):
        return
    guard = TRANSITIONS[name].guard
    if guard == "inspector" and inspector_covers(actor, case):
        return  # the grid's own inspector may act even outside their region scope
    ensure_case_visible(actor, case)
    if guard == "inspector":
        raise Forbidden(_("Only an inspector of the case's grid or region may do this."))
    if guard == "handler" and not handler_responsible(actor, case):
        raise Forbidden(_("Only a handler of the responsible department may do this."))


def inspector_covers(user: AnyUser, case: Case) -> bool:
    """Whether the inspector is responsible for the case's grid, or their region scope contains the case."""
    region = getattr(user, "scope_region", None)
    if region is not None and case.region_path.startswith(region.path):
        return True
    return is_user(user) and case.grid.inspectors.filter(pk=user.pk).exists()


def handler_responsible(user: AnyUser, case: Case) -> bool:
    """Whether the handler's department (or department scope) is the responsible department or above the sub-unit."""
    paths = [d.path for d in (getattr(user, "department", None), getattr(user, "scope_department", None)) if d]
    if not paths:
        return False
    units = [u.path for u in (case.department, case.handling_unit) if u is not None]
    return any(unit.startswith(path) for unit in units for path in paths)


def may(actor: Actor, case: Case, name: str) -> bool:
    """Whether `actor` may take the row `name` on `case` now (state, role, guard); never raises."""
    if case.state not in TRANSITIONS[name].sources:
        return False
    try:
        require_transition_role(actor, name)
    except Forbidden:
        return False
    if is_system(actor) or is_platform_admin(actor):
        return True
    guard = TRANSITIONS[name].guard
    if guard == "inspector":
        return inspector_covers(actor, case)
    if guard == "handler":
        return handler_responsible(actor, case)
    return True


def allowed_actions(*, case: Case, user: AnyUser, pending: set[str] | None = None) -> list[str]:
    """The public action names `user` may take on `case` now (for the buttons of the UI and the API).

    `pending` is the kinds of the case's pending requests when the caller knows them (a new case has none).
    """
    allowed: set[str] = set()
    for row in TRANSITIONS.values():
        if row.action and row.action not in {"request", "decide"} and may(user, case, row.name):
            allowed.add(row.action)
    if pending is None:
        pending = set(CaseRequest.objects.filter(case=case, state=RequestState.PENDING).values_list("kind", flat=True))
    for kind, (ask, apply) in REQUEST_TRANSITIONS.items():
        if kind not in pending and may(user, case, ask):
            allowed.add("request")
        if kind in pending and may(user, case, apply):
            allowed.add("decide")
    if case.state in OPEN_STATES and _has_any_role(user, PHOTO_ROLES):
        allowed.add("photos")
    return [action for action in PUBLIC_ACTIONS if action in allowed]


def _has_any_role(user: AnyUser, roles: tuple[str, ...]) -> bool:
    if is_platform_admin(user):
        return True
    has_role = getattr(user, "has_role", None)
    return bool(has_role and has_role(*roles))

