"""Each indicator's exact value for every subject kind, from the hand-built March of `histories.py`."""

from __future__ import annotations

import datetime as dt

import pytest

from cityops.cases.models import CaseState
from cityops.evaluation.models import Indicator
from cityops.evaluation.selectors import evaluation_run
from tests.cases.workflow_cast import drive, local, report
from tests.evaluation.histories import NOW

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
FEB = local(2026, 2, 3, 9, 0)  # a Tuesday


def row_of(cast, kind, code):
    result = evaluation_run(user=cast["admin"], kind=kind, start=START, end=END, now=NOW)
    return next(r for r in result.rows if r.code == code)


def assert_counts(row, **expected):
    assert {k: row.counters[k] for k in expected} == expected


def test_inspector_valid_reports_missed_reports_verification_and_checks(cast, march):
    row = row_of(cast, "inspector", "inspector")
    # 9 own reports (I is the acceptor's hotline report); F and J were voided; 8 live cases registered in the
    # inspector's grid, one of them (I) a public report: a missed report.
    assert_counts(row, reports=9, valid_reports=7, verify_due=1, verify_on_time=1, check_due=7, check_on_time=6,
                  missed=1, grid_registered=8)
    assert row.values["valid_report_rate"] == pytest.approx(7 / 9)
    assert row.scores["missed_report_rate"] == pytest.approx(87.5)
    assert row.scores["on_time_verification_rate"] == 100
    assert row.scores["on_time_check_rate"] == pytest.approx(600 / 7, abs=1e-3)  # C's check was late
    assert (row.composite, row.grade) == (85.75, "B")


def test_acceptor_counts_and_hand_offs(cast, march):
    row = row_of(cast, "acceptor", "acceptor")
    # E was sent to check twice (rework): hand-offs count rounds.
    assert_counts(row, accepted=9, verify_sends=1, verify_sends_on_time=1, check_sends=7, check_sends_on_time=7)
    assert row.scores["accepted_count"] == 0  # 9 ≤ 100 accepted: the lowest bin
    assert (row.composite, row.grade) == (75.0, "B")  # exactly the B band's lower bound


def test_shift_leader_registration_timeliness_accuracy_and_closing(cast, march):
    row = row_of(cast, "shift_leader", "shift_leader")
    # H registered late; F voided after registration; A closed late; G and H are not closable yet, H is overdue
    # in handling, not in closing, so it is not due to close for the shift leader.
    assert_counts(row, registered=9, registered_on_time=8, registered_accurate=8, voided_after_registration=1,
                  closed=6, close_due=6, closed_on_time=5)
    assert row.values["registration_accuracy"] == pytest.approx(8 / 9)
    assert row.values["on_time_closing_rate"] == pytest.approx(5 / 6)
    assert (row.composite, row.grade) == (86.94, "B")


def test_dispatcher_return_lowers_accuracy_and_a_late_dispatch_timeliness(cast, march):
    row = row_of(cast, "dispatcher", "dispatcher")
    assert_counts(row, dispatches=9, dispatches_on_time=8, returns=1, dispatches_accurate=8)
    assert row.values["dispatch_accuracy"] == pytest.approx(8 / 9)
    assert (row.composite, row.grade) == (71.11, "C")


def test_department_closing_disposal_and_rework(cast, march):
    row = row_of(cast, "department", "EAST-CG")
    # Due = handled/closed + H (overdue now); G is suspended (not overdue), F voided (never counts).
    # C was handled after its deadline but within the extension: in time. B was late.
    assert_counts(row, registered=8, handled=6, handle_due=7, handled_in_time=5, closed=6, close_due=7,
                  closed_in_time=5, reworks=1, extensions=1, overdue_open=1, suspended=1)
    assert row.scores == pytest.approx({"registered_count": 100, "closing_rate": 600 / 7,
                                        "on_time_disposal_rate": 500 / 7, "rework_rate": 600 / 7}, abs=1e-3)
    assert (row.composite, row.grade) == (82.86, "B")


def test_a_department_without_cases_is_unranked(cast, march):
    # Its 立案数 bin alone (0 cases → 100) would make it the best department of the city: no rate applies, so
    # it gets no composite, no grade and no rank, and is listed after the ranked ones.
    result = evaluation_run(user=cast["admin"], kind="department", start=START, end=END, now=NOW)
    row = next(r for r in result.rows if r.code == "WEST-CG")
    assert row.values["closing_rate"] is None and row.scores["closing_rate"] is None
    assert row.scores["registered_count"] == 100  # shown, but not a composite on its own
    assert (row.composite, row.grade, row.grade_colour, row.rank) == (None, "", "", None)
    assert result.rows.index(row) > max(i for i, r in enumerate(result.rows) if r.rank is not None)


