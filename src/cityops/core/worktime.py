"""The working-time calendar (工作时间): office hours × the holiday calendar × admin overrides.

Every stage of a case has a time limit in working minutes or natural minutes; this module is the one
place that turns "start + N working minutes" into a deadline and "how many working minutes elapsed".

Rules (each one is tested):
- Whether a date is a working day is answered by the first of these that knows the date:
  1. a `CalendarOverride` row for the date (an administrator's local correction, which may also carry its own
     office hours for that day);
  2. a day of the year's `HolidayArrangement` (the State Council's arrangement, entered in the admin or imported
     with `cityops calendar-import`): a day off or a make-up working day (调休);
  3. the `chinese-calendar` package's data (the arrangements published up to its release);
  4. the law (`core.holidays`): Monday–Friday except the statutory holiday dates, weekends off, no make-up
     days. This is not a guess but the law's own minimum, so it logs nothing; only for a year outside the lunar
     tables (after 2099) is Monday–Friday used and a warning logged once per year.
- On a working day, time counts only inside the office-hour periods (`settings.CITYOPS_OFFICE_HOURS`,
  e.g. 08:30–12:00 and 13:30–17:30). Periods are half-open: 12:00 is already outside the morning period.
- Counting from a non-working moment (lunch break, night, holiday) starts at the next working moment, so
  adding 0 minutes at a non-working moment returns the next working moment, while adding 0 minutes at a
  working moment returns that moment unchanged.
- A deadline that uses up a period exactly ends at the period's end (11:00 + 60 → 12:00, not 13:30).
- `working_minutes_between(a, b)` counts whole working minutes in [a, b) (a partial minute is dropped);
  for b < a it is the negative of `working_minutes_between(b, a)`, and 0 when a == b.
- Datetimes must be timezone-aware (naive ones are refused with ValueError); results are in the
  platform's time zone (`settings.TIME_ZONE`, Asia/Shanghai by default). Office hours are wall-clock times
  of that zone.

Day schedules are cheap lookups: the parsed office hours and the package's or the law's answer per date are
cached, and the overrides and arrangement days are read in two queries, kept for
`CITYOPS_CALENDAR_CACHE_SECONDS` (default 60 s, so a change made in another process is seen within a minute)
and dropped at once when one of them is saved or deleted in this process.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from cityops.core import holidays
from cityops.core.models import ArrangementDay, CalendarOverride, DayKind
from cityops.core.office_hours import Period, office_hours, parse_office_hours

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
# A deadline search that finds no working time in this many days means the calendar has no working days.
_MAX_DAYS_SEARCHED = 366 * 30


# --- which days are working days ---------------------------------------------------------------------

_warned_years: set[int] = set()
_warn_lock = threading.Lock()


@lru_cache(maxsize=16384)
def statutory_is_workday(day: date) -> bool:
    """Whether `day` is a working day by the package's published data, or else by the law's holiday dates."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except (NotImplementedError, ValueError):
        pass  # a year the package has no arrangement for: the law still fixes its holidays
    if day.weekday() >= 5:
        return False
    try:
        return not holidays.is_statutory_holiday(day)
    except holidays.YearNotCovered:
        _warn_uncovered_year(day.year)
        return True


def _warn_uncovered_year(year: int) -> None:
    with _warn_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "No lunar calendar for %s, so its statutory holidays are unknown; counting Monday to Friday as working "
        "days. Enter the year's holiday arrangement or calendar overrides.",
        year,
    )


class _Calendar(NamedTuple):
    # None stands for "a working day with the usual office hours", () for a day off.
    overrides: dict[date, tuple[Period, ...] | None]
    arranged: dict[date, bool]  # date → is a working day, by the yearly holiday arrangements


