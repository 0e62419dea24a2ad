"""The evaluation's request parameters: subject kind, dates, months and periods, checked (422 naming the field).

The statistics (`analytics.params`) accept the same date range.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput
from cityops.evaluation.kinds import SubjectKind

MAX_PERIOD_DAYS = 366
# Dates any city's records fit in: near year 1 or 9999 the day after a period, or its month's end, overflows
# Python's dates (a 500).
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)


def parse_kind(kind: str) -> str:
    """The subject kind, or 422 naming `kind`."""
    if kind not in SubjectKind.values:
        raise InvalidInput(
            _("Unknown subject kind %(kind)r; use one of: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(SubjectKind.values)},
            field="kind",
        )
    return kind


def parse_date(value: str | dt.date | None, name: str) -> dt.date:
    """A date from "YYYY-MM-DD" (or a date), or 422 naming the field."""
    if isinstance(value, dt.date):
        return _in_range(value, name)
    try:
        day = dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise InvalidInput(
            _("%(name)s must be a date like 2026-03-01.") % {"name": name}, field=name
        ) from None
    return _in_range(day, name)


def parse_month(value: str | dt.date | None, name: str = "month") -> dt.date:
    """The first day of a month given as "YYYY-MM" (or a date in it), or 422 naming the field."""
    if isinstance(value, dt.date):
        return _in_range(value.replace(day=1), name)
    try:
        month = dt.date.fromisoformat(f"{value}-01") if value and len(str(value)) == 7 else _bad_month(name)
    except ValueError:
        return _bad_month(name)
    return _in_range(month, name)


def _bad_month(name: str) -> dt.date:
    raise InvalidInput(_("%(name)s must be a month like 2026-03.") % {"name": name}, field=name)


def _in_range(day: dt.date, name: str) -> dt.date:
    """`day`, or 422 naming the field when it lies outside EARLIEST_DAY–LATEST_DAY."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(
            _("%(name)s must lie between %(first)s and %(last)s.")
            % {"name": name, "first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()},
            field=name,
        )
    return day


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of `month`."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def last_month(today: dt.date | None = None) -> dt.date:
    """The first day of the month before `today` (the default evaluation period)."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def check_period(start: dt.date, end: dt.date) -> None:
    """Refuse (422) a period that ends before it starts, is longer than a year (366 days) or lies outside
    EARLIEST_DAY–LATEST_DAY."""
    _in_range(start, "start")
    _in_range(end, "end")
    if start > end:
        raise InvalidInput(_("The period starts after it ends."), field="start")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("A period may be at most %(n)d days long.") % {"n": MAX_PERIOD_DAYS}, field="end"
        )


def resolve_period(
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    month: str | dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """[start, end] from a month ("2026-03") or a start and an end date; last month when none is given (422 on
    a bad date, a period ending before it starts or one longer than 366 days)."""
    if month:
        first, last = month_bounds(parse_month(month))
    elif start or end:
        first, last = parse_date(start, "start"), parse_date(end, "end")
    else:
        first, last = month_bounds(last_month())
    check_period(first, last)
    return first, last


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the local time zone."""
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    stop = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    return begin, stop