def test_a_department_with_one_closed_case_is_ranked(cast):
    drive(report(cast, at=FEB), cast, CaseState.CLOSED, at=FEB)
    result = evaluation_run(user=cast["admin"], kind="department", start=dt.date(2026, 2, 1),
                            end=dt.date(2026, 2, 28), now=NOW)
    east = next(r for r in result.rows if r.code == "EAST-CG")
    assert (east.counters["registered"], east.composite, east.grade, east.rank) == (1, 100.0, "A", 1)
    assert all(r.rank is None for r in result.rows if r.code != "EAST-CG")


def test_a_case_not_yet_due_does_not_rank_its_department(cast):
    # Registered and dispatched, handling not yet overdue: nothing is due, so no rate applies yet.
    drive(report(cast, at=FEB), cast, CaseState.DISPATCHED, at=FEB)
    result = evaluation_run(user=cast["admin"], kind="department", start=dt.date(2026, 2, 1),
                            end=dt.date(2026, 2, 28), now=FEB + dt.timedelta(hours=1))
    east = next(r for r in result.rows if r.code == "EAST-CG")
    assert (east.counters["registered"], east.composite, east.rank) == (1, None, None)


def test_a_scheme_of_count_bins_only_ranks_the_subjects_with_a_case(cast, march):
    Indicator.objects.filter(kind="department").exclude(code="registered_count").update(active=False)
    result = evaluation_run(user=cast["admin"], kind="department", start=START, end=END, now=NOW)
    ranks = {r.code: (r.composite, r.rank) for r in result.rows if r.code in ("EAST-CG", "WEST-CG")}
    assert ranks == {"EAST-CG": (100.0, 1), "WEST-CG": (None, None)}


def test_grid_public_reports_count_bins_and_closing(cast, march):
    row = row_of(cast, "grid", "510104001001001")
    assert_counts(row, registered=8, public_reports=1, closed=6, close_due=7, closed_in_time=5)
    assert row.scores["registered_count"] == 40  # 8 cases in a class-1 grid: bin 7–8
    assert (row.composite, row.grade) == (71.04, "C")


@pytest.mark.parametrize("kind, code", [("community", "510104001001"), ("street", "510104001"),
                                        ("district", "510104")])
def test_larger_regions_score_their_count_per_unit_grid(cast, march, kind, code):
    row = row_of(cast, kind, code)
    assert_counts(row, registered=8, grids=4, closed=6, close_due=7, closed_in_time=5)
    assert row.values["registered_count"] == 2 and row.scores["registered_count"] == 90
    assert (row.composite, row.grade) == (81.04, "B")


def test_a_suspended_case_becomes_overdue_once_resumed_past_its_deadline(cast, march):
    from cityops.cases import services as s
    from tests.evaluation.histories import T3

    g = march["G"]
    s.case_resume(case=g, actor=cast["shift_leader"], version=g.version, at=T3)
    row = row_of(cast, "department", "EAST-CG")
    assert_counts(row, suspended=0, overdue_open=2, close_due=8)


def test_an_edited_scheme_changes_the_composite_and_exactly_90_is_grade_a(cast, march):
    Indicator.objects.filter(kind="acceptor", code="accepted_count").update(weight=10)
    Indicator.objects.filter(kind="acceptor").exclude(code="accepted_count").update(weight=45)
    row = row_of(cast, "acceptor", "acceptor")
    assert (row.composite, row.grade) == (90.0, "A")


def test_subjects_rank_by_composite(cast, march):
    result = evaluation_run(user=cast["admin"], kind="department", start=START, end=END, now=NOW)
    ranked = [(r.code, r.rank) for r in result.rows if r.code in ("EAST-CG", "WEST-CG")]
    assert ranked == [("EAST-CG", 1), ("WEST-CG", None)]  # WEST-CG had no case: unranked, listed after


def test_cases_of_another_month_do_not_count(cast, march):
    result = evaluation_run(user=cast["admin"], kind="department", start=dt.date(2026, 2, 1),
                            end=dt.date(2026, 2, 28), now=NOW)
    row = next(r for r in result.rows if r.code == "EAST-CG")
    assert row.counters["registered"] == 0
