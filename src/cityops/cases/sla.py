"""Stage clocks (时限): per-stage deadlines in working or natural minutes, extension, suspension, rework rounds.

On entering a stage a `CaseStageClock` starts with the limit of the class × urgency policy
(`catalog.selectors.policy_for`), its deadline counted with the working-time calendar (`core.worktime`); the
case keeps a copy of the current stage, deadline and warning time so queues sort and the worker filters
without a join. Leaving the stage stamps `done_at` and `on_time`. An extension adds minutes to the running
clock; a suspension (挂账) pauses it and the resume moves the deadline forward by the paused time (in the
clock's own basis: paused working minutes for a working-time clock). A failed check starts a new round of
处置. A stage the policy has no limit for runs without a clock (no deadline).

When the working calendar changes (a yearly holiday arrangement or an override is saved), `clocks_recompute`
replays each open working-time clock whose deadline may move: its start and limit, then its extensions and
suspensions in the order they happened (read from the case's events), through the same steps as `extend` and
`resume`, so the new deadline and warning time are what the clock would show had the calendar been right from the
start. One `case.clock_recomputed` event per changed case records the old and new times.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cityops.cases.events import record_event
from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CaseStageClock, CaseState
from cityops.catalog import cache as policy_cache
from cityops.catalog.models import Stage, TimeBasis
from cityops.core import worktime
from cityops.core.audit import audit_log

if TYPE_CHECKING:
    from cityops.core.typing import Actor

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
    # The process's copy of the class × urgency limits (catalog.cache): a clock starts without a query.
    limit = policy_cache.policy(catalog_class=case.catalog_class, urgency=case.urgency).get(Stage(stage))
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
    clock.deadline, case.warn_at, paused = _resumed(clock.deadline, case.warn_at, clock.paused_at, at, clock.basis)
    clock.paused_at = None
    clock.save(update_fields=["deadline", "paused_at"])
    case.due_at = clock.deadline
    case.is_overdue = clock.deadline < at
    return paused


def extend(case: Case, minutes: int, at: datetime) -> CaseStageClock | None:
    """Add `minutes` (in the clock's basis) to the running clock (延期) and recompute the case's deadline."""
    clock = open_clock(case)
    if clock is None:
        return None
    clock.extended_minutes += minutes
    clock.deadline, case.warn_at = _extended(clock, clock.deadline, minutes)
    clock.save(update_fields=["extended_minutes", "deadline"])
    case.due_at = clock.deadline
    case.is_overdue = clock.deadline < at
    case.warned = False
    return clock


def _resumed(deadline: datetime, warn_at: datetime | None, paused_at: datetime, at: datetime,
             basis: str) -> tuple[datetime, datetime | None, int]:
    """Deadline and warning time moved by the time paused from `paused_at` to `at`, and that time."""
    paused = max(0, minutes_between(paused_at, at, basis))
    warn_at = add_minutes(warn_at, paused, basis) if warn_at is not None else None
    return add_minutes(deadline, paused, basis), warn_at, paused


def _extended(clock: CaseStageClock, deadline: datetime, minutes: int) -> tuple[datetime, datetime]:
    """Deadline moved by `minutes` and the warning time for the limit plus `clock.extended_minutes`."""
    total = clock.minutes_allowed + clock.extended_minutes
    warn_at = add_minutes(clock.started_at, int(total * warning_share()), clock.basis)
    return add_minutes(deadline, minutes, clock.basis), warn_at


# --- recomputing after a calendar change -----------------------------------------------------------------------

RECOMPUTED = "case.clock_recomputed"
_HISTORY = ("case.extended", "case.suspended", "case.resumed")
_LOCK_BATCH = 500


def replay(clock: CaseStageClock, history: Iterable[tuple[str, datetime, dict]]) -> tuple[datetime, datetime]:
    """The clock's deadline and warning time from its start, limit, extensions and suspensions, with today's calendar.

    `history` is the case's extension and suspension events since the clock started, oldest first, as
    (action, at, data). Each is applied with the step `extend` or `resume` took when it happened.
    """
    basis, started = clock.basis, clock.started_at
    deadline = add_minutes(started, clock.minutes_allowed, basis)
    warn_at: datetime | None = add_minutes(started, int(clock.minutes_allowed * warning_share()), basis)
    replayed = _ReplayedClock(clock)
    paused_at: datetime | None = None
    for action, at, data in history:
        if action == "case.extended":
            minutes = int(data.get("extra_minutes") or 0)
            replayed.extended_minutes += minutes
            deadline, warn_at = _extended(replayed, deadline, minutes)
        elif action == "case.suspended":
            paused_at = at
        elif action == "case.resumed" and paused_at is not None:
            deadline, warn_at, _paused = _resumed(deadline, warn_at, paused_at, at, basis)
            paused_at = None
    missing = clock.extended_minutes - replayed.extended_minutes
    if missing > 0:  # extensions whose events lack the amount: one step with the rest, as the stored total says
        replayed.extended_minutes = clock.extended_minutes
        deadline, warn_at = _extended(replayed, deadline, missing)
    return deadline, warn_at or deadline


class _ReplayedClock:
    """The fields `_extended` reads, with the extensions replayed so far."""

    def __init__(self, clock: CaseStageClock) -> None:
        self.minutes_allowed, self.started_at, self.basis = clock.minutes_allowed, clock.started_at, clock.basis
        self.extended_minutes = 0


def clocks_recompute(*, first: date, last: date, actor: Actor, reason: str, now: datetime | None = None) -> int:
    """Recompute the open working-time clocks a calendar change of the dates `first`..`last` may move.

    Runs in the caller's transaction (the one that changed the calendar, whose rows the worktime cache must
    already see). Returns the number of cases whose deadline or warning time changed; each gets one
    `case.clock_recomputed` event with the old and new times.
    """
    now = now or timezone.now()
    changed = 0
    case_ids = _candidate_case_ids(first, last)
    for i in range(0, len(case_ids), _LOCK_BATCH):
        # Lock the cases (in id order, so two recomputes never deadlock) before reading their clocks: a
        # transition committed in between would otherwise have its new clock overwritten with a stale deadline.
        batch = list(Case.objects.select_for_update().filter(pk__in=case_ids[i:i + _LOCK_BATCH]).order_by("pk"))
        clocks, histories = _open_clocks_and_histories(batch)
        for case in batch:
            clock = clocks.get(case.pk)
            if clock is not None and _recompute_case(case, clock, histories.get(case.pk, []), actor=actor,
                                                     reason=reason, now=now):
                changed += 1
    if changed:
        audit_log(actor=actor, action="cases.clocks.recomputed", object_type="cases.casestageclock",
                  data={"cases": changed, "first": first.isoformat(), "last": last.isoformat(), "reason": reason})
    return changed


def calendar_changed_receiver(*, first: date, last: date, actor: Actor, reason: str, **kwargs: Any) -> int:
    """The working calendar changed (`core.signals.calendar_changed`): move the open stage clocks it moves."""
    return clocks_recompute(first=first, last=last, actor=actor, reason=reason)


def _open_clocks_and_histories(
    cases: list[Case],
) -> tuple[dict[int, CaseStageClock], dict[int, list[tuple[str, datetime, dict]]]]:
    """Each case's running clock (as `open_clock` picks it) and its extension and suspension events, oldest first."""
    clocks: dict[int, CaseStageClock] = {}
    for clock in CaseStageClock.objects.filter(case__in=cases, done_at__isnull=True).order_by("-started_at", "-id"):
        clocks.setdefault(clock.case_id, clock)
    histories: dict[int, list[tuple[str, datetime, dict]]] = {}
    events = CaseEvent.objects.filter(case__in=cases, action__in=_HISTORY).order_by("at", "id")
    for case_id, action, at, data in events.values_list("case_id", "action", "at", "data"):
        clock = clocks.get(case_id)
        if clock is not None and at >= clock.started_at:
            histories.setdefault(case_id, []).append((action, at, data))
    return clocks, histories


