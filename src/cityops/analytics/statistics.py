"""Counts and rates (统计) by class, source, region, department, state or time, with 同比 and 环比.

One GROUP BY per period over the cases reported in it (the case table LEFT JOINed to the evaluation facts for
the on-time test): no per-case Python, so a year of a million-case city is a few aggregate queries.

What a row counts, for the cases *reported* in the period:
- reported (上报数): all of them, voided included;
- registered (立案数): those past registration and not voided (their current state is 待派遣 or later);
- closed (结案数) and on-time closed (按期结案数: closed, every 处置 round within its limit — the evaluation's
  test, read from `evaluation.CaseFact`, so the facts are refreshed first);
- overdue (超期数): not voided, and overdue now or a finished 处置 round ran past its limit; voided (作废数);
- rates: closing rate (结案率) and on-time closing rate (按期结案率) over the registered cases, overdue share
  (超期率) over the cases not voided.
The comparisons give each row's reported count in the previous period (环比) and a year before (同比).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.analytics.params import Period, Scope
from cityops.cases.models import CaseState, Source
from cityops.catalog.models import CatalogClass
from cityops.core.errors import InvalidInput
from cityops.evaluation.facts import case_facts_refresh
from cityops.geo.models import LEVEL_ORDER, Level, Region
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser


class Dimension(models.TextChoices):
    """What a statistics table is broken down by (统计维度)."""

    CLASS = "class", gettext_lazy("Class (类别)")
    SOURCE = "source", gettext_lazy("Source (来源)")
    REGION = "region", gettext_lazy("Region, one level down (区域)")
    DISTRICT = "district", gettext_lazy("District (区)")
    STREET = "street", gettext_lazy("Street (街道)")
    COMMUNITY = "community", gettext_lazy("Community (社区)")
    GRID = "grid", gettext_lazy("Unit grid (单元网格)")
    DEPARTMENT = "department", gettext_lazy("Department (部门)")
    STATE = "state", gettext_lazy("State (状态)")
    DAY = "day", gettext_lazy("Day (日)")
    WEEK = "week", gettext_lazy("Week (周)")
    MONTH = "month", gettext_lazy("Month (月)")


TIME_DIMENSIONS = frozenset({Dimension.DAY, Dimension.WEEK, Dimension.MONTH})
REGION_FIELDS: dict[str, str] = {Level.DISTRICT: "district_id", Level.STREET: "street_id", Level.COMMUNITY: "community_id",
                 Level.GRID: "grid_id"}
REGISTERED_STATES = (CaseState.REGISTERED, CaseState.DISPATCHED, CaseState.HANDLED, CaseState.CHECKING,
                     CaseState.CHECKED, CaseState.CLOSED, CaseState.SUSPENDED)
ID_BATCH = 900
METRICS = ("reported", "registered", "closed", "on_time_closed", "overdue", "voided")


@dataclass
class StatRow:
    """One line of a statistics table: what it groups (key, label, code) and its counts."""

    key: str
    label: str
    code: str = ""
    reported: int = 0
    registered: int = 0
    closed: int = 0
    on_time_closed: int = 0
    overdue: int = 0
    voided: int = 0
    previous: int = 0  # reported in the previous period (环比)
    year_before: int = 0  # reported a year before (同比)
    drill: str = ""  # a region code to drill into (its children), when it has any

    @property
    def closing_rate(self) -> float | None:
        return percent(self.closed, self.registered)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.on_time_closed, self.registered)

    @property
    def overdue_share(self) -> float | None:
        # Over every live case, not only the registered: a report can run late before registration (受理, 立案).
        return percent(self.overdue, self.reported - self.voided)

    @property
    def change_previous(self) -> float | None:
        return change(self.reported, self.previous)

    @property
    def change_year(self) -> float | None:
        return change(self.reported, self.year_before)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label, "code": self.code, "drill": self.drill,
            **{m: getattr(self, m) for m in METRICS},
            "closing_rate": self.closing_rate, "on_time_rate": self.on_time_rate,
            "overdue_share": self.overdue_share, "previous": self.previous, "year_before": self.year_before,
            "change_previous": self.change_previous, "change_year": self.change_year,
        }


def percent(part: int, whole: int) -> float | None:
    """part / whole in percent, one decimal; None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def change(now: int, before: int) -> float | None:
    """The relative change in percent (增幅); None when the earlier count is zero."""
    return round(100.0 * (now - before) / before, 1) if before else None


@dataclass
class DimensionStats:
    """A statistics table: rows by `dimension` for `period`, with the comparison periods and a total."""

    dimension: str
    period: Period
    previous_period: Period
    year_before_period: Period
    rows: list[StatRow]
    total: StatRow
    level: str = ""  # the region level of the rows (region dimensions)
    left_off: int = 0  # rows beyond the limit (the least reported), still counted in the total


