"""Stage clocks (时限): per-stage deadlines in working or natural minutes, extension, suspension, rework rounds.

On entering a stage a `CaseStageClock` starts with the limit of the class × urgency policy
(`catalog.selectors.policy_for`), its deadline counted with the working-time calendar (`core.worktime`); the
case keeps a copy of the current stage, deadline and warning time so queues sort and the worker filters
without a join. Leaving the stage stamps `done_at` and `on_time`. An extension adds minutes to the running
clock; a suspension (挂账) pauses it and the resume moves the deadline forward by the paused time (in the
clock's own basis: paused working minutes for a working-time clock). A failed check starts a new round of
处置. A stage the policy has no limit for runs without a clock (no deadline).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cityops.cases.models import Case, CaseStageClock, CaseState
from cityops.catalog.models import Stage, TimeBasis
from cityops.catalog.selectors import policy_for
from cityops.core import worktime

S = CaseState

# The stage a case is in while it is in each state (handled and checking both wait on the check 核查).
STAGE_OF: dict[str, str] = {
    S.REPORTED: Stage.ACCEPT,
    S.VERIFYING: Stage.VERIFY,
    S.ACCEPTED: Stage.REGISTER,
    S.REGISTERED: Stage.DISPATCH,
    S.DISPATCHED: Stage.HANDLE,
    S.HANDLED: Stage.CHECK,
    S.CHECKING: Stage.CHECK,
    S.CHECKED: Stage.CLOSE,
}


def add_minutes(start: datetime, minutes: int, basis: str) -> datetime:
    """`start` plus `minutes` working or natural minutes."""
    if basis == TimeBasis.NATURAL:
        return worktime.add_natural_minutes(start, minutes)
    return worktime.add_working_minutes(start, minutes)


def minutes_between(a: datetime, b: datetime, basis: str) -> int:
    """Whole working or natural minutes from `a` to `b`."""
    if basis == TimeBasis.NATURAL:
        return worktime.natural_minutes_between(a, b)
    return worktime.working_minutes_between(a, b)


def warning_share() -> float:
    """The share of a stage's allowed time after which the deadline warning is raised (0 < share < 1)."""
    share = float(getattr(settings, "CITYOPS_SLA_WARNING_SHARE", 0.8))
    if not 0 < share < 1:
        raise ImproperlyConfigured(f"CITYOPS_SLA_WARNING_SHARE must lie between 0 and 1 (exclusive), got {share}.")
    return share


def start_stage(case: Case, stage: str, at: datetime) -> CaseStageClock | None:
    """Point the case at `stage` and return its new clock (unsaved; the caller saves it once the case exists)."""
    case.current_stage = stage
    case.is_overdue = False
    case.warned = False
    limit = policy_for(catalog_class=case.catalog_class, urgency=case.urgency).get(Stage(stage))
    if limit is None:
        case.due_at = case.warn_at = None
        return None
    minutes, basis = limit
    deadline = add_minutes(at, minutes, basis)
    case.due_at = deadline
    case.warn_at = add_minutes(at, int(minutes * warning_share()), basis)
    rounds = CaseStageClock.objects.filter(case=case, stage=stage).count() if case.pk else 0
    return CaseStageClock(case=case if case.pk else None, stage=stage, round=rounds + 1, started_at=at,
                          minutes_allowed=minutes, basis=basis, deadline=deadline)


def open_clock(case: Case) -> CaseStageClock | None:
    """The clock of the stage the case is in now (not done), if it has one."""
    return CaseStageClock.objects.filter(case=case, done_at__isnull=True).order_by("-started_at", "-id").first()


def finish_open_clock(case: Case, at: datetime) -> CaseStageClock | None:
    """Stamp the running clock done at `at`, on time when `at` is not after its deadline."""
    clock = open_clock(case)
    if clock is None:
        return None
    clock.done_at = at
    clock.on_time = at <= clock.deadline
    clock.paused_at = None
    clock.save(update_fields=["done_at", "on_time", "paused_at"])
    return clock


def on_transition(case: Case, name: str, *, from_state: str, to_state: str, at: datetime) -> None:
    """Update the clocks for a move from `from_state` to `to_state` (called by `workflow.transition`)."""
    if to_state == S.SUSPENDED:
        pause(case, at)
        return
    if from_state == S.SUSPENDED:
        resume(case, at)
        return
    old_stage, new_stage = STAGE_OF.get(from_state), STAGE_OF.get(to_state)
    # A rework re-enters 处置 from 核查 (a new round); otherwise staying in one stage keeps its clock running.
    if new_stage == old_stage and name != "rework":
        return
    finish_open_clock(case, at)
    if new_stage is None:
        case.current_stage, case.due_at, case.warn_at = "", None, None
        case.is_overdue = case.warned = False
        return
    clock = start_stage(case, new_stage, at)
    if clock is not None:
        clock.save()


def pause(case: Case, at: datetime) -> None:
    """Stop the running clock (挂账): the worker ignores suspended cases, the resume shifts the deadline."""
    clock = open_clock(case)
    if clock is not None and clock.paused_at is None:
        clock.paused_at = at
        clock.save(update_fields=["paused_at"])


def resume(case: Case, at: datetime) -> int:
    """Restart the paused clock, moving its deadline by the paused time; return the paused minutes."""
    clock = open_clock(case)
    if clock is None or clock.paused_at is None:
        return 0
    paused = max(0, minutes_between(clock.paused_at, at, clock.basis))
    clock.deadline = add_minutes(clock.deadline, paused, clock.basis)
    clock.paused_at = None
    clock.save(update_fields=["deadline", "paused_at"])
    case.due_at = clock.deadline
    if case.warn_at is not None:
        case.warn_at = add_minutes(case.warn_at, paused, clock.basis)
    case.is_overdue = clock.deadline < at
    return paused


def extend(case: Case, minutes: int, at: datetime) -> CaseStageClock | None:
    """Add `minutes` (in the clock's basis) to the running clock (延期) and recompute the case's deadline."""
    clock = open_clock(case)
    if clock is None:
        return None
    clock.extended_minutes += minutes
    clock.deadline = add_minutes(clock.deadline, minutes, clock.basis)
    clock.save(update_fields=["extended_minutes", "deadline"])
    total = clock.minutes_allowed + clock.extended_minutes
    case.due_at = clock.deadline
    case.warn_at = add_minutes(clock.started_at, int(total * warning_share()), clock.basis)
    case.is_overdue = clock.deadline < at
    case.warned = False
    return clock
