"""What every statistic asks: who may see it, for which period, which cases (scope and filters).

Periods are local calendar days (Asia/Shanghai by default), both ends inclusive. The comparison periods are
derived here once: year-on-year (同比) is the same dates a year earlier, the previous period (环比) the same
number of days just before — or, when the period is whole calendar months, the same number of months before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case, Source
from cityops.cases.scope import case_scope_q
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import ensure_path_visible, is_platform_admin, require_role
from cityops.evaluation.params import (
    EARLIEST_DAY as EARLIEST_DAY,  # re-exported: the monthly report's month
)
from cityops.evaluation.params import LATEST_DAY as LATEST_DAY
from cityops.evaluation.params import check_period, parse_date
from cityops.geo.models import Region
from cityops.org.models import Department, Role

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

_CodedT = TypeVar("_CodedT", Region, Department)  # the rows looked up by their code

# Who may read statistics: the centre's staff and leaders, and handlers (their own department's cases).
ANALYTICS_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR, Role.ADMIN, Role.HANDLER)
DEFAULT_PERIOD_DAYS = 30


def require_analytics_access(user: AnyUser) -> None:
    """Refuse (403) callers without a role that reads statistics (inspectors, citizens, no role)."""
    require_role(user, *ANALYTICS_ROLES)


@dataclass(frozen=True)
class Period:
    """Local calendar days `start`..`end`, both inclusive."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The aware instants [start 00:00, the day after end 00:00) in the configured zone."""
        tz = timezone.get_default_timezone()
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return first, after

    def year_before(self) -> Period:
        """The same dates one year earlier (同比); 29 February maps to the 28th."""
        return Period(_minus_year(self.start), _minus_year(self.end))

    def previous(self) -> Period:
        """The period just before (环比): as many whole months before when whole months, else as many days."""
        months = _whole_months(self)
        if months:
            start = _add_months(self.start, -months)
            return Period(start, self.start - dt.timedelta(days=1))
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _minus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February of a leap year
        return day.replace(year=day.year - 1, day=28)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _whole_months(period: Period) -> int:
    """How many calendar months the period spans when it starts on a 1st and ends on a month's last day; else 0."""
    if period.start.day != 1 or (period.end + dt.timedelta(days=1)).day != 1:
        return 0
    after = period.end + dt.timedelta(days=1)
    return (after.year - period.start.year) * 12 + after.month - period.start.month


def today() -> dt.date:
    return timezone.localdate()


def period_presets(day: dt.date | None = None) -> list[tuple[str, Period]]:
    """The usual periods of a report, for one-click links: last 7 / 30 days, this and last month, this year."""
    day = day or today()
    this_month = day.replace(day=1)
    last_month = Period(_add_months(this_month, -1), this_month - dt.timedelta(days=1))
    return [
        (_("Last 7 days"), Period(day - dt.timedelta(days=6), day)),
        (_("Last 30 days"), Period(day - dt.timedelta(days=29), day)),
        (_("This month"), Period(this_month, day)),
        (_("Last month"), last_month),
        (_("This year"), Period(day.replace(month=1, day=1), day)),
    ]


def period_parse(start: str | dt.date | None, end: str | dt.date | None, *,
                 default_days: int = DEFAULT_PERIOD_DAYS) -> Period:
    """A period from ISO dates; missing ends default to the `default_days` up to today. 422 on bad input.

    The dates and the period follow the evaluation's rules (`evaluation.params.parse_date`, `check_period`:
    start not after end, at most 366 days), so both pages accept and refuse the same periods.
    """
    end_day = _date(end, "end") or today()
    start_day = _date(start, "start") or end_day - dt.timedelta(days=default_days - 1)
    check_period(start_day, end_day)
    return Period(start_day, end_day)


def _date(value: str | dt.date | None, name: str) -> dt.date | None:
    # The evaluation's parse_date also keeps a date within 1900–2999: the comparisons reach two years back and
    # the forecast a week ahead, which near year 1 or 9999 would overflow Python's dates (a 500).
    if value is None or value == "":
        return None
    return parse_date(value.strip() if isinstance(value, str) else value, name)


