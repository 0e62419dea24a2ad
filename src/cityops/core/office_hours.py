"""Office-hour periods ("HH:MM-HH:MM"): parsed here, below the models that store them and the calendar that counts.

A period is a pair of minutes after local midnight, half-open: 12:00 is already outside "08:30-12:00".
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Period = tuple[int, int]  # (start, end) in minutes after local midnight, start < end

_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_office_hours(
    value: str | list[str] | tuple[str, ...], *, source: str = "office hours"
) -> tuple[Period, ...]:
    """Parse "HH:MM-HH:MM" periods (a list, or one comma-separated string) into ordered minute pairs.

    Raises ValueError naming the offending value when a period is malformed, empty, out of order or
    overlaps the previous one.
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [item for item in (str(i).strip() for i in items) if item]
    if not items:
        raise ValueError(f"{source}: no periods given (expected e.g. '08:30-12:00,13:30-17:30').")
    periods: list[Period] = []
    for item in items:
        start, end = _parse_period(item, source=source)
        if periods and start < periods[-1][1]:
            raise ValueError(
                f"{source}: period {item!r} overlaps or comes before the previous one; "
                "list periods in order without overlap."
            )
        periods.append((start, end))
    return tuple(periods)


def _parse_period(item: str, *, source: str) -> Period:
    match = _PERIOD_RE.match(item)
    if not match:
        raise ValueError(f"{source}: {item!r} is not a period of the form 'HH:MM-HH:MM'.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = _minute_of_day(h1, m1, item, source), _minute_of_day(h2, m2, item, source)
    if start >= end:
        raise ValueError(f"{source}: period {item!r} ends before it starts (periods cannot cross midnight).")
    return start, end


def _minute_of_day(hour: int, minute: int, item: str, source: str) -> int:
    # 24:00 is allowed as an end ("13:00-24:00"); nothing later is a time of day.
    if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
        raise ValueError(f"{source}: {item!r} contains an invalid time of day.")
    return hour * 60 + minute


def office_hours() -> tuple[Period, ...]:
    """The usual office-hour periods of a working day, from `settings.CITYOPS_OFFICE_HOURS`."""
    raw = getattr(settings, "CITYOPS_OFFICE_HOURS", ["08:30-12:00", "13:30-17:30"])
    key = raw if isinstance(raw, str) else tuple(raw)
    return _office_hours_from_settings(key)


@lru_cache(maxsize=16)
def _office_hours_from_settings(raw: str | tuple[str, ...]) -> tuple[Period, ...]:
    try:
        return parse_office_hours(raw, source="CITYOPS_OFFICE_HOURS")
    except ValueError as exc:
        raise ImproperlyConfigured(f"{exc} (got {raw!r})") from exc
