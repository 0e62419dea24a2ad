"""Drill-down: the cases behind a count are exactly the cases the count counted."""

from __future__ import annotations

import datetime as dt

import pytest

from cityops.core.errors import InvalidInput
from cityops.evaluation.counters import COUNTERS
from cityops.evaluation.selectors import evaluation_drilldown, evaluation_run
from tests.evaluation.histories import NOW

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def letters(cast, march, kind, subject_id, counter):
    cases = evaluation_drilldown(user=cast["admin"], kind=kind, subject_id=subject_id, counter=counter, start=START,
                                 end=END, now=NOW)
    by_pk = {c.pk: letter for letter, c in march.items()}
    return sorted(by_pk[c.pk] for c in cases)


@pytest.mark.parametrize("kind, who, counter, expected", [
    ("department", "dept_east", "close_due", "ABCDEHI"),
    ("department", "dept_east", "handled_in_time", "ACDEI"),
    ("department", "dept_east", "overdue_open", "H"),
    ("department", "dept_east", "reworks", "E"),
    ("inspector", "inspector", "missed", "I"),
    ("inspector", "inspector", "valid_reports", "ABCDEGH"),
    ("inspector", "inspector", "check_due", "ABCDEI"),
    ("shift_leader", "shift_leader", "voided_after_registration", "F"),
    ("shift_leader", "shift_leader", "closed_on_time", "BCDEI"),
    ("dispatcher", "dispatcher", "returns", "D"),
    ("acceptor", "acceptor", "verify_sends", "I"),
])
def test_the_drill_down_lists_the_counted_cases(cast, march, kind, who, counter, expected):
    assert "".join(letters(cast, march, kind, cast[who].pk, counter)) == expected


@pytest.mark.parametrize("kind, who", [("department", "dept_east"), ("inspector", "inspector"),
                                       ("acceptor", "acceptor"), ("shift_leader", "shift_leader"),
                                       ("dispatcher", "dispatcher")])
def test_every_case_count_equals_the_length_of_its_drill_down(cast, march, kind, who):
    subject = cast[who].pk
    row = next(r for r in evaluation_run(user=cast["admin"], kind=kind, start=START, end=END, now=NOW).rows
               if r.subject_id == subject)
    for code, counter in COUNTERS[kind].items():
        if counter.parts and all(p.total is None for p in counter.parts):
            cases = evaluation_drilldown(user=cast["admin"], kind=kind, subject_id=subject, counter=code,
                                         start=START, end=END, now=NOW)
            assert cases.count() == row.counters[code], code


def test_the_grid_count_is_not_a_case_count(cast, city, march):
    with pytest.raises(InvalidInput) as refused:
        evaluation_drilldown(user=cast["admin"], kind="district", subject_id=city.districts[0].pk, counter="grids",
                             start=START, end=END)
    assert refused.value.field == "counter"


def test_an_unknown_counter_is_refused_naming_the_field(cast, march):
    with pytest.raises(InvalidInput) as refused:
        evaluation_drilldown(user=cast["admin"], kind="department", subject_id=cast["dept_east"].pk,
                             counter="nonsense", start=START, end=END)
    assert refused.value.field == "counter"
