"""Case facts: what each case counts for in the evaluation, derived from its stage clocks and events.

`build_fact` is a pure function of a case, its clocks and its events (objects in memory), so the same code
serves the incremental refresh (`case_facts_refresh`, run by the worker and before every evaluation), a full
rebuild (`cityops evaluation-rebuild-facts`) and the bulk seeder, which builds facts for cases it never saves
through the services. Every number of the evaluation is therefore reproducible from the case record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cityops.cases.models import Case, CaseEvent, CaseStageClock, CaseState, Source
from cityops.catalog.models import Stage
from cityops.evaluation.models import CaseFact, FactWatermark
from cityops.evaluation.rollups import fact_rollups_refresh

# Channels through which the public reports a problem (监督举报): they count against the region and, where the
# grid has an inspector, as that inspector's missed report (漏报) once registered.
PUBLIC_SOURCES = frozenset({Source.CITIZEN, Source.HOTLINE, Source.OPEN311})

# Re-read this many events behind the watermark: a transaction that took a lower id may commit after a
# higher one was already folded in, and rebuilding a fact twice is harmless.
LATE_COMMIT_WINDOW = 100
CHUNK = 2000

# Event actions whose actor is credited with a step, and the fact field it fills.
_FIRST_ACTOR = {"case.accepted": "acceptor", "case.sent_to_verify": "acceptor", "case.registered": "registrar"}
_LAST_ACTOR = {
    "case.verified": "verifier", "case.verification_refuted": "verifier", "case.dispatched": "dispatcher",
    "case.checked": "checker", "case.rework": "checker", "case.closed": "closer", "case.sent_to_check": "check_sender",
}


def build_fact(case: Case, clocks: Sequence[CaseStageClock], events: Sequence[Any]) -> CaseFact:
    """The fact row of `case` from its clocks (any order) and events (objects with action, actor_id, at)."""
    fact = CaseFact(
        case_id=case.pk, version=case.version, built_at=timezone.now(), reported_at=case.reported_at,
        closed_at=case.closed_at, state=case.state, source=case.source, public_source=case.source in PUBLIC_SOURCES,
        catalog_class_id=case.catalog_class_id, grid_id=case.grid_id, community_id=case.community_id,
        street_id=case.street_id, district_id=case.district_id, department_id=case.department_id,
        reporter_id=case.reporter_id, self_handled=case.is_self_handled, returns=case.return_count,
        reworks=case.rework_count, extensions=case.extension_count,
    )
    stages = _clocks_by_stage(clocks)
    _fold_clocks(fact, stages)
    _fold_events(fact, sorted(events, key=lambda e: (e.at, getattr(e, "id", 0) or 0)), stages)
    return fact


def _clocks_by_stage(clocks: Iterable[CaseStageClock]) -> dict[str, list[CaseStageClock]]:
    stages: dict[str, list[CaseStageClock]] = defaultdict(list)
    for clock in sorted(clocks, key=lambda c: (c.stage, c.round)):
        stages[clock.stage].append(clock)
    return stages


def _fold_clocks(fact: CaseFact, stages: dict[str, list[CaseStageClock]]) -> None:
    """Per-stage on-time results, round counts and the running clock."""
    if stages[Stage.ACCEPT]:
        fact.accept_on_time = stages[Stage.ACCEPT][0].on_time
    if stages[Stage.VERIFY]:
        last = stages[Stage.VERIFY][-1]
        fact.verify_done, fact.verify_on_time = last.done_at is not None, last.on_time
    if stages[Stage.REGISTER]:
        fact.register_on_time = stages[Stage.REGISTER][0].on_time
    if stages[Stage.CLOSE]:
        fact.close_on_time = stages[Stage.CLOSE][-1].on_time
    fact.dispatches_on_time = sum(1 for c in stages[Stage.DISPATCH] if c.on_time)
    handle, check = stages[Stage.HANDLE], stages[Stage.CHECK]
    fact.disposal_rounds = len(handle)
    fact.disposals_done = sum(1 for c in handle if c.done_at is not None)
    fact.disposals_on_time = sum(1 for c in handle if c.on_time)
    fact.checks_due = len(check)
    fact.checks_done = sum(1 for c in check if c.done_at is not None)
    fact.checks_on_time = sum(1 for c in check if c.on_time)
    running = [c for cs in stages.values() for c in cs if c.done_at is None]
    if running and fact.state not in (CaseState.CLOSED, CaseState.VOIDED):
        clock = max(running, key=lambda c: c.started_at)
        fact.open_stage, fact.open_deadline, fact.open_paused = clock.stage, clock.deadline, clock.paused_at is not None


def _fold_events(fact: CaseFact, events: Sequence[Any], stages: dict[str, list[CaseStageClock]]) -> None:
    """Who did each step and when: the acceptor, registrar, dispatcher, checker, closer; sends and voids."""
    check_rounds = stages[Stage.CHECK]
    for event in events:
        action = event.action
        field = _FIRST_ACTOR.get(action)
        if field and getattr(fact, f"{field}_id") is None:
            setattr(fact, f"{field}_id", event.actor_id)
        field = _LAST_ACTOR.get(action)
        if field:
            setattr(fact, f"{field}_id", event.actor_id)
        if action == "case.registered" and fact.registered_at is None:
            fact.registered_at = event.at
        elif action == "case.sent_to_verify":
            fact.verify_sent = True
            fact.verify_sent_on_time = fact.accept_on_time
        elif action == "case.sent_to_check":
            # The n-th hand-off belongs to the n-th 核查 round; it is on time if made before that round's deadline.
            round_clock = check_rounds[fact.check_sends] if fact.check_sends < len(check_rounds) else None
            fact.check_sends += 1
            if round_clock is None or event.at <= round_clock.deadline:
                fact.check_sends_on_time += 1
        elif action == "case.verified":
            fact.verify_confirmed = True
        elif action == "case.verification_refuted":
            fact.verify_confirmed = False
        elif action == "case.dispatched":
            fact.dispatches += 1
        elif action == "case.suspended":
            fact.suspensions += 1
        elif action in ("case.voided", "case.merged"):
            fact.voided = True
            fact.voided_after_registration = fact.registered_at is not None


# --- keeping the facts current --------------------------------------------------------------------------------


def case_facts_rebuild(case_ids: Iterable[int]) -> int:
    """Rebuild the facts of the given cases from their clocks and events (one transaction per chunk)."""
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), CHUNK):
        _rebuild_chunk(ids[start:start + CHUNK])
    return len(ids)


def _rebuild_chunk(ids: list[int]) -> None:
    cases = list(Case.objects.filter(pk__in=ids))
    clocks: dict[int, list[CaseStageClock]] = defaultdict(list)
    for clock in CaseStageClock.objects.filter(case_id__in=ids):
        clocks[clock.case_id].append(clock)
    events: dict[int, list[Any]] = defaultdict(list)
    for event in CaseEvent.objects.filter(case_id__in=ids).only("id", "case_id", "action", "actor_id", "at"):
        events[event.case_id].append(event)
    facts = [build_fact(case, clocks[case.pk], events[case.pk]) for case in cases]
    with transaction.atomic():
        CaseFact.objects.filter(case_id__in=ids).delete()
        CaseFact.objects.bulk_create(facts, batch_size=500)


def case_facts_refresh() -> int:
    """Fold the case events written since the last refresh into the facts; return the cases rebuilt."""
    with transaction.atomic():
        # The row lock serialises concurrent refreshers (two workers, or a worker and an evaluation page).
        mark = FactWatermark.objects.select_for_update().filter(pk=1).first()
        if mark is None:
            mark, _created = FactWatermark.objects.get_or_create(pk=1)
        top = CaseEvent.objects.aggregate(top=Max("id"))["top"] or 0
        if top == mark.last_event_id and mark.refreshed_at is not None:
            return 0
        start = max(0, mark.last_event_id - LATE_COMMIT_WINDOW)
        ids = set(CaseEvent.objects.filter(id__gt=start, id__lte=top).values_list("case_id", flat=True))
        count = case_facts_rebuild(ids)
        mark.last_event_id, mark.refreshed_at = top, timezone.now()
        mark.save(update_fields=["last_event_id", "refreshed_at"])
    return count


def case_facts_rebuild_all(*, chunk: int = CHUNK) -> int:
    """Rebuild every case's fact (after an import or a change to how facts are derived), then every rollup."""
    top = CaseEvent.objects.aggregate(top=Max("id"))["top"] or 0
    done, last = 0, 0
    while True:
        ids = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        _rebuild_chunk(ids)
        done, last = done + len(ids), ids[-1]
    FactWatermark.objects.update_or_create(pk=1, defaults={"last_event_id": top, "refreshed_at": timezone.now()})
    fact_rollups_refresh(full=True)  # every fact is new: roll every month up again
    return done
