"""Statistics API (/api/v1/analytics): counts and rates by dimension, the three highs, the forecast.

Every endpoint reads the caller's scope only (region subtree, or a handler's department), needs one of the
roles leader, shift_leader, dispatcher, acceptor, admin or handler (403 otherwise) and, with an API token,
the scope `cases:read`. Periods are local dates (Asia/Shanghai), both ends inclusive, at most 366 days;
bad parameters answer 422 naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Field, Query, Router, Schema

from cityops.analytics import forecast as fc
from cityops.analytics import highs
from cityops.analytics.params import CaseFilters, Period, Scope, period_parse, positive_int, scope_for
from cityops.analytics.statistics import DimensionStats, stats_by_dimension
from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_token_scope

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()


ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# Row limits (low, high, default): the query schemas state them and positive_int applies the same numbers.
STATS_LIMIT, HOTSPOTS_LIMIT, TOP_PLACES_LIMIT, TOP_CLASSES_LIMIT = (1, 50_000, 1000), (1, 5000, 500), (1, 100, 10), (1, 50, 10)


def _limit_field(bounds: tuple[int, int, int], description: str) -> Any:
    low, high, default = bounds
    return Field(None, ge=low, le=high, description=f"{description} ({low}–{high}, default {default}).")


def _limit(value: int | None, bounds: tuple[int, int, int]) -> int:
    low, high, default = bounds
    return positive_int(value, "limit", low=low, high=high, default=default)


class StatsQuery(Schema):
    start: str | None = Field(None, description="First local day (ISO date); default 29 days before `end`.")
    end: str | None = Field(None, description="Last local day, inclusive (ISO date); default today.")
    region: str | None = Field(None, description="Region code of any level: only the cases inside it (drill-down).")
    catalog_class: str | None = Field(None, alias="class", description='"matter:06010" or a bare code.')
    source: str | None = Field(None, description="Intake channel (inspector, citizen, hotline …).")
    department: str | None = Field(None, description="Department code: its cases and its sub-units'.")


class DimensionQuery(StatsQuery):
    dimension: str = Field("class", description="class, source, region (one level below `region`), district, "
                                                 "street, community, grid, department, state, day, week, month.")
    limit: int | None = _limit_field(STATS_LIMIT, "At most this many rows, most reported first; time dimensions "
                                                  "always have every bucket")


class PeriodOut(Schema):
    start: str
    end: str


class StatRowOut(Schema):
    key: str
    label: str
    code: str
    drill: str = Field(description="Region code to drill into (pass it as `region`), empty at the grid level.")
    reported: int
    registered: int
    closed: int
    on_time_closed: int
    overdue: int
    voided: int
    closing_rate: float | None = Field(description="closed / registered, percent.")
    on_time_rate: float | None = Field(description="on-time closed / registered, percent.")
    overdue_share: float | None = Field(description="overdue / (reported − voided), percent.")
    previous: int = Field(description="Reported in the previous period (环比).")
    year_before: int = Field(description="Reported in the same period a year before (同比).")
    change_previous: float | None = Field(description="Change against the previous period, percent.")
    change_year: float | None = Field(description="Change against the year before, percent.")


class DimensionOut(Schema):
    dimension: str
    level: str
    period: PeriodOut
    previous_period: PeriodOut
    year_before_period: PeriodOut
    rows: list[StatRowOut]
    left_off: int = Field(description="Rows beyond `limit` (still counted in `total`).")
    total: StatRowOut


class HeatOut(Schema):
    period: PeriodOut
    weekdays: list[int] = Field(description="ISO weekdays of the rows, 1 = Monday.")
    hours: list[int]
    cells: list[list[int]] = Field(description="Reports per weekday (row) and local hour (column).")
    total: int
    peak: int


class HotspotsOut(Schema):
    type: str = "FeatureCollection"
    resolution: int
    total: int
    features: list[dict[str, Any]]


class AnalyticsPlaceOut(Schema):
    rank: int
    code: str
    name: str
    count: int
    share: float | None


class ClassTrendOut(Schema):
    rank: int
    code: str
    name: str
    count: int
    share: float | None
    series: list[int]


class TopClassesOut(Schema):
    period: PeriodOut
    granularity: str
    buckets: list[str]
    total: int
    classes: list[ClassTrendOut]


def _scope(request: AuthedRequest, query: StatsQuery) -> Scope:
    require_token_scope(request.auth, "cases:read")
    return scope_for(request.auth, CaseFilters(region=query.region, catalog_class=query.catalog_class,
                                               source=query.source, department=query.department))


def _period(period: Period) -> dict[str, str]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def dimension_out(stats: DimensionStats) -> dict[str, Any]:
    return {
        "dimension": stats.dimension, "level": stats.level, "period": _period(stats.period),
        "previous_period": _period(stats.previous_period), "year_before_period": _period(stats.year_before_period),
        "rows": [row.as_dict() for row in stats.rows], "left_off": stats.left_off, "total": stats.total.as_dict(),
    }


@router.get("/stats", url_name="analytics-stats", response={200: DimensionOut, **ERRORS}, summary="Counts and rates by a dimension")
def stats(request: AuthedRequest, query: Query[DimensionQuery]) -> dict[str, Any]:
    """Cases reported in the period by class, source, region, department, state or day/week/month, with the
    previous period (环比) and the same period a year before (同比)."""
    scope = _scope(request, query)
    period = period_parse(query.start, query.end)
    limit = _limit(query.limit, STATS_LIMIT)
    return dimension_out(stats_by_dimension(scope=scope, period=period, dimension=query.dimension, user=request.auth,
                                            limit=limit))


@router.get("/heat", url_name="analytics-heat", response={200: HeatOut, **ERRORS}, summary="High-incidence times: hour × weekday")
def heat(request: AuthedRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    """Reports per local weekday and hour (高发时间)."""
    scope = _scope(request, query)
    period = period_parse(query.start, query.end)
    table = highs.heat_table(scope=scope, period=period)
    return {"period": _period(period), "weekdays": list(range(1, 8)), "hours": list(range(24)),
            "cells": table.cells, "total": table.total, "peak": table.peak}


class HotspotsQuery(StatsQuery):
    resolution: str | None = Field(None, description="H3 resolution 5–10 (default from `zoom`, else 8).")
    zoom: str | None = Field(None, description="Map zoom level; picks the resolution when none is given.")
    limit: int | None = _limit_field(HOTSPOTS_LIMIT, "At most this many hexagons, busiest first")


@router.get("/hotspots", url_name="analytics-hotspots", response={200: HotspotsOut, **ERRORS}, summary="High-incidence places: H3 hexagons")
def hotspots(request: AuthedRequest, query: Query[HotspotsQuery]) -> dict[str, Any]:
    """GeoJSON hexagons with their report count, share and colour step 0–5 (高发地点)."""
    scope = _scope(request, query)
    period = period_parse(query.start, query.end)
    resolution = highs.resolution_parse(query.resolution, query.zoom)
    limit = _limit(query.limit, HOTSPOTS_LIMIT)
    spots = highs.hotspots(scope=scope, period=period, resolution=resolution, limit=limit)
    return highs.hotspots_geojson(spots, resolution=resolution)


class TopPlacesQuery(StatsQuery):
    level: str = Field("grid", description="grid, community, street or district.")
    limit: int | None = _limit_field(TOP_PLACES_LIMIT, "How many")


@router.get("/top-places", url_name="analytics-top-places", response={200: list[AnalyticsPlaceOut], **ERRORS}, summary="Top grids or streets")
def top_places(request: AuthedRequest, query: Query[TopPlacesQuery]) -> list[Any]:
    """The regions of a level with the most reports in the period (高发网格 / 高发街道)."""
    scope = _scope(request, query)
    period = period_parse(query.start, query.end)
    limit = _limit(query.limit, TOP_PLACES_LIMIT)
    return highs.top_places(scope=scope, period=period, level=query.level, limit=limit)


class TopClassesQuery(StatsQuery):
    limit: int | None = _limit_field(TOP_CLASSES_LIMIT, "How many classes")
    granularity: str = Field("week", description="week or month.")


@router.get("/top-classes", url_name="analytics-top-classes", response={200: TopClassesOut, **ERRORS}, summary="Top classes and their trend")
def top_classes(request: AuthedRequest, query: Query[TopClassesQuery]) -> dict[str, Any]:
    """The most reported classes and their counts per week or month (高发类型)."""
    scope = _scope(request, query)
    period = period_parse(query.start, query.end)
    limit = _limit(query.limit, TOP_CLASSES_LIMIT)
    top = highs.top_classes(scope=scope, period=period, limit=limit, granularity=query.granularity)
    return {"period": _period(period), "granularity": top.granularity, "total": top.total,
            "buckets": [b.isoformat() for b in top.buckets], "classes": top.classes}


class ForecastQuery(StatsQuery):
    level: str = Field("street", description="Region level of the regional series: district, street or community.")
    limit: int | None = _limit_field((1, fc.MAX_LIMIT, fc.DEFAULT_LIMIT), "How many regions and classes, the busiest")


class ForecastSeriesOut(Schema):
    kind: str = Field(description="region, class or total.")
    code: str
    name: str
    method: str = Field(description="holt_winters or seasonal_naive (too little history).")
    history_days: int
    last_week: int
    forecast: float = Field(description="Expected reports in the next 7 days.")
    daily: list[float] = Field(description="The forecast per day, starting tomorrow.")
    mae: float | None = Field(description="Backtest: mean absolute error of the weekly count over the last 4 weeks.")
    mape: float | None = Field(description="Backtest: mean absolute percentage error (weeks with reports).")
    baseline_mae: float | None = Field(description="The same for the seasonal-naive baseline (last week again).")
    baseline_mape: float | None


class ForecastOut(Schema):
    as_of: str = Field(description="The last complete day the forecast uses.")
    days: list[str] = Field(description="The forecast days.")
    level: str
    total: ForecastSeriesOut | None
    regions: list[ForecastSeriesOut]
    classes: list[ForecastSeriesOut]


@router.get("/forecast", url_name="analytics-forecast", response={200: ForecastOut, **ERRORS}, summary="Next week's reports per region and class")
def forecast(request: AuthedRequest, query: Query[ForecastQuery]) -> dict[str, Any]:
    """Expected reports over the next 7 days for the busiest regions and classes (Holt-Winters, weekly season),
    with each method's backtest error over the last 4 weeks, regions ranked by expected load."""
    result = fc.forecast_requested(scope=_scope(request, query), level=query.level, limit=query.limit, end=query.end)
    return fc.forecast_out(result)
