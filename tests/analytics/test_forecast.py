"""Next week's forecast per region and class: Holt-Winters with a weekly season, its backtest and baseline."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import translation

from cityops.analytics import forecast as fc
from cityops.analytics.params import CaseFilters, scope_for
from cityops.core.errors import InvalidInput
from tests.analytics.conftest import EAST_1, WEST_1

WEEK = [1, 2, 1, 2, 1, 4, 3]  # Monday … Sunday
AS_OF = dt.date(2026, 3, 29)  # a Sunday
FIRST = dt.date(2026, 2, 16)  # the Monday six weeks before


def test_a_perfectly_weekly_series_is_forecast_exactly_with_no_backtest_error():
    series = np.array(WEEK * 16, dtype=float)
    result = fc.forecast_series("total", "", "all", series, dt.date(2026, 1, 5))
    assert result.method == fc.Method.HOLT_WINTERS
    assert result.daily == pytest.approx(WEEK, abs=0.05) and result.forecast == pytest.approx(14, abs=0.2)
    assert (result.mae, result.mape, result.baseline_mae, result.baseline_mape) == (0.0, 0.0, 0.0, 0.0)
    assert [w.actual for w in result.backtest] == [14] * 4 and result.last_week == 14


def test_a_trend_is_followed_by_holt_winters_and_missed_by_the_seasonal_naive_baseline():
    series = np.array(WEEK * 16, dtype=float) + np.arange(16 * 7) // 7  # every day one report more each week
    result = fc.forecast_series("total", "", "all", series, dt.date(2026, 1, 5))
    assert result.mae < result.baseline_mae
    # The baseline repeats last week: each of its weekly counts (14 + 7 × week) is 7 short.
    actual = [14 + 7 * week for week in (12, 13, 14, 15)]
    assert [w.actual for w in result.backtest] == actual
    assert result.baseline_mae == 7.0
    assert result.baseline_mape == pytest.approx(100 * np.mean([7 / a for a in actual]), abs=0.05)


def test_error_metrics():
    errors = fc.errors([10, 20, 0], [12, 15, 1])
    assert errors.mae == pytest.approx(2.67) and errors.mape == 22.5  # MAPE skips the week with no reports
    assert fc.errors([], []) == fc.Errors(None, None)
    assert fc.errors([0], [3]) == fc.Errors(3.0, None)


def test_a_short_history_falls_back_to_seasonal_naive():
    series = np.array((WEEK * 3)[:17], dtype=float)
    values, method, _params = fc.holt_winters(series)
    assert method == fc.Method.SEASONAL_NAIVE and list(values) == (WEEK * 3)[10:17]
    values, method, _params = fc.holt_winters(np.array([2.0, 4.0]))
    assert method == fc.Method.SEASONAL_NAIVE and list(values) == [3.0] * 7
    assert list(fc.holt_winters(np.zeros(60))[0]) == [0.0] * 7


@pytest.fixture
def weekly_history(put):
    """Six weeks of 东区 reports following WEEK, and one 西区 report each Saturday."""
    for day in range(42):
        date = FIRST + dt.timedelta(days=day)
        for n in range(WEEK[date.weekday()]):
            put((date.year, date.month, date.day, 9 + n))
        if date.weekday() == 5:
            put((date.year, date.month, date.day, 20), point=WEST_1, catalog_class="matter:09006")
    put((2026, 3, 30, 9), point=EAST_1)  # after the as-of day: not used


def test_forecast_per_street_and_class_from_the_database(weekly_history, staff):
    result = fc.forecast_next_week(scope=scope_for(staff["admin"]), as_of=AS_OF)
    assert result.days[0] == dt.date(2026, 3, 30) and len(result.days) == 7
    east, west = result.regions  # ranked by expected load: where to send inspectors first
    assert (east.code, east.method, east.history_days, east.last_week) == ("510104001", "holt_winters", 42, 14)
    assert east.forecast == pytest.approx(14, abs=0.2) and east.daily[5] == pytest.approx(4, abs=0.05)
    assert east.mae == pytest.approx(0, abs=0.2) and east.baseline_mae == 0.0
    assert len(east.backtest) == 4 and east.backtest[0].start == dt.date(2026, 3, 2)
    assert (west.code, west.last_week) == ("510105001", 1) and west.forecast == pytest.approx(1, abs=0.1)
    assert [c.code for c in result.classes] == ["matter:06010", "matter:09006"]
    assert result.total.forecast == pytest.approx(15, abs=0.3)


def test_forecast_is_scoped_and_empty_without_history(weekly_history, staff):
    west = fc.forecast_next_week(scope=scope_for(staff["west_leader"]), as_of=AS_OF)
    assert [r.code for r in west.regions] == ["510105001"] and [c.code for c in west.classes] == ["matter:09006"]
    # West's first report is on the first Saturday: its history starts there.
    assert west.regions[0].history_days == 37
    empty = fc.forecast_next_week(scope=scope_for(staff["admin"]), as_of=dt.date(2025, 1, 1))
    assert (empty.total, empty.regions, empty.classes) == (None, [], [])


def test_forecast_by_district_and_a_bad_level(weekly_history, staff):
    result = fc.forecast_next_week(scope=scope_for(staff["admin"]), level="district", limit=1, as_of=AS_OF)
    assert [r.code for r in result.regions] == ["510104"] and len(result.classes) == 1
    with pytest.raises(InvalidInput) as err:
        fc.forecast_next_week(scope=scope_for(staff["admin"]), level="grid", as_of=AS_OF)
    assert err.value.field == "level"


def test_a_forecast_is_computed_once_per_scope_and_day(weekly_history, staff, django_assert_num_queries):
    first = fc.forecast_next_week(scope=scope_for(staff["admin"]), as_of=AS_OF)
    scope = scope_for(staff["admin"])
    with django_assert_num_queries(0):
        again = fc.forecast_next_week(scope=scope, as_of=AS_OF)
    assert again.regions[0].forecast == first.regions[0].forecast
    west = fc.forecast_next_week(scope=scope_for(staff["west_leader"]), as_of=AS_OF)  # another scope: its own
    assert [r.code for r in west.regions] == ["510105001"]


def test_a_cached_forecast_serves_neither_another_filter_nor_another_language(weekly_history, staff):
    fc.forecast_next_week(scope=scope_for(staff["admin"]), as_of=AS_OF)
    west = fc.forecast_next_week(scope=scope_for(staff["admin"], CaseFilters(region="510105")), as_of=AS_OF)
    assert [r.code for r in west.regions] == ["510105001"]
    only_west = fc.forecast_next_week(scope=scope_for(staff["admin"], CaseFilters(catalog_class="matter:09006")),
                                      as_of=AS_OF)
    assert [c.code for c in only_west.classes] == ["matter:09006"]
    assert [r.code for r in only_west.regions] == ["510105001"]
    with translation.override("zh-hans"):
        chinese = fc.forecast_next_week(scope=scope_for(staff["admin"]), as_of=AS_OF)
    english = fc.forecast_next_week(scope=scope_for(staff["admin"]), as_of=AS_OF)
    assert english.total.name == "All cases in scope" and chinese.total.name != english.total.name