def _candidate_case_ids(first: date, last: date) -> list[int]:
    """Cases with an open working-time clock whose span (or a past suspension) touches `first`..`last`."""
    tz = timezone.get_default_timezone()
    window_start = datetime.combine(first, time.min, tzinfo=tz)
    window_end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    # A clock resumed after the first changed date may have paused over it, even if its deadline lies before.
    resumed_since = CaseEvent.objects.filter(case=OuterRef("case"), action="case.resumed", at__gte=window_start)
    clocks = CaseStageClock.objects.filter(
        Q(deadline__gte=window_start) | Q(Exists(resumed_since)),
        done_at__isnull=True, basis=TimeBasis.WORKING, started_at__lt=window_end, case__state__in=OPEN_STATES,
    )
    return sorted(set(clocks.values_list("case_id", flat=True)))


def _recompute_case(case: Case, clock: CaseStageClock, history: list[tuple[str, datetime, dict]], *, actor: Actor,
                    reason: str, now: datetime) -> bool:
    if clock.basis != TimeBasis.WORKING or case.state not in OPEN_STATES:
        return False
    deadline, warn_at = replay(clock, history)
    if deadline == clock.deadline and warn_at == case.warn_at:
        return False
    old = {"deadline": clock.deadline, "warn_at": case.warn_at, "is_overdue": case.is_overdue, "warned": case.warned}
    clock.deadline = deadline
    clock.save(update_fields=["deadline"])
    # A flag the new times no longer justify is dropped; one they newly justify is left to the SLA worker, which
    # raises it within a minute with its own event and notifications. A suspended case is judged at its pause.
    reference = clock.paused_at or now
    case.due_at, case.warn_at = deadline, warn_at
    case.is_overdue = case.is_overdue and deadline < reference
    case.warned = case.warned and warn_at <= reference
    case.save(update_fields=["due_at", "warn_at", "is_overdue", "warned"])
    new = {"deadline": deadline, "warn_at": warn_at, "is_overdue": case.is_overdue, "warned": case.warned}
    record_event(case, RECOMPUTED, actor=actor, from_state=case.state, to_state=case.state, at=now, data={
        "stage": clock.stage, "round": clock.round, "reason": reason,
        "before": _jsonable(old), "after": _jsonable(new),
    })
    return True


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    # In the platform's time zone, as the console shows them (the database hands them back in UTC).
    return {k: timezone.localtime(v).isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