def stats_by_dimension(*, scope: Scope, period: Period, dimension: str, user: AnyUser | None = None,
                       refresh: bool = True, limit: int | None = None) -> DimensionStats:
    """Counts and rates of the scope's cases reported in `period`, grouped by `dimension` (统计报表).

    `limit` keeps the most reported rows (a city has tens of thousands of grids); the total counts them all.
    """
    dimension = dimension_parse(dimension)
    if refresh:
        case_facts_refresh()  # the on-time test reads the facts: fold the latest events in first
    level = _region_level(dimension, scope, user)
    group = _group_expression(dimension, level)
    current = _aggregate(scope, period, group, full=True)
    previous = _aggregate(scope, period.previous(), group, full=False)
    year_before = _aggregate(scope, period.year_before(), group, full=False)
    if dimension in TIME_DIMENSIONS:
        rows, left_off = _time_rows(dimension, period, current, previous, year_before), 0
    else:
        rows = _group_rows(dimension, level, current, previous, year_before, limit)
        left_off = len(set(current) | set(previous) | set(year_before)) - len(rows)
    return DimensionStats(dimension=dimension, period=period, previous_period=period.previous(),
                          year_before_period=period.year_before(), rows=rows,
                          total=_total(current, previous, year_before), level=level or "", left_off=left_off)


def dimension_parse(value: str | None) -> str:
    """A known dimension (default class); 422 naming `dimension` otherwise."""
    value = (value or Dimension.CLASS).strip()
    if value not in Dimension.values:
        raise InvalidInput(_("Unknown dimension %(value)r; use one of: %(choices)s.")
                           % {"value": value, "choices": ", ".join(Dimension.values)}, field="dimension")
    return value


def _region_level(dimension: str, scope: Scope, user: AnyUser | None) -> str | None:
    """The region level a region dimension groups by; `region` means one level below the drilled region."""
    if dimension in REGION_FIELDS:
        return dimension
    if dimension != Dimension.REGION:
        return None
    base = scope.region or getattr(user, "scope_region", None)
    if base is None or base.level not in LEVEL_ORDER:
        return Level.DISTRICT
    index = LEVEL_ORDER.index(base.level)
    return LEVEL_ORDER[min(index + 1, len(LEVEL_ORDER) - 1)]


def _group_expression(dimension: str, level: str | None) -> Any:
    tz = timezone.get_default_timezone()
    if dimension == Dimension.DAY:
        return TruncDay("reported_at", tzinfo=tz)
    if dimension == Dimension.WEEK:
        return TruncWeek("reported_at", tzinfo=tz)
    if dimension == Dimension.MONTH:
        return TruncMonth("reported_at", tzinfo=tz)
    if level:
        return F(REGION_FIELDS[level])
    columns: dict[str, str] = {Dimension.CLASS: "catalog_class_id", Dimension.SOURCE: "source",
                               Dimension.DEPARTMENT: "department_id", Dimension.STATE: "state"}
    return F(columns[dimension])


def _metric_aggregates() -> dict[str, Any]:
    closed = Q(state=CaseState.CLOSED)
    # The evaluation's 按期结案 test (every 处置 round within its extended deadline), so both pages agree. A fact
    # is missing only until the next refresh; such a case counts neither on time nor late.
    on_time = closed & Q(fact__disposals_on_time=F("fact__disposals_done"))
    late_disposal = Q(fact__disposals_done__gt=F("fact__disposals_on_time"))
    return {
        "reported": Count("pk"),
        "registered": Count("pk", filter=Q(state__in=REGISTERED_STATES)),
        "closed": Count("pk", filter=closed),
        "on_time_closed": Count("pk", filter=on_time),
        "overdue": Count("pk", filter=(Q(is_overdue=True) | late_disposal) & ~Q(state=CaseState.VOIDED)),
        "voided": Count("pk", filter=Q(state=CaseState.VOIDED)),
    }


def _aggregate(scope: Scope, period: Period, group: Any, *, full: bool) -> dict[Any, dict[str, int]]:
    """{group key: counts} for the period; the comparison periods need only the reported count."""
    aggregates = _metric_aggregates() if full else {"reported": Count("pk")}
    qs = scope.in_period(period).values(g=group).annotate(**aggregates).order_by()
    return {local_date(row.pop("g")): row for row in qs}


def local_date(key: Any) -> Any:
    """A truncated time as its local date (aware datetimes on some backends, dates on others); other keys as is."""
    if isinstance(key, dt.datetime):
        return timezone.localtime(key).date() if timezone.is_aware(key) else key.date()
    return key


# --- rows ----------------------------------------------------------------------------------------------------


