"""The SLA clock's periodic work for `cityops worker`: overdue marks and deadline warnings.

Both are recorded as case events (`case.overdue`, `case.deadline_warning`), handed to the case event subscribers
as one batch once it commits (`cases.subscribers`): the people who act on the case in its current state are
notified (`cases.notices`).
Flags set by the clock do not bump the case version: they are not a change an actor could conflict with, and a
user's pending action must not be refused with 409 because a deadline passed while they looked at the case.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CaseState
from cityops.cases.subscribers import case_events_publish
from cityops.core.jobs import periodic

# A suspended (挂账) case's clock is stopped: it is neither warned nor overdue while it waits.
RUNNING_STATES = sorted(OPEN_STATES - {CaseState.SUSPENDED})
BATCH = 1000
ACTOR_LABEL = "sla-clock"


@periodic(every_seconds=60, name="cases.sla_clock")
def sla_clock_tick() -> str:
    """Mark newly overdue cases and raise deadline warnings (every minute)."""
    now = timezone.now()
    overdue = mark_overdue(now=now)
    warned = raise_deadline_warnings(now=now)
    return f"{overdue} cases newly overdue, {warned} deadline warnings"


def mark_overdue(*, now: datetime | None = None) -> int:
    """Flag open, running cases whose current deadline has passed; one `case.overdue` event per newly flagged case."""
    now = now or timezone.now()
    candidates = Case.objects.filter(state__in=RUNNING_STATES, is_overdue=False, due_at__lt=now)
    return _claim_and_flag(candidates, flag="is_overdue", action="case.overdue", now=now)


def raise_deadline_warnings(*, now: datetime | None = None) -> int:
    """Flag running cases past their warning time but not yet overdue; one `case.deadline_warning` event each."""
    now = now or timezone.now()
    candidates = Case.objects.filter(state__in=RUNNING_STATES, warned=False, warn_at__lte=now, due_at__gte=now)
    return _claim_and_flag(candidates, flag="warned", action="case.deadline_warning", now=now)


def _claim_and_flag(candidates, *, flag: str, action: str, now: datetime) -> int:
    total = 0
    while True:
        flagged = _flag_batch(candidates, flag=flag, action=action, now=now)
        total += flagged
        if flagged < BATCH:
            return total


def _flag_batch(candidates, *, flag: str, action: str, now: datetime) -> int:
    with transaction.atomic():
        # Several workers may tick at once. On PostgreSQL each claims its own rows (FOR UPDATE SKIP LOCKED: a row
        # another worker, or a user's action, holds is left for the next tick), so no case gets two events.
        # SQLite has one writer at a time: a worker whose read went stale because another committed first is
        # refused its write (database busy) and the job simply runs again at its next turn.
        claimed = list(
            candidates.select_for_update(skip_locked=True).order_by("due_at", "id")
            .values_list("id", "state", "current_stage", "due_at")[:BATCH]
        )
        if not claimed:
            return 0
        # One conditional UPDATE for the batch; the condition repeats the flag so a row is never flagged twice.
        Case.objects.filter(pk__in=[row[0] for row in claimed], **{flag: False}).update(**{flag: True})
        events = CaseEvent.objects.bulk_create([
            CaseEvent(case_id=case_id, at=now, actor_label=ACTOR_LABEL, action=action, from_state=state,
                      to_state=state, data={"stage": stage, "due_at": due_at.isoformat() if due_at else None})
            for case_id, state, stage, due_at in claimed
        ])
        case_events_publish(events)  # one batch, after it commits
        return len(claimed)
