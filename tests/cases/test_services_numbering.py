"""Case numbers: YYYYMMDD of the Shanghai day and a 5-digit sequence that restarts every day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cityops.cases.models import CaseNumberCounter
from cityops.cases.numbering import format_number, next_case_number
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import local, report


def test_numbers_of_one_day_follow_each_other(db):
    at = local(2026, 11, 21, 10, 0)
    assert [next_case_number(at) for _ in range(3)] == ["2026112100001", "2026112100002", "2026112100003"]
    assert CaseNumberCounter.objects.get(day=date(2026, 11, 21)).last == 3


def test_the_sequence_restarts_at_midnight_in_shanghai_not_in_utc(db):
    assert next_case_number(local(2026, 3, 1, 23, 59)) == "2026030100001"
    # 16:00 UTC on 1 March is already midnight of 2 March in Shanghai.
    assert next_case_number(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == "2026030200001"
    assert next_case_number(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == "2026030100002"


def test_a_busy_day_widens_the_sequence_rather_than_failing():
    assert format_number(date(2026, 1, 2), 7) == "2026010200007"
    assert format_number(date(2026, 1, 2), 100000) == "20260102100000"


def test_reports_get_their_number_from_the_report_time(cast):
    first = report(cast, at=local(2026, 5, 4, 9, 0))
    second = report(cast, at=local(2026, 5, 4, 9, 1))
    assert (first.number, second.number) == ("2026050400001", "2026050400002")