def _group_rows(dimension: str, level: str | None, current: dict, previous: dict, year_before: dict,
                limit: int | None = None) -> list[StatRow]:
    """Rows by most reported (then most reported before); only the kept rows are labelled."""
    keys = sorted(set(current) | set(previous) | set(year_before), key=lambda k: (
        -current.get(k, {}).get("reported", 0), -previous.get(k, {}).get("reported", 0), str(k)))[:limit]
    labels = _labeller(dimension, level)(keys)
    rows = []
    for key in keys:
        label, code, drill = labels.get(key, (str(key), "", ""))
        row = StatRow(key="" if key is None else str(key), label=label, code=code, drill=drill,
                      **current.get(key, {}))
        row.previous = previous.get(key, {}).get("reported", 0)
        row.year_before = year_before.get(key, {}).get("reported", 0)
        rows.append(row)
    return rows


def _time_rows(dimension: str, period: Period, current: dict, previous: dict, year_before: dict) -> list[StatRow]:
    """One row per bucket of the period (empty buckets too); comparisons by position in the compared period."""
    buckets = time_buckets(dimension, period)
    before = time_buckets(dimension, period.previous())
    year = time_buckets(dimension, period.year_before())
    rows = []
    for index, start in enumerate(buckets):
        label = start.strftime("%Y-%m") if dimension == Dimension.MONTH else start.isoformat()
        row = StatRow(key=start.isoformat(), label=label, **current.get(start, {}))
        row.previous = previous.get(before[index], {}).get("reported", 0) if index < len(before) else 0
        row.year_before = year_before.get(year[index], {}).get("reported", 0) if index < len(year) else 0
        rows.append(row)
    return rows


def time_buckets(dimension: str, period: Period) -> list[dt.date]:
    """The first local day of each day/week (Monday)/month bucket overlapping the period, in order."""
    if dimension == Dimension.DAY:
        return [period.start + dt.timedelta(days=i) for i in range(period.days)]
    if dimension == Dimension.WEEK:
        first = period.start - dt.timedelta(days=period.start.weekday())
        return [first + dt.timedelta(weeks=i) for i in range((period.end - first).days // 7 + 1)]
    months = []
    day = period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _total(current: dict, previous: dict, year_before: dict) -> StatRow:
    """Every case of each period, whether or not its group made it into the rows."""
    total = StatRow(key="total", label=_("Total"))
    for counts in current.values():
        for metric in METRICS:
            setattr(total, metric, getattr(total, metric) + counts.get(metric, 0))
    total.previous = sum(v["reported"] for v in previous.values())
    total.year_before = sum(v["reported"] for v in year_before.values())
    return total


# --- labels --------------------------------------------------------------------------------------------------

Labels = dict[Any, tuple[str, str, str]]  # key → (label, code, drill code)


def _labeller(dimension: str, level: str | None) -> Callable[[Iterable[Any]], Labels]:
    if level:
        return lambda keys: region_labels(keys, drillable=level != Level.GRID)
    labellers: dict[str, Callable[[Iterable[Any]], Labels]] = {
        Dimension.CLASS: class_labels, Dimension.SOURCE: _source_labels,
        Dimension.DEPARTMENT: _department_labels, Dimension.STATE: _state_labels}
    return labellers[dimension]


def _by_ids(queryset: QuerySet, keys: Iterable[Any]) -> Iterator[Any]:
    """The rows of `queryset` with these primary keys, asked in batches (SQLite caps the parameters of a query)."""
    ids = [k for k in keys if k is not None]
    for start in range(0, len(ids), ID_BATCH):
        yield from queryset.filter(pk__in=ids[start:start + ID_BATCH])


def class_labels(keys: Iterable[Any]) -> Labels:
    return {c.pk: (c.display_name, f"{c.kind}:{c.code}", "") for c in _by_ids(CatalogClass.objects.all(), keys)}


def region_labels(keys: Iterable[Any], *, drillable: bool = False) -> Labels:
    labels: Labels = {None: (_("(no region)"), "", "")}
    for region in _by_ids(Region.objects.only("id", "code", "name"), keys):
        labels[region.pk] = (region.name, region.code, region.code if drillable else "")
    return labels


def _source_labels(keys: Iterable[Any]) -> Labels:
    return {k: (str(Source(k).label) if k in Source.values else str(k), k, "") for k in keys}


def _state_labels(keys: Iterable[Any]) -> Labels:
    return {k: (str(CaseState(k).label) if k in CaseState.values else str(k), k, "") for k in keys}


def _department_labels(keys: Iterable[Any]) -> Labels:
    labels: Labels = {None: (_("(not dispatched)"), "", "")}
    for department in _by_ids(Department.objects.only("id", "code", "name"), keys):
        labels[department.pk] = (department.name, department.code, "")
    return labels

