"""Scored and ranked results: the scheme's indicators applied to each subject's counters, the composite and grade."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cityops.evaluation.counters import COUNTERS
from cityops.evaluation.counting import grid_counts
from cityops.evaluation.kinds import RATE_METHODS, ScoringMethod
from cityops.evaluation.scheme import GradeDef, IndicatorDef


@dataclass
class ResultRow:
    """One subject's counters, indicator values and scores, composite score, grade and rank."""

    subject_id: int
    code: str
    name: str
    counters: dict[str, int]
    values: dict[str, float | None]
    scores: dict[str, float | None]
    composite: float | None
    grade: str
    grade_colour: str
    rank: int | None = None


@dataclass
class SnapshotInfo:
    id: int
    month: dt.date
    published_at: dt.datetime
    published_by: str
    evaluated_at: dt.datetime


@dataclass
class EvaluationResult:
    """The evaluation of one subject kind for a period: definitions and ranked rows."""

    kind: str
    start: dt.date
    end: dt.date
    indicators: list[IndicatorDef]
    rows: list[ResultRow]
    generated_at: dt.datetime
    grades: list[GradeDef] = field(default_factory=list)
    counters: list[tuple[str, str]] = field(default_factory=list)
    snapshot: SnapshotInfo | None = None
    region: str | None = None


def score_rows(
    kind: str,
    subjects: dict[int, tuple[str, str]],
    counts: dict[int, list[int]],
    indicators: list[IndicatorDef],
    grades: list[GradeDef],
) -> list[ResultRow]:
    """Rows with values, scores, composite and grade for `subjects`, ranked (ties share a rank).

    `counts` holds each subject's counters in `COUNTERS[kind]` order (`counter_vectors`). The arithmetic is
    `scheme.indicator_value`, `indicator_score`, `composite` and `grade_of` inlined with the indicators'
    definitions looked up once: the grid kind scores ~47 k subjects.
    """
    codes = list(COUNTERS[kind])
    grids = grid_counts(kind) if "grids" in COUNTERS[kind] else None
    zero = [0] * len(codes)
    # Per indicator a value → score memo: the values repeat (1.0, 0.0, a few cases per grid) across subjects.
    plan = [
        (ind.code, ind.method, ind.numerator, ind.denominator, ind.weight, _bins_best_first(ind.bins), {})
        for ind in indicators
    ]
    has_rates = any(ind.method in RATE_METHODS for ind in indicators)
    bands = sorted(grades, key=lambda g: -g.lower)
    rounded: dict[float, float] = {}
    rate, inverse, bins_method = (
        str(ScoringMethod.RATE),
        str(ScoringMethod.INVERSE_RATE),
        str(ScoringMethod.BINS),
    )
    rows = []
    for subject_id, (code, name) in subjects.items():
        vector = counts.get(subject_id) or zero
        counters = dict(zip(codes, vector, strict=True))
        if grids is not None:
            counters["grids"] = grids.get(subject_id, 0)
        values: dict[str, float | None] = {}
        scores: dict[str, float | None] = {}
        weights: list[float] = []
        products: list[float] = []
        rate_applies = False
        for ind_code, method, numerator, denominator, weight, bins, memo in plan:
            top = counters.get(numerator, 0)
            if method == bins_method and not denominator:
                value: float | None = float(top)
            else:
                divisor = counters.get(denominator, 0)
                value = top / divisor if divisor else None
            values[ind_code] = value
            if value is None:
                scores[ind_code] = None
                continue
            if method != bins_method:
                rate_applies = True
            score = memo.get(value)
            if score is None:
                if method == rate:
                    score = round(max(0.0, min(100.0, value * 100)), 4)
                elif method == inverse:
                    score = round(max(0.0, min(100.0, (1 - value) * 100)), 4)
                else:
                    score = next((float(s) for lower, s in bins if value >= lower), 0.0)
                memo[value] = score
            scores[ind_code] = score
            weights.append(weight)
            products.append(weight * score)
        total = None
        # Unranked without activity: a rate that applies, or (a scheme of bins only) a case counted.
        if (rate_applies if has_rates else any(vector)) and products:
            weight_sum = sum(weights)
            if weight_sum > 0:
                raw = sum(products) / weight_sum
                total = rounded.get(raw)
                if total is None:
                    total = rounded[raw] = _round2(raw)
        band = next((b for b in bands if total >= b.lower), None) if total is not None else None
        rows.append(
            ResultRow(
                subject_id,
                code,
                name,
                counters,
                values,
                scores,
                total,
                band.grade if band else "",
                band.colour_hex if band else "",
            )
        )
    return rank_rows(rows)


def _bins_best_first(bins: list[list[Any]]) -> list[tuple[float, Any]]:
    """(lower, score) by falling lower bound: the first not above a value is `scheme.bin_score`'s bin."""
    return sorted(((lower, score) for lower, _upper, score in bins), key=lambda b: -b[0])


def _round2(raw: float) -> float:
    """`scheme.composite`'s rounding: half up to 2 decimals, from the repr."""
    return float(Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rank_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """Best composite first; equal composites share a rank (1, 1, 3); rows without a composite have none."""
    rows.sort(key=lambda r: (r.composite is None, -(r.composite or 0), r.code))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.composite is None:
            row.rank = None
            continue
        if row.composite != previous:
            rank, previous = position, row.composite
        row.rank = rank
    return rows
