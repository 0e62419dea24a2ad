"""The evaluation scheme as plain values: indicator definitions, scoring, composite and grade.

Kept free of queries (except `scheme_load`) so a snapshot's frozen scheme scores exactly like the live one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cityops.evaluation.kinds import ScoringMethod
from cityops.evaluation.models import GradeBand, Indicator


@dataclass(frozen=True)
class IndicatorDef:
    """An indicator as evaluated: value = numerator / denominator (or the count, for bins), scored, weighted."""

    code: str
    name: str
    name_en: str
    numerator: str
    denominator: str
    method: str
    weight: float
    bins: list[list[Any]]
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GradeDef:
    grade: str
    lower: float
    upper: float
    colour: str
    colour_hex: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scheme_load(kind: str) -> tuple[list[IndicatorDef], list[GradeDef]]:
    """The active indicators of `kind` (in order) and the grade bands (best first), as stored now."""
    indicators = [
        IndicatorDef(i.code, i.name, i.name_en, i.numerator, i.denominator, i.method, float(i.weight),
                     list(i.bins or []), i.source)
        for i in Indicator.objects.filter(kind=kind, active=True).order_by("position", "id")
    ]
    grades = [GradeDef(g.grade, float(g.lower), float(g.upper), g.colour, g.colour_hex)
              for g in GradeBand.objects.order_by("-lower")]
    return indicators, grades


def indicators_from_dicts(rows: list[dict[str, Any]]) -> list[IndicatorDef]:
    return [IndicatorDef(**row) for row in rows]


def grades_from_dicts(rows: list[dict[str, Any]]) -> list[GradeDef]:
    return [GradeDef(**row) for row in rows]


# --- scoring ----------------------------------------------------------------------------------------------


def indicator_value(ind: IndicatorDef, counters: dict[str, int]) -> float | None:
    """The indicator's value: a rate (None when its denominator is 0), or the count (per denominator) for bins."""
    numerator = counters.get(ind.numerator, 0)
    if ind.method == ScoringMethod.BINS:
        if not ind.denominator:
            return float(numerator)
        divisor = counters.get(ind.denominator, 0)
        return numerator / divisor if divisor else None
    denominator = counters.get(ind.denominator, 0)
    return numerator / denominator if denominator else None


def indicator_score(ind: IndicatorDef, value: float | None) -> float | None:
    """0–100 score of `value`; None (not applicable, left out of the composite) when there is no value."""
    if value is None:
        return None
    if ind.method == ScoringMethod.RATE:
        return _clamp(value * 100)
    if ind.method == ScoringMethod.INVERSE_RATE:
        return _clamp((1 - value) * 100)
    return bin_score(ind.bins, value)


def bin_score(bins: list[list[Any]], value: float) -> float:
    """The score of the bin with the highest lower bound not above `value` (0 below every bin)."""
    best: list[Any] | None = None
    for lower, _upper, score in bins:
        if value >= lower and (best is None or lower > best[0]):
            best = [lower, _upper, score]
    return float(best[2]) if best is not None else 0.0


def composite(indicators: list[IndicatorDef], scores: dict[str, float | None]) -> float | None:
    """Σ(weight × score) / Σ(weight) over the applicable indicators, rounded half up to 2 decimals."""
    pairs = [(ind.weight, scores[ind.code]) for ind in indicators if scores.get(ind.code) is not None]
    total = sum(w for w, _s in pairs)
    if not pairs or total <= 0:
        return None
    raw = sum(w * s for w, s in pairs) / total
    # Decimal rounding of the repr: 89.995 must not become 89.99 through binary floating point.
    return float(Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def grade_of(grades: list[GradeDef], score: float | None) -> GradeDef | None:
    """The band whose lower bound is the highest not above `score` ([lower, upper), the top band closed)."""
    if score is None:
        return None
    for band in sorted(grades, key=lambda g: -g.lower):
        if score >= band.lower:
            return band
    return None


def _clamp(score: float) -> float:
    return round(max(0.0, min(100.0, score)), 4)