@dataclass(frozen=True)
class CaseFilters:
    """Optional narrowing of the cases counted; values as the caller sent them (codes and refs)."""

    region: str | None = None  # a region code: its whole subtree (drill-down)
    catalog_class: str | None = None  # "matter:06010" or "06010"
    source: str | None = None
    department: str | None = None  # a department code: it and its sub-units


@dataclass(frozen=True)
class Scope:
    """The cases a statistic counts: the caller's scope narrowed by the filters (validated)."""

    q: Q
    region: Region | None = None  # the drilled-into region, if any
    key: str = ""  # identifies scope + filters for caches

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(self.q)

    def in_period(self, period: Period) -> QuerySet[Case]:
        first, after = period.bounds()
        return self.cases().filter(reported_at__gte=first, reported_at__lt=after)


def scope_for(user: AnyUser, filters: CaseFilters | None = None) -> Scope:
    """Check the caller's role (403), validate the filters (422; a region outside the scope 404) and build the scope."""
    require_analytics_access(user)
    filters = filters or CaseFilters()
    q = case_scope_q(user)
    parts = [_scope_key(user)]
    region = None
    if filters.region:
        region = _region(filters.region, user)
        q &= Q(region_path__startswith=region.path)
        parts.append(f"r={region.path}")
    if filters.catalog_class:
        klass = _catalog_class(filters.catalog_class)
        q &= Q(catalog_class_id=klass.pk)
        parts.append(f"c={klass.pk}")
    if filters.source:
        source = _source(filters.source)
        q &= Q(source=source)
        parts.append(f"s={source}")
    if filters.department:
        department = _department(filters.department)
        q &= Q(department__path__startswith=department.path)
        parts.append(f"d={department.path}")
    return Scope(q=q, region=region, key="|".join(parts))


def _scope_key(user: AnyUser) -> str:
    # The caller's visible set, not their identity: two leaders of one district share cached results.
    if is_platform_admin(user):
        return "all"
    region = getattr(user, "scope_region", None)
    department = getattr(user, "scope_department", None)
    return f"{region.path if region else '-'}/{department.path if department else '-'}"


def _region(code: str, user: AnyUser) -> Region:
    region = _by_code(Region.objects.only("id", "path", "level", "name", "code"), code)
    if region is None:
        raise InvalidInput(_("No region with code %(code)s.") % {"code": code}, field="region")
    ensure_path_visible(user, region.path, what="Region")
    return region


def _by_code(queryset: QuerySet[_CodedT], code: str) -> _CodedT | None:
    """The row with this code, or None; a NUL byte is in no code, and PostgreSQL refuses it in a query (a 500)."""
    code = code.strip()
    return None if "\x00" in code else queryset.filter(code=code).first()


def _catalog_class(ref: str) -> Any:
    try:
        return catalog_class_from_ref(ref, field="class")
    except NotFound as exc:  # an unknown class in a filter is bad input, not a missing resource
        raise InvalidInput(exc.message, field="class") from exc


def _source(value: str) -> str:
    if value not in Source.values:
        raise InvalidInput(_("Unknown source %(value)r; use one of: %(choices)s.")
                           % {"value": value, "choices": ", ".join(Source.values)}, field="source")
    return value


def _department(code: str) -> Department:
    department = _by_code(Department.objects.only("id", "path"), code)
    if department is None:
        raise InvalidInput(_("No department with code %(code)s.") % {"code": code}, field="department")
    return department


def positive_int(value: Any, name: str, *, low: int, high: int, default: int) -> int:
    """An integer parameter within [low, high] (422 naming `name` otherwise)."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise InvalidInput(_("%(name)s must be a whole number from %(low)d to %(high)d.")
                           % {"name": name, "low": low, "high": high}, field=name)
    return number
