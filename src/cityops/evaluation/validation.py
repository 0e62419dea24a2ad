"""What makes an indicator definition valid: the model's `clean` (the admin form) and the data migration ask here."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cityops.evaluation.counters import COUNTERS
from cityops.evaluation.kinds import RATE_METHODS, ScoringMethod


def indicator_errors(
    *, kind: str, numerator: str, denominator: str, method: str, weight: Any, bins: Any
) -> dict[str, str]:
    """Field → message for everything wrong with an indicator definition (empty when valid)."""
    vocabulary = COUNTERS.get(kind, {})
    errors: dict[str, str] = {}
    names = ", ".join(vocabulary)
    if numerator not in vocabulary:
        errors["numerator"] = _("Choose one of the counters of this kind: %(names)s.") % {"names": names}
    if denominator and denominator not in vocabulary:
        errors["denominator"] = _("Choose one of the counters of this kind: %(names)s.") % {"names": names}
    if method in RATE_METHODS and not denominator:
        errors["denominator"] = _("A rate needs a denominator counter.")
    if weight is None or not 0 <= Decimal(str(weight)) <= 100:
        errors["weight"] = _("A weight lies between 0 and 100 (%).")
    if method == ScoringMethod.BINS:
        message = bins_error(bins)
        if message:
            errors["bins"] = message
    return errors


def bins_error(bins: Any) -> str:
    """Why `bins` is not a list of non-overlapping [lower, upper|null, score 0–100] (empty when it is)."""
    if not isinstance(bins, list) or not bins:
        return _("Give at least one bin [lower, upper, score].")
    rows = []
    for row in bins:
        if not (
            isinstance(row, list)
            and len(row) == 3
            and _number(row[0])
            and _number(row[2])
            and (row[1] is None or _number(row[1]))
        ):
            return _("Each bin is [lower, upper or null, score] with numbers.")
        if not 0 <= row[2] <= 100:
            return _("A bin's score lies between 0 and 100.")
        if row[1] is not None and row[1] < row[0]:
            return _("A bin's upper bound may not be below its lower bound.")
        rows.append(row)
    rows.sort(key=lambda r: r[0])
    for before, after in zip(rows, rows[1:], strict=False):
        if before[1] is None or before[1] >= after[0]:
            return _("Bins may not overlap.")
    return ""


def _number(value: Any) -> bool:
    # NaN and infinity parse as JSON numbers in the admin but compare with nothing (and PostgreSQL's jsonb refuses them).
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
