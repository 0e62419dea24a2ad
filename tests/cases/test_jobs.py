"""The SLA worker job: overdue marks and deadline warnings, once each, as case events; suspended cases rest."""

from __future__ import annotations

from datetime import timedelta

from cityops.cases import services as s
from cityops.cases.jobs import mark_overdue, raise_deadline_warnings, sla_clock_tick
from cityops.cases.models import Case, CaseState, RequestKind
from cityops.core.jobs import discover_jobs
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, local, report

MONDAY_9 = local(2026, 3, 2, 9, 0)  # 受理 due 09:30, warning at 09:24


def test_the_sla_clock_runs_every_minute_in_the_worker():
    job = next(j for j in discover_jobs() if j.name == "cases.sla_clock")
    assert job.every_seconds == 60 and job.func is sla_clock_tick


def test_a_case_past_its_deadline_is_marked_overdue_once_with_an_event(cast):
    case = report(cast, at=MONDAY_9)
    assert mark_overdue(now=local(2026, 3, 2, 9, 29)) == 0
    assert mark_overdue(now=local(2026, 3, 2, 9, 31)) == 1
    assert mark_overdue(now=local(2026, 3, 2, 9, 32)) == 0
    case.refresh_from_db()
    assert (case.is_overdue, case.version) == (True, 1)  # a clock flag is no change an actor conflicts with
    event = case.events.get(action="case.overdue")
    assert (event.actor_label, event.data["stage"]) == ("sla-clock", "accept")


def test_a_new_stage_clears_the_overdue_flag(cast):
    case = report(cast, at=MONDAY_9)
    mark_overdue(now=local(2026, 3, 2, 10, 0))
    case.refresh_from_db()
    case = s.case_accept(case=case, actor=cast["acceptor"], version=case.version, at=local(2026, 3, 2, 10, 0))
    assert case.is_overdue is False and case.clocks.get(stage="accept").on_time is False


def test_a_deadline_warning_is_raised_at_the_configured_share_of_the_allowed_time(cast, settings):
    case = report(cast, at=MONDAY_9)
    assert raise_deadline_warnings(now=local(2026, 3, 2, 9, 23)) == 0
    assert raise_deadline_warnings(now=local(2026, 3, 2, 9, 24)) == 1
    assert raise_deadline_warnings(now=local(2026, 3, 2, 9, 25)) == 0
    assert Case.objects.get(pk=case.pk).warned is True
    assert case.events.filter(action="case.deadline_warning").count() == 1
    settings.CITYOPS_SLA_WARNING_SHARE = 0.5
    assert report(cast, at=MONDAY_9).warn_at == local(2026, 3, 2, 9, 15)


def test_no_warning_for_a_case_already_overdue(cast):
    report(cast, at=MONDAY_9)
    assert raise_deadline_warnings(now=local(2026, 3, 2, 9, 31)) == 0


def test_a_suspended_case_is_neither_warned_nor_overdue(cast):
    case = drive(report(cast, at=MONDAY_9), cast, CaseState.DISPATCHED, at=MONDAY_9)
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.SUSPENSION, reason="r", at=MONDAY_9)
    s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True, at=MONDAY_9)
    later = MONDAY_9 + timedelta(days=10)
    assert (mark_overdue(now=later), raise_deadline_warnings(now=later)) == (0, 0)


def test_closed_cases_are_left_alone(cast):
    drive(report(cast, at=MONDAY_9), cast, CaseState.CLOSED, at=MONDAY_9)
    assert mark_overdue(now=MONDAY_9 + timedelta(days=30)) == 0


def test_the_tick_reports_what_it_did(cast):
    report(cast, at=MONDAY_9)
    assert sla_clock_tick() == "1 cases newly overdue, 0 deadline warnings"
