"""The monthly report (月度报告): headline numbers of a hand-built March, rankings, top classes, print and Excel.

March 2026, T = Mon 2 March 09:00, T2 = Tue 3 March 09:00 (garbage 06010: handle within 240 working minutes):

| case | history                                                      | counts as                              |
|------|--------------------------------------------------------------|----------------------------------------|
| A    | 东区 garbage, everything at T, closed at T                   | registered, closed in time             |
| B    | 东区 garbage, dispatched at T, handled late at T2, closed T2  | registered, closed, not in time        |
| C    | 东区 garbage, dispatched at T, never handled                  | registered, overdue now                |
| D    | 东区 garbage, voided before registration                      | reported only                          |
| E    | 东区 vending (09006), only reported                           | reported only                          |
| W    | 西区 garbage reported by the admin, only reported             | reported only (outside 东区 staff's scope) |
| P    | 东区 garbage on Thu 26 February, closed                       | the previous month                     |
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cityops.analytics.report_tables import monthly_report_for_user
from cityops.cases import services as s
from cityops.cases.models import CaseState
from cityops.core.errors import Forbidden, InvalidInput
from cityops.evaluation.selectors import evaluation_results
from tests.cases.workflow_cast import WEST_POINT, cast, drive, fast_hashing, garbage, local, report  # noqa: F401
from tests.exports.export_support import body, workbook

T = local(2026, 3, 2, 9, 0)
T2 = local(2026, 3, 3, 9, 0)


@pytest.fixture
def march(cast, settings, tmp_path):  # noqa: F811  (the cast fixture)
    settings.CITYOPS_EXPORT_DIR = tmp_path / "exports"
    drive(report(cast, at=T), cast, CaseState.CLOSED, at=T)
    b = drive(report(cast, at=T), cast, CaseState.DISPATCHED, at=T)
    b = s.case_handle(case=b, actor=cast["handler"], version=b.version, result="清运完毕", at=T2)
    drive(b, cast, CaseState.CLOSED, at=T2)
    drive(report(cast, at=T), cast, CaseState.DISPATCHED, at=T)
    drive(report(cast, at=T), cast, CaseState.VOIDED, at=T)
    report(cast, at=T2, catalog_class="matter:09006", description="占道经营")
    report(cast, actor="admin", point=WEST_POINT, at=T2)
    drive(report(cast, at=local(2026, 2, 26, 9, 0)), cast, CaseState.CLOSED, at=local(2026, 2, 26, 10, 0))
    return cast


def test_the_headline_numbers_of_a_month(march):
    h = monthly_report_for_user(user=march["leader"], month="2026-03").headline
    assert (h.reported, h.registered, h.closed, h.close_due, h.closed_in_time, h.overdue_open) == (6, 3, 2, 3, 1, 1)
    assert h.closing_rate == pytest.approx(2 / 3) and h.on_time_rate == pytest.approx(1 / 3)


def test_the_previous_month_is_shown_beside(march):
    p = monthly_report_for_user(user=march["leader"], month="2026-03").previous
    assert (p.reported, p.registered, p.closed, p.overdue_open) == (1, 1, 1, 0)


def test_the_numbers_are_those_of_the_viewers_scope(march):
    east = monthly_report_for_user(user=march["dispatcher"], month="2026-03")
    assert east.headline.reported == 5  # W lies in 西区
    assert sum(c["reported"] for c in east.top_classes) == 5


def test_the_top_classes_of_the_month(march):
    classes = monthly_report_for_user(user=march["leader"], month="2026-03").top_classes
    assert [(c["code"], c["reported"], c["registered"]) for c in classes] == [("06010", 5, 3), ("09006", 1, 0)]
    assert classes[0]["share"] == pytest.approx(5 / 6) and classes[0]["rank"] == 1


def test_the_rankings_of_departments_and_streets_come_from_the_evaluation(march):
    leader = march["leader"]
    rankings = {r.kind: r for r in monthly_report_for_user(user=leader, month="2026-03").rankings}
    assert list(rankings) == ["department", "street"]
    for kind, ranking in rankings.items():
        result = evaluation_results(user=leader, kind=kind, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
        expected = {(r.name, r.rank, r.composite, r.grade) for r in result.rows}
        assert {(r["name"], r["rank"], r["composite"], r["grade"]) for r in ranking.rows} == expected
        assert [name for name, _kind in ranking.columns] == [i.name_en for i in result.indicators]
    assert "东区城管局" in {r["name"] for r in rankings["department"].rows}


def test_a_handler_sees_the_departments_cases_and_ranking_but_no_street_ranking(march):
    report_ = monthly_report_for_user(user=march["handler"], month="2026-03")
    rankings = {r.kind: r for r in report_.rankings}
    assert [r["name"] for r in rankings["department"].rows] == ["东区城管局"]
    assert rankings["street"].refused and not rankings["street"].rows
    assert report_.headline.registered == 3  # the department's cases only: D, E and W were never dispatched to it
    assert report_.headline.reported == 3


def test_the_default_month_is_last_month(march):
    report_ = monthly_report_for_user(user=march["leader"])
    assert report_.month.day == 1 and report_.end < report_.generated_at.date()


@pytest.mark.parametrize("month", ["2026-13", "0001-01", "1899-12", "3000-01", "9999-12"])
def test_a_malformed_or_far_month_is_refused(march, month):
    # Year 1 and 9999 would overflow Python's dates (the previous month, the month's end): a 422, not a 500.
    with pytest.raises(InvalidInput) as refused:
        monthly_report_for_user(user=march["leader"], month=month)
    assert refused.value.field == "month"


def test_staff_without_a_reading_role_may_not_see_it(march):
    with pytest.raises(Forbidden):
        monthly_report_for_user(user=march["inspector"], month="2026-03")


# --- the page ----------------------------------------------------------------------------------------------


def test_the_page_prints_the_months_numbers(client, march):
    client.force_login(march["leader"])
    response = client.get(reverse("exports:monthly-report"), {"month": "2026-03"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Monthly report 2026-03" in page
    assert "<strong>6</strong>" in page and "<strong>66.67%</strong>" in page and "<strong>33.33%</strong>" in page
    assert "东区城管局" in page and "83.33%" in page
    assert "@page { size: A4" in page and "break-before: page" in page  # print CSS: A4, a page per section
    assert 'name="kind" value="report.monthly"' in page and 'name="month" value="2026-03"' in page


def test_the_page_says_when_the_month_is_malformed(client, march):
    client.force_login(march["leader"])
    response = client.get(reverse("exports:monthly-report"), {"month": "March"})
    assert response.status_code == 422 and "month must be a month like 2026-03." in response.content.decode()


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_the_page_and_the_export_refuse_a_month_out_of_range(client, march, month):
    client.force_login(march["leader"])
    page = client.get(reverse("exports:monthly-report"), {"month": month})
    assert page.status_code == 422 and "month must lie between 1900-01-01 and 2999-12-31." in page.content.decode()
    api = client.post("/api/v1/exports", {"kind": "report.monthly", "params": {"month": month}},
                      content_type="application/json")
    assert api.status_code == 422 and api.json()["field"] == "month"


def test_the_page_is_refused_to_an_inspector(client, march):
    client.force_login(march["inspector"])
    assert client.get(reverse("exports:monthly-report")).status_code == 403


def test_the_page_needs_a_login(client, db):
    response = client.get(reverse("exports:monthly-report"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_months_tables_download_as_one_workbook(client, march):
    client.force_login(march["leader"])
    response = client.post(reverse("exports:start"), {"kind": "report.monthly", "format": "xlsx", "month": "2026-03"})
    assert response.status_code == 200
    book = workbook(body(response))
    assert len(book.sheetnames) == 4
    headline = book.worksheets[0]
    assert headline["A1"].value == "Monthly report 2026-03"
    header = [c.value for c in headline[5]]
    assert header[:3] == ["Month", "Reported (上报数)", "Registered (立案数)"]
    assert [c.value for c in headline[6]][:4] == ["2026-03", 6, 3, 2]
    assert headline["E6"].value == pytest.approx(2 / 3) and headline["E6"].number_format == "0.00%"
    departments = book.worksheets[1]
    assert [c.value for c in departments[5]][:5] == ["Rank", "Code", "Name", "Composite score", "Grade"]
    classes = book.worksheets[3]
    assert [c.value for c in classes[6]][1:3] == ["06010", "暴露垃圾"]


def test_the_report_prints_counts_whole_ratios_with_two_decimals_and_rates_as_percentages():
    from cityops.core.tables import ColumnKind
    from cityops.exports.views import _show

    assert (_show(3.0, ColumnKind.NUMBER), _show(0.04, ColumnKind.NUMBER)) == ("3", "0.04")
    assert (_show(0.8571, ColumnKind.RATE), _show(None, ColumnKind.RATE)) == ("85.71%", "—")
