"""Stage clocks: deadlines in working time across the 2026 holidays, extension, suspension, rework, on-time flags."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cityops.cases import services as s
from cityops.cases.models import Case, CaseState, RequestKind
from cityops.cases.sla import warning_share
from cityops.catalog.models import Urgency
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, local, report


def clocks(case: Case) -> list[tuple]:
    return list(case.clocks.order_by("started_at", "id").values_list("stage", "round", "on_time"))


def test_entering_a_stage_starts_its_clock_and_copies_the_deadline_to_the_case(cast):
    case = report(cast, at=local(2026, 3, 2, 9, 0))  # a Monday; 受理 30 working minutes
    clock = case.clocks.get()
    assert (clock.stage, clock.minutes_allowed, clock.basis, clock.deadline) == (
        "accept", 30, "working", local(2026, 3, 2, 9, 30))
    assert (case.current_stage, case.due_at) == ("accept", local(2026, 3, 2, 9, 30))
    assert case.warn_at == local(2026, 3, 2, 9, 24)  # 80 % of 30 minutes


def test_a_handling_deadline_skips_the_spring_festival(cast):
    at = local(2026, 2, 14, 16, 30)  # Saturday 14 Feb 2026 is an adjusted working day; 15–23 Feb are off
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    # 06010 handling: 240 working minutes = 60 on the 14th + 180 from 08:30 on Tuesday 24 Feb
    assert case.due_at == local(2026, 2, 24, 11, 30)
    assert case.clocks.get(stage="handle").deadline == local(2026, 2, 24, 11, 30)


def test_an_acceptance_deadline_skips_national_day(cast):
    case = report(cast, at=local(2026, 9, 30, 17, 10))  # 20 minutes left on 30 Sep, 1–7 Oct are off
    assert case.due_at == local(2026, 10, 8, 8, 40)


def test_an_urgent_case_counts_natural_minutes_through_the_holiday(cast):
    urgent = Urgency.objects.get(code="urgent")
    at = local(2026, 10, 1, 10, 0)
    case = drive(report(cast, at=at, urgency=urgent), cast, CaseState.DISPATCHED, at=at)
    assert case.due_at == local(2026, 10, 1, 11, 0)  # 06010 urgent handling: 60 natural minutes


def test_finishing_a_stage_stamps_done_and_on_time(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    case = s.case_handle(case=case, actor=cast["handler"], version=case.version, result="ok",
                         at=local(2026, 3, 2, 15, 0))  # due 14:30
    handle = case.clocks.get(stage="handle")
    assert (handle.done_at, handle.on_time) == (local(2026, 3, 2, 15, 0), False)
    assert case.clocks.get(stage="accept").on_time is True
    assert (case.current_stage, case.is_overdue) == ("check", False)


def test_handled_and_checking_share_the_check_clock(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.CHECKING, at=at)
    assert case.clocks.filter(stage="check").count() == 1
    assert case.clocks.get(stage="check").done_at is None


def test_an_approved_extension_moves_the_deadline_by_the_extra_working_minutes(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    assert case.due_at == local(2026, 3, 2, 14, 30)
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.EXTENSION, reason="r", extra_minutes=120, at=at)
    s.case_request_decide(request=request, actor=cast["dispatcher"], approve=True, at=at)
    case.refresh_from_db()
    clock = case.clocks.get(stage="handle")
    assert (clock.extended_minutes, clock.deadline, case.due_at) == (
        120, local(2026, 3, 2, 16, 30), local(2026, 3, 2, 16, 30))


def test_suspension_stops_the_clock_and_the_resume_moves_the_deadline_by_the_paused_working_time(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)  # handling due 14:30
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.SUSPENSION, reason="r", at=local(2026, 3, 2, 10, 0))
    s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True, at=local(2026, 3, 2, 10, 0))
    case.refresh_from_db()
    assert case.clocks.get(stage="handle").paused_at == local(2026, 3, 2, 10, 0)
    case = s.case_resume(case=case, actor=cast["shift_leader"], version=case.version, at=local(2026, 3, 3, 10, 0))
    clock = case.clocks.get(stage="handle")
    # 450 working minutes paused (Mon 10:00 → Tue 10:00): the 180 minutes left now end on Tuesday 14:30.
    assert (clock.paused_at, clock.deadline, case.due_at) == (None, local(2026, 3, 3, 14, 30), local(2026, 3, 3, 14, 30))


def test_a_rework_starts_a_new_round_of_handling(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.CHECKING, at=at)
    case = s.case_check(case=case, actor=cast["inspector"], version=case.version, passed=False,
                        at=local(2026, 3, 2, 10, 0))
    assert clocks(case)[-2:] == [("check", 1, True), ("handle", 2, None)]
    assert case.due_at == local(2026, 3, 2, 15, 30)  # 240 working minutes from 10:00


def test_a_return_starts_a_new_round_of_dispatch(cast):
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.RETURN, reason="r", at=at)
    s.case_request_decide(request=request, actor=cast["dispatcher"], approve=True, at=at)
    case.refresh_from_db()
    assert clocks(case)[-2:] == [("handle", 1, True), ("dispatch", 2, None)]


def test_a_returned_then_reworked_case_handles_in_three_rounds(cast):
    """What the seeder mirrors: a return (回退) and a rework (返工) each start a new 处置 round."""
    at = local(2026, 3, 2, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.RETURN, reason="r", at=at)
    s.case_request_decide(request=request, actor=cast["dispatcher"], approve=True, at=at)
    case = drive(Case.objects.get(pk=case.pk), cast, CaseState.CHECKING, at=local(2026, 3, 2, 10, 0))
    case = s.case_check(case=case, actor=cast["inspector"], version=case.version, passed=False,
                        at=local(2026, 3, 2, 11, 0))
    case = drive(case, cast, CaseState.CLOSED, at=local(2026, 3, 2, 14, 0))
    rounds = [(stage, n) for stage, n, _on_time in clocks(case)]
    assert [r for r in rounds if r[0] == "handle"] == [("handle", 1), ("handle", 2), ("handle", 3)]
    assert [r for r in rounds if r[0] == "check"] == [("check", 1), ("check", 2)]


def test_closing_stops_every_clock(cast):
    case = drive(report(cast), cast, CaseState.CLOSED)
    assert not case.clocks.filter(done_at__isnull=True).exists()
    assert (case.current_stage, case.due_at, case.warn_at) == ("", None, None)
    assert [c[0] for c in clocks(case)] == ["accept", "register", "dispatch", "handle", "check", "close"]


def test_the_warning_share_must_lie_between_0_and_1(settings):
    settings.CITYOPS_SLA_WARNING_SHARE = 1.5
    with pytest.raises(ImproperlyConfigured, match="CITYOPS_SLA_WARNING_SHARE"):
        warning_share()
