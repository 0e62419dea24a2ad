"""Case facts: each case's evaluation counts derived from its clocks and events."""

from __future__ import annotations

from cityops.cases import services as s
from cityops.cases.models import CaseState
from cityops.evaluation.facts import case_facts_rebuild_all, case_facts_refresh
from cityops.evaluation.models import CaseFact
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, local, report


def test_a_closed_loop_credits_each_step_to_its_actor(cast):
    at = local(2026, 3, 2, 9, 0)  # a Monday morning: every stage done within its working-time limit
    case = drive(report(cast, at=at), cast, CaseState.CLOSED, at=at)
    assert case_facts_refresh() == 1
    fact = CaseFact.objects.get(case=case)
    assert (fact.reporter, fact.acceptor, fact.registrar) == (cast["inspector"], cast["acceptor"], cast["shift_leader"])
    assert (fact.dispatcher, fact.checker, fact.closer) == (cast["dispatcher"], cast["inspector"], cast["shift_leader"])
    assert fact.registered_at == at and fact.department == cast["dept_east"]
    assert (fact.dispatches, fact.dispatches_on_time, fact.disposal_rounds, fact.disposals_on_time) == (1, 1, 1, 1)
    assert (fact.checks_due, fact.checks_on_time, fact.check_sends, fact.check_sends_on_time) == (1, 1, 1, 1)
    assert (fact.register_on_time, fact.close_on_time, fact.state, fact.open_stage) == (True, True, "closed", "")


def test_a_rework_adds_a_disposal_and_a_check_round(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.CHECKING, at=at)
    case = s.case_check(case=case, actor=cast["inspector"], version=case.version, passed=False, note="未清理", at=at)
    case_facts_refresh()
    fact = CaseFact.objects.get(case=case)
    assert (fact.reworks, fact.disposal_rounds, fact.disposals_done, fact.checks_due) == (1, 2, 1, 1)
    assert fact.open_stage == "handle" and fact.open_deadline is not None


def test_refresh_only_rebuilds_cases_with_new_events_and_a_full_rebuild_agrees(cast):
    first, second = report(cast), report(cast, description="另一处垃圾")
    assert case_facts_refresh() == 2
    drive(second, cast, CaseState.ACCEPTED)
    assert case_facts_refresh() >= 1
    before = {f.case_id: (f.state, f.acceptor_id) for f in CaseFact.objects.all()}
    assert case_facts_rebuild_all() == 2
    assert {f.case_id: (f.state, f.acceptor_id) for f in CaseFact.objects.all()} == before
    assert before[second.pk] == ("accepted", cast["acceptor"].pk) and before[first.pk] == ("reported", None)
