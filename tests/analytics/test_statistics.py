"""Counts and rates by dimension, with the previous period (环比) and the year before (同比)."""

from __future__ import annotations

import datetime as dt

import pytest

from cityops.analytics.params import CaseFilters, Period, period_parse, scope_for
from cityops.analytics.statistics import stats_by_dimension, time_buckets
from cityops.cases.models import CaseState
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from tests.analytics.conftest import EAST_4, WEST_1
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, local, report

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
GARBAGE, VENDING = "matter:06010", "matter:09006"


def rows_by_code(stats):
    return {row.code: row for row in stats.rows}


@pytest.fixture
def march(put):
    """March 2026: 3 garbage (one closed, one voided) and 1 vending; February: 2 garbage; March 2025: 1 vending."""
    put((2026, 3, 2, 9), state=CaseState.CLOSED)
    put((2026, 3, 15, 23, 30), state=CaseState.VOIDED)
    put((2026, 3, 31, 23, 59), point=EAST_4, state=CaseState.DISPATCHED)
    put((2026, 3, 10, 8), point=WEST_1, catalog_class=VENDING, state=CaseState.REGISTERED)
    put((2026, 2, 1, 0, 1))
    put((2026, 2, 28, 12))
    put((2025, 3, 20, 12), catalog_class=VENDING)
    put((2026, 4, 1, 0, 0))  # just after the period (local midnight): not counted


def test_by_class_counts_the_cases_reported_in_the_local_period(march, staff):
    stats = stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="class")
    rows = rows_by_code(stats)
    assert [r.code for r in stats.rows] == [GARBAGE, VENDING]
    garbage = rows[GARBAGE]
    assert (garbage.reported, garbage.registered, garbage.closed, garbage.voided) == (3, 2, 1, 1)
    assert (garbage.previous, garbage.year_before) == (2, 0)
    assert garbage.change_previous == 50.0 and garbage.change_year is None
    assert garbage.closing_rate == 50.0
    vending = rows[VENDING]
    assert (vending.reported, vending.previous, vending.year_before, vending.change_year) == (1, 0, 1, 0.0)
    assert (stats.total.reported, stats.total.previous, stats.total.year_before) == (4, 2, 1)


def test_a_whole_month_compares_with_the_previous_month_and_the_same_month_a_year_before():
    assert MARCH.previous() == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert MARCH.year_before() == Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    ten_days = Period(dt.date(2026, 3, 5), dt.date(2026, 3, 14))
    assert ten_days.previous() == Period(dt.date(2026, 2, 23), dt.date(2026, 3, 4))
    leap = Period(dt.date(2024, 2, 29), dt.date(2024, 2, 29))
    assert leap.year_before() == Period(dt.date(2023, 2, 28), dt.date(2023, 2, 28))


def test_rates_use_the_facts_of_cases_closed_through_the_workflow(cast):
    at = local(2026, 3, 2, 9, 0)
    on_time = drive(report(cast, at=at), cast, CaseState.CLOSED, at=at)
    late = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    # Handled a month later: the 处置 round ran past its limit, so the case is closed late.
    later = local(2026, 4, 2, 9, 0)
    drive(late, cast, CaseState.CLOSED, at=later)
    drive(report(cast, at=at), cast, CaseState.REGISTERED, at=at)
    stats = stats_by_dimension(scope=scope_for(cast["admin"]), period=MARCH, dimension="class")
    (row,) = stats.rows
    assert (row.reported, row.registered, row.closed, row.on_time_closed, row.overdue) == (3, 3, 2, 1, 1)
    assert (row.closing_rate, row.on_time_rate, row.overdue_share) == (66.7, 33.3, 33.3)
    assert on_time.state == CaseState.CLOSED


def test_by_region_drills_from_districts_to_the_streets_of_one_district(march, staff, city):
    stats = stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="region")
    assert stats.level == "district"
    assert {r.code: r.reported for r in stats.rows} == {"510104": 3, "510105": 1}
    assert rows_by_code(stats)["510104"].drill == "510104"
    scope = scope_for(staff["admin"], CaseFilters(region="510104"))
    streets = stats_by_dimension(scope=scope, period=MARCH, dimension="region", user=staff["admin"])
    assert streets.level == "street" and {r.code: r.reported for r in streets.rows} == {"510104001": 3}
    grids = stats_by_dimension(scope=scope, period=MARCH, dimension="grid")
    assert {r.code: r.reported for r in grids.rows} == {"510104001001001": 2, "510104001001004": 1}
    assert all(r.drill == "" for r in grids.rows)  # a grid has nothing below it


def test_by_source_state_and_department(march, staff):
    scope = scope_for(staff["admin"])
    by_state = stats_by_dimension(scope=scope, period=MARCH, dimension="state")
    assert {r.code: r.reported for r in by_state.rows if r.reported} == {
        "closed": 1, "voided": 1, "dispatched": 1, "registered": 1}
    # February's open reports have no case this period but stay visible as a row of 0 against their 2.
    assert (by_state.rows[-1].code, by_state.rows[-1].reported, by_state.rows[-1].previous) == ("reported", 0, 2)
    by_source = stats_by_dimension(scope=scope, period=MARCH, dimension="source")
    assert {r.code: r.reported for r in by_source.rows} == {"inspector": 4}
    by_department = stats_by_dimension(scope=scope, period=MARCH, dimension="department")
    assert [(r.code, r.reported, r.label) for r in by_department.rows] == [("", 4, "(not dispatched)")]  # none was dispatched to anyone