class _CalendarCache:
    """The CalendarOverride and ArrangementDay rows, refreshed after a time-to-live or on change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: _Calendar | None = None
        self._loaded_at = 0.0

    def get(self) -> _Calendar:
        ttl = float(getattr(settings, "CITYOPS_CALENDAR_CACHE_SECONDS", 60.0))
        data = self._data
        if data is None or _time.monotonic() - self._loaded_at > ttl:
            data = _Calendar(self._load_overrides(), self._load_arranged())
            with self._lock:
                self._data, self._loaded_at = data, _time.monotonic()
        return data

    def clear(self) -> None:
        with self._lock:
            self._data = None

    @staticmethod
    def _load_overrides() -> dict[date, tuple[Period, ...] | None]:
        """Read every override; None stands for "a working day with the usual office hours"."""
        data: dict[date, tuple[Period, ...] | None] = {}
        for row in CalendarOverride.objects.all().only("date", "kind", "office_hours"):
            if row.kind == DayKind.HOLIDAY:
                data[row.date] = ()
            elif row.office_hours.strip():
                try:
                    data[row.date] = parse_office_hours(row.office_hours, source=f"calendar override {row.date}")
                except ValueError as exc:
                    raise ImproperlyConfigured(f"{exc} (got {row.office_hours!r})") from exc
            else:
                data[row.date] = None
        return data

    @staticmethod
    def _load_arranged() -> dict[date, bool]:
        return {day: kind == DayKind.WORKDAY for day, kind in ArrangementDay.objects.values_list("date", "kind")}


_calendar = _CalendarCache()


def clear_caches() -> None:
    """Forget cached overrides and arrangements (called when one changes, and between tests)."""
    _calendar.clear()


def day_periods(day: date) -> tuple[Period, ...]:
    """The office-hour periods of `day` (empty on a day off): override, arrangement, package, then the law."""
    calendar = _calendar.get()
    if day in calendar.overrides:
        periods = calendar.overrides[day]
        return office_hours() if periods is None else periods
    working = calendar.arranged.get(day)
    if working is None:
        working = statutory_is_workday(day)
    return office_hours() if working else ()


def is_working_day(day: date) -> bool:
    """Whether `day` has any office hours."""
    return bool(day_periods(day))


# --- the arithmetic ------------------------------------------------------------------------------


def _local(dt: datetime, name: str = "dt") -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(dt).__name__}.")
    if timezone.is_naive(dt):
        raise ValueError(f"{name} must be timezone-aware, got the naive datetime {dt.isoformat()}.")
    return dt.astimezone(timezone.get_default_timezone())


def _check_minutes(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, got {type(minutes).__name__}.")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}.")
    return minutes


def _at(day: date, minute_of_day: int) -> datetime:
    """The local datetime `minute_of_day` minutes after midnight of `day` (24:00 is next midnight)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())
    return midnight + timedelta(minutes=minute_of_day)


def add_working_minutes(start: datetime, minutes: int) -> datetime:
    """The moment `minutes` working minutes after `start` (counting from the next working moment)."""
    cursor = _local(start, "start")
    remaining = timedelta(minutes=_check_minutes(minutes))
    day = cursor.date()
    for _ in range(_MAX_DAYS_SEARCHED):
        for p_start, p_end in day_periods(day):
            begin, end = _at(day, p_start), _at(day, p_end)
            if cursor >= end:
                continue
            begin = max(begin, cursor)
            available = end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += ONE_DAY
    raise ImproperlyConfigured(f"No working time found within {_MAX_DAYS_SEARCHED} days after {start.isoformat()}.")


def next_working_moment(dt: datetime) -> datetime:
    """`dt` itself when it is working time, otherwise the start of the next office-hour period."""
    return add_working_minutes(dt, 0)


def is_working_time(dt: datetime) -> bool:
    """Whether `dt` lies inside an office-hour period of a working day."""
    local = _local(dt)
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    return any(p_start <= minute < p_end for p_start, p_end in day_periods(local.date()))


def working_minutes_between(a: datetime, b: datetime) -> int:
    """Whole working minutes in [a, b); negative when b < a (the negative of the reverse)."""
    a, b = _local(a, "a"), _local(b, "b")
    if b < a:
        return -working_minutes_between(b, a)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        total += _working_time_of_day_between(day, a, b)
        day += ONE_DAY
    return _whole_minutes(total)


def _working_time_of_day_between(day: date, a: datetime, b: datetime) -> timedelta:
    periods = day_periods(day)
    if not periods:
        return timedelta(0)
    if a <= _at(day, 0) and _at(day, 24 * 60) <= b:
        # A whole day inside the span: no clipping needed.
        return timedelta(minutes=sum(end - start for start, end in periods))
    total = timedelta(0)
    for p_start, p_end in periods:
        begin, end = max(_at(day, p_start), a), min(_at(day, p_end), b)
        if end > begin:
            total += end - begin
    return total


def add_natural_minutes(start: datetime, minutes: int) -> datetime:
    """`start` plus `minutes` calendar minutes (nights and holidays count), in the platform time zone."""
    return _local(start, "start") + timedelta(minutes=_check_minutes(minutes))


def natural_minutes_between(a: datetime, b: datetime) -> int:
    """Whole calendar minutes from a to b; negative when b < a (the negative of the reverse)."""
    a, b = _local(a, "a"), _local(b, "b")
    if b < a:
        return -natural_minutes_between(b, a)
    return _whole_minutes(b - a)


def _whole_minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)
