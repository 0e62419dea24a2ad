"""Scoring rules: rates, inverse rates, bins, the composite and the grade bands' boundaries."""

from __future__ import annotations

import pytest

from cityops.evaluation.defaults import AREA_CLASS1_BINS, DEPARTMENT_BINS, WORKLOAD_BINS
from cityops.evaluation.scheme import (
    IndicatorDef,
    bin_score,
    composite,
    grade_of,
    indicator_score,
    scheme_load,
)
from cityops.evaluation.validation import bins_error


def ind(code="x", method="rate", weight=100.0, bins=None, denominator="d"):
    return IndicatorDef(code, code, code, "n", denominator, method, weight, bins or [])


@pytest.fixture
def grades(db):
    return scheme_load("grid")[1]


@pytest.mark.parametrize("score, grade", [(100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.99, "C"), (60, "C"),
                                          (59.99, "D"), (40, "D"), (39.99, "E"), (0, "E")])
def test_grade_bands_include_their_lower_bound(grades, score, grade):
    assert grade_of(grades, score).grade == grade


def test_the_composite_rounds_half_up_before_grading(grades):
    indicators = [ind("a", weight=50), ind("b", weight=50)]
    assert composite(indicators, {"a": 89.99, "b": 90.0}) == 90.0  # 89.995 → 90.00 → A
    assert grade_of(grades, composite(indicators, {"a": 89.98, "b": 90.0})).grade == "B"  # 89.99


def test_the_composite_normalises_any_weights_and_skips_indicators_that_do_not_apply():
    indicators = [ind("a", weight=10), ind("b", weight=20), ind("c", weight=30)]
    assert composite(indicators, {"a": 100, "b": 50, "c": None}) == pytest.approx(66.67)
    assert composite(indicators, {"a": None, "b": None, "c": None}) is None


@pytest.mark.parametrize("bins, value, score", [
    (WORKLOAD_BINS, 100, 0), (WORKLOAD_BINS, 101, 40), (WORKLOAD_BINS, 2000, 90), (WORKLOAD_BINS, 2001, 100),
    (DEPARTMENT_BINS, 50, 100), (DEPARTMENT_BINS, 51, 90), (DEPARTMENT_BINS, 1001, 0),
    (AREA_CLASS1_BINS, 0, 100), (AREA_CLASS1_BINS, 0.5, 100), (AREA_CLASS1_BINS, 2.5, 90), (AREA_CLASS1_BINS, 9, 0),
])
def test_a_value_takes_the_bin_with_the_highest_lower_bound_not_above_it(bins, value, score):
    assert bin_score(bins, value) == score


def test_rates_are_clamped_to_0_to_100():
    assert indicator_score(ind(method="inverse_rate"), 2.0) == 0  # two reworks per case due
    assert indicator_score(ind(method="rate"), 0.25) == 25
    assert indicator_score(ind(method="rate"), None) is None


@pytest.mark.parametrize(("bins", "error"), [
    ([[0, 50, 100], [51, None, 40]], ""),
    ([], "Give at least one bin"),
    ([[float("nan"), None, 50]], "with numbers"),
    ([[0, float("inf"), 50]], "with numbers"),
    ([[0, 10, 120]], "between 0 and 100"),
    ([[10, 5, 50]], "below its lower bound"),
    ([[0, 10, 100], [5, None, 50]], "may not overlap"),
])
def test_bins_are_checked_before_they_are_saved(bins, error):
    message = bins_error(bins)
    assert (error in message and message != "") if error else message == ""