def test_by_day_has_a_row_per_local_day_with_the_same_position_a_period_earlier(march, staff):
    stats = stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="day")
    assert len(stats.rows) == 31 and stats.rows[0].key == "2026-03-01"
    counts = {r.key: r.reported for r in stats.rows if r.reported}
    # 23:59 on 31 March in Shanghai is 15:59 UTC: still the 31st locally.
    assert counts == {"2026-03-02": 1, "2026-03-10": 1, "2026-03-15": 1, "2026-03-31": 1}
    assert stats.rows[0].previous == 1  # 1 February is the first day of the previous period
    assert stats.rows[19].year_before == 1  # 20 March 2025


def test_by_week_and_month_buckets(march, staff):
    weeks = stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="week")
    assert weeks.rows[0].key == "2026-02-23"  # the Monday of the week holding 1 March
    assert sum(r.reported for r in weeks.rows) == 4
    period = Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31))
    months = stats_by_dimension(scope=scope_for(staff["admin"]), period=period, dimension="month")
    assert [(r.label, r.reported) for r in months.rows] == [("2026-02", 2), ("2026-03", 4)]
    assert time_buckets("month", Period(dt.date(2025, 12, 15), dt.date(2026, 1, 2))) == [
        dt.date(2025, 12, 1), dt.date(2026, 1, 1)]


def test_a_handler_counts_only_the_cases_of_their_department(march, put, staff):
    dept = staff["handler"].department
    put((2026, 3, 3, 10), point=WEST_1, department=dept, state=CaseState.DISPATCHED)
    put((2026, 3, 3, 11), point=WEST_1, department=staff["other_handler"].department, state=CaseState.DISPATCHED)
    stats = stats_by_dimension(scope=scope_for(staff["handler"]), period=MARCH, dimension="department")
    assert [(r.code, r.reported) for r in stats.rows] == [("EAST-CG", 1)]


def test_a_district_leader_sees_only_their_district(march, staff):
    stats = stats_by_dimension(scope=scope_for(staff["west_leader"]), period=MARCH, dimension="class")
    assert [(r.code, r.reported) for r in stats.rows] == [(VENDING, 1)]
    with pytest.raises(NotFound):
        scope_for(staff["west_leader"], CaseFilters(region="510104"))


def test_inspectors_and_users_without_a_role_may_not_read_statistics(staff):
    for who in ("inspector", "nobody"):
        with pytest.raises(Forbidden):
            scope_for(staff[who])


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2026-03-10", "2026-03-01", "start"), ("2026-13-01", None, "start"), ("2025-01-01", "2026-03-01", "end"),
    ("yesterday", None, "start"), ("0001-01-01", "2026-03-01", "start"), (None, "9999-12-31", "end"),
])
def test_bad_periods_are_refused_naming_the_field(start, end, field):
    with pytest.raises(InvalidInput) as err:
        period_parse(start, end)
    assert err.value.field == field


def test_bad_filters_and_dimensions_are_refused(staff):
    with pytest.raises(InvalidInput) as err:
        scope_for(staff["admin"], CaseFilters(catalog_class="matter:99999"))
    assert err.value.field == "class"
    for filters, field in [(CaseFilters(source="fax"), "source"), (CaseFilters(region="999"), "region"),
                           (CaseFilters(department="NOPE"), "department")]:
        with pytest.raises(InvalidInput) as err:
            scope_for(staff["admin"], filters)
        assert err.value.field == field
    with pytest.raises(InvalidInput) as err:
        stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="colour")
    assert err.value.field == "dimension"


def test_a_limit_keeps_the_most_reported_rows_and_the_total_counts_all(march, staff):
    stats = stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="grid", limit=1)
    assert [(r.code, r.reported) for r in stats.rows] == [("510104001001001", 2)]
    # Left off: 东区网格4 (1 this period) and 西区网格1 (1 this period, 1 a year before).
    assert stats.left_off == 2 and (stats.total.reported, stats.total.previous, stats.total.year_before) == (4, 2, 1)


def test_period_presets_of_a_day():
    from cityops.analytics.params import period_presets

    presets = dict(period_presets(dt.date(2026, 3, 15)))
    assert presets["Last 7 days"] == Period(dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    assert presets["This month"] == Period(dt.date(2026, 3, 1), dt.date(2026, 3, 15))
    assert presets["Last month"] == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert presets["This year"] == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 15))
    assert dict(period_presets(dt.date(2026, 1, 10)))["Last month"] == Period(dt.date(2025, 12, 1),
                                                                              dt.date(2025, 12, 31))


def test_overdue_counts_live_cases_late_at_any_stage_over_the_cases_not_voided(put, staff):
    put((2026, 3, 2, 9), state=CaseState.REPORTED, is_overdue=True)  # acceptance late: before registration
    put((2026, 3, 2, 9), state=CaseState.DISPATCHED, is_overdue=True)
    put((2026, 3, 2, 9), state=CaseState.VOIDED, is_overdue=True)  # a voided case is never counted late
    put((2026, 3, 2, 9), state=CaseState.DISPATCHED)
    (row,) = stats_by_dimension(scope=scope_for(staff["admin"]), period=MARCH, dimension="class").rows
    assert (row.reported, row.registered, row.voided, row.overdue) == (4, 2, 1, 2)
    assert row.overdue_share == 66.7  # 2 of the 3 cases not voided
