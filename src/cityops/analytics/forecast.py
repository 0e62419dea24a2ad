"""Next week's reports (预测) per region and class, to suggest where to send inspectors.

Method: daily report counts of the busiest regions (street level by default) and classes in the caller's
scope, up to 16 weeks of history ending yesterday; each series is fitted with additive Holt-Winters
exponential smoothing with a weekly season (statsmodels `ExponentialSmoothing`, damped additive trend,
additive season of 7 days, heuristic initial state, parameters by maximum likelihood) and forecast 7 days
ahead. A series with less than 4 weeks of history, or one the
fit refuses, falls back to the seasonal-naive forecast (each weekday as it was last week).

Error: a rolling-origin backtest over the last 4 weeks — each week forecast from the days before it, with
smoothing parameters estimated on the days before the first of them — compares the forecast weekly count
with what was reported: the mean absolute error (MAE, reports per week) and the mean absolute percentage
error (MAPE, over weeks with reports), shown next to the same errors of the seasonal-naive baseline (next
week = last week). Results are cached per scope and day.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, F
from django.db.models.functions import TruncDay
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityops.analytics.params import Period, Scope, period_parse, positive_int, today
from cityops.analytics.statistics import class_labels, local_date, region_labels
from cityops.core.errors import InvalidInput
from cityops.geo.models import Level

HORIZON = 7
SEASON = 7
HISTORY_DAYS = 16 * 7
BACKTEST_WEEKS = 4
MIN_MODEL_DAYS = 4 * 7  # Holt-Winters needs a few seasons to estimate its initial state
DEFAULT_LIMIT = 10
MAX_LIMIT = 30
CACHE_SECONDS = 6 * 3600
LEVEL_FIELDS: dict[str, str] = {Level.DISTRICT: "district_id", Level.STREET: "street_id", Level.COMMUNITY: "community_id"}


class Method:
    HOLT_WINTERS = "holt_winters"
    SEASONAL_NAIVE = "seasonal_naive"


# --- the methods, on plain arrays -----------------------------------------------------------------------------


def seasonal_naive(history: np.ndarray, horizon: int = HORIZON) -> np.ndarray:
    """Each coming day as the same weekday last week (the mean day when there is less than a week)."""
    if len(history) >= SEASON:
        last = history[-SEASON:]
        return np.array([last[i % SEASON] for i in range(horizon)], dtype=float)
    level = float(np.mean(history)) if len(history) else 0.0
    return np.full(horizon, level)


SMOOTHING = ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend")
Params = dict[str, float]


def holt_winters(history: np.ndarray, horizon: int = HORIZON,
                 params: Params | None = None) -> tuple[np.ndarray, str, Params | None]:
    """Additive Holt-Winters (weekly season) forecast, or seasonal naive when the history is too short or flat.

    With `params` the smoothing parameters are taken as given (the model only runs through the history);
    without, they are estimated. Returns the forecast, the method used and the parameters.
    """
    if len(history) < MIN_MODEL_DAYS or not np.any(history) or np.ptp(history) == 0:
        return seasonal_naive(history, horizon), Method.SEASONAL_NAIVE, None
    from statsmodels.tsa.holtwinters import (
        ExponentialSmoothing,  # on use: a heavy library (seconds to import)
    )

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # convergence chatter of the optimiser on short, sparse series
            model = ExponentialSmoothing(history.astype(float), trend="add", damped_trend=True, seasonal="add",
                                         seasonal_periods=SEASON, initialization_method="heuristic")
            # No brute-force search of starting values: 20× faster, and the optimiser still finds the same basin.
            fit = model.fit(optimized=False, **params) if params else model.fit(use_brute=False)
            values = np.asarray(fit.forecast(horizon), dtype=float)
    except (ValueError, np.linalg.LinAlgError):
        return seasonal_naive(history, horizon), Method.SEASONAL_NAIVE, None
    if not np.all(np.isfinite(values)):
        return seasonal_naive(history, horizon), Method.SEASONAL_NAIVE, None
    fitted = {name: float(fit.params[name]) for name in SMOOTHING}
    return np.clip(values, 0.0, None), Method.HOLT_WINTERS, fitted  # counts are never negative


@dataclass
class BacktestWeek:
    start: dt.date
    actual: int
    predicted: float
    baseline: float


@dataclass
class Errors:
    mae: float | None
    mape: float | None


def errors(actual: list[float], predicted: list[float]) -> Errors:
    """Mean absolute error, and mean absolute percentage error over the points with a nonzero actual."""
    if not actual:
        return Errors(None, None)
    gaps = [abs(p - a) for a, p in zip(actual, predicted, strict=True)]
    shares = [abs(p - a) / a for a, p in zip(actual, predicted, strict=True) if a]
    return Errors(round(float(np.mean(gaps)), 2), round(100.0 * float(np.mean(shares)), 1) if shares else None)


def backtest(series: np.ndarray, start: dt.date, weeks: int = BACKTEST_WEEKS) -> list[BacktestWeek]:
    """Forecast each of the last `weeks` weeks of `series` (day 0 = `start`) from the days before it.

    The smoothing parameters are estimated once, on the days before the first of those weeks, and kept for
    the later weeks (the model re-runs through the longer history): no week is judged by parameters that saw
    it, at a quarter of the cost of re-estimating for every week.
    """
    result: list[BacktestWeek] = []
    params: Params | None = None
    for k in range(weeks, 0, -1):
        origin = len(series) - HORIZON * k
        if origin < SEASON:  # not even one week to learn from
            continue
        train = series[max(0, origin - HISTORY_DAYS):origin]
        predicted, _method, fitted = holt_winters(train, params=params)
        params = params or fitted
        actual = int(series[origin:origin + HORIZON].sum())
        result.append(BacktestWeek(start + dt.timedelta(days=origin), actual, round(float(predicted.sum()), 1),
                                   float(seasonal_naive(train).sum())))
    return result


# --- series from the database ---------------------------------------------------------------------------------


@dataclass
class SeriesForecast:
    """One series' forecast of the next 7 days, with its backtest and the baseline's."""

    kind: str  # region, class or total
    code: str
    name: str
    method: str
    history_days: int
    last_week: int
    forecast: float
    daily: list[float]
    mae: float | None
    mape: float | None
    baseline_mae: float | None
    baseline_mape: float | None
    backtest: list[BacktestWeek] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return round(100.0 * (self.forecast - self.last_week) / self.last_week, 1) if self.last_week else None


def forecast_series(kind: str, code: str, name: str, series: np.ndarray, start: dt.date) -> SeriesForecast:
    """Forecast and backtest one daily series that starts on `start` and ends on the as-of day."""
    history = series[-HISTORY_DAYS:]
    values, method, _params = holt_winters(history)
    weeks = backtest(series, start)
    model = errors([w.actual for w in weeks], [w.predicted for w in weeks])
    baseline = errors([w.actual for w in weeks], [w.baseline for w in weeks])
    return SeriesForecast(
        kind=kind, code=code, name=name, method=method, history_days=len(history),
        last_week=int(series[-SEASON:].sum()), forecast=round(float(values.sum()), 1),
        daily=[round(float(v), 2) for v in values], mae=model.mae, mape=model.mape,
        baseline_mae=baseline.mae, baseline_mape=baseline.mape, backtest=weeks,
    )


@dataclass
class Forecast:
    as_of: dt.date
    level: str
    total: SeriesForecast | None
    regions: list[SeriesForecast]  # ranked by expected load: where to send inspectors
    classes: list[SeriesForecast]
    limit: int = DEFAULT_LIMIT  # how many regions and classes were asked for

    @property
    def days(self) -> list[dt.date]:
        return [self.as_of + dt.timedelta(days=i + 1) for i in range(HORIZON)]


def forecast_requested(*, scope: Scope, level: str | None = None, limit: str | int | None = None,
                       end: str | None = None) -> Forecast:
    """The forecast for parameters as a request sends them (the API, the page and the export): `level` (default
    street), `limit` (1–30, default 10), `end` the last day of history (default yesterday); 422 naming the field."""
    limit = positive_int(limit, "limit", low=1, high=MAX_LIMIT, default=DEFAULT_LIMIT)
    as_of = period_parse(None, end, default_days=1).end if end else None
    return forecast_next_week(scope=scope, level=level or Level.STREET, limit=limit, as_of=as_of)


def forecast_next_week(*, scope: Scope, level: str = Level.STREET, limit: int = DEFAULT_LIMIT,
                       as_of: dt.date | None = None) -> Forecast:
    """Next week's expected reports for the scope's busiest regions of `level` and classes (cached per day)."""
    if level not in LEVEL_FIELDS:
        raise InvalidInput(_("level must be one of: %(choices)s.") % {"choices": ", ".join(LEVEL_FIELDS)},
                           field="level")
    as_of = as_of or today() - dt.timedelta(days=1)  # yesterday: the last complete day
    # Today's reports do not change a forecast from yesterday's history, so one computation serves the day. The
    # language is part of the key: the total's name is translated when computed.
    key = f"analytics.forecast:{scope.key}:{level}:{limit}:{as_of.isoformat()}:{get_language()}"
    result: Forecast | None = cache.get(key)
    if result is None:
        result = _compute(scope, level, limit, as_of)
        cache.set(key, result, CACHE_SECONDS)
    return result


def _compute(scope: Scope, level: str, limit: int, as_of: dt.date) -> Forecast:
    window = Period(as_of - dt.timedelta(days=HISTORY_DAYS + HORIZON * BACKTEST_WEEKS - 1), as_of)
    cases = scope.in_period(window)
    # Two scans of the window (per region and day, per class and day); the tops and the total come from them.
    by_region = _daily_by(cases, LEVEL_FIELDS[level], window)
    by_class = _daily_by(cases, "catalog_class_id", window)
    total = sum(by_class.values(), np.zeros(window.days))
    if not total.any():
        return Forecast(as_of=as_of, level=level, total=None, regions=[], classes=[], limit=limit)
    first = int(np.argmax(total > 0))  # the history starts with the scope's first report in the window
    start = window.start + dt.timedelta(days=first)
    region_rows = {k: v[first:] for k, v in _top(by_region, limit).items()}
    class_rows = {k: v[first:] for k, v in _top(by_class, limit).items()}
    regions = [forecast_series("region", code, name, region_rows[pk], start)
               for pk, (name, code, _drill) in region_labels(region_rows).items() if pk in region_rows]
    classes = [forecast_series("class", code, name, class_rows[pk], start)
               for pk, (name, code, _drill) in class_labels(class_rows).items() if pk in class_rows]
    regions.sort(key=lambda s: (-s.forecast, s.code))
    classes.sort(key=lambda s: (-s.forecast, s.code))
    return Forecast(as_of=as_of, level=level, regions=regions, classes=classes, limit=limit,
                    total=forecast_series("total", "", _("All cases in scope"), total[first:], start))


def _daily_by(cases: Any, group: str, window: Period) -> dict[Any, np.ndarray]:
    """Reports per day of the window for every value of `group` (None included: it counts in the total)."""
    day = TruncDay("reported_at", tzinfo=timezone.get_default_timezone())
    series: dict[Any, np.ndarray] = {}
    for row in cases.values(k=F(group), d=day).annotate(n=Count("pk")).order_by():
        index = (local_date(row["d"]) - window.start).days
        if 0 <= index < window.days:
            series.setdefault(row["k"], np.zeros(window.days))[index] += row["n"]
    return series


def _top(series: dict[Any, np.ndarray], limit: int) -> dict[Any, np.ndarray]:
    """The `limit` series with the most reports (ties by key), leaving out the one without a key."""
    keys = sorted((k for k in series if k is not None), key=lambda k: (-series[k].sum(), k))[:limit]
    return {k: series[k] for k in keys}


def forecast_out(result: Forecast) -> dict[str, Any]:
    """The forecast as plain data (the API's shape)."""
    def series(s: SeriesForecast) -> dict[str, Any]:
        data = asdict(s)
        data.pop("backtest")
        return data

    return {"as_of": result.as_of.isoformat(), "days": [d.isoformat() for d in result.days], "level": result.level,
            "total": series(result.total) if result.total else None,
            "regions": [series(s) for s in result.regions], "classes": [series(s) for s in result.classes]}
