"""The working-time calendar: office hours × the 2026 statutory calendar × admin overrides.

Dates checked against the chinesecalendar package (1.11): Spring Festival holiday 2026-02-15 … 02-23 with
adjusted working Saturdays 02-14 and 02-28; Mid-autumn 2026-09-25 … 09-27; National Day 2026-10-01 … 10-07
with adjusted working days Sun 09-20 and Sat 10-10. Office hours are the default 08:30–12:00, 13:30–17:30
(450 working minutes a day).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cityops.core import worktime as wt
from cityops.core.models import CalendarOverride, DayKind

SH = ZoneInfo("Asia/Shanghai")
DAY = 450  # working minutes of a usual day

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    """A Shanghai wall-clock time from 'YYYY-MM-DD HH:MM[:SS]'."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# --- the statutory calendar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # Friday before the Spring Festival
        ("2026-02-14", True),  # Saturday, adjusted working day
        ("2026-02-15", False),
        ("2026-02-18", False),
        ("2026-02-23", False),  # Monday, last holiday
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday, adjusted working day
        ("2026-03-01", False),  # ordinary Sunday
        ("2026-09-19", False),  # ordinary Saturday
        ("2026-09-20", True),  # Sunday, adjusted working day
        ("2026-09-25", False),  # Friday, Mid-autumn
        ("2026-09-26", False),
        ("2026-09-27", False),
        ("2026-10-01", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, adjusted working day
        ("2026-10-11", False),
    ],
)
def test_working_days_follow_the_statutory_calendar(day, working):
    assert wt.is_working_day(date.fromisoformat(day)) is working


def test_a_year_past_the_lunar_tables_falls_back_to_monday_to_friday_and_warns_once(caplog):
    wt.statutory_is_workday.cache_clear()
    wt._warned_years.discard(2100)
    with caplog.at_level(logging.WARNING, logger="cityops.core.worktime"):
        assert wt.is_working_day(date(2100, 1, 1))  # a Friday: no lunar calendar, so no statutory holidays known
        assert not wt.is_working_day(date(2100, 1, 2))  # Saturday
        assert wt.add_working_minutes(at("2100-01-01 17:00"), 60) == at("2100-01-04 09:00")
    warnings = [r for r in caplog.records if "2100" in r.getMessage()]
    assert len(warnings) == 1


def test_a_package_value_error_also_falls_back_to_the_statutory_holidays_instead_of_crashing(monkeypatch):
    import chinese_calendar

    def refuse(day):
        raise ValueError("unsupported")

    wt.statutory_is_workday.cache_clear()
    monkeypatch.setattr(chinese_calendar, "is_workday", refuse)
    try:
        assert not wt.is_working_day(date(2026, 2, 16))  # a Monday, but Spring Festival Eve (除夕) by the law
        assert wt.is_working_day(date(2026, 3, 2))  # an ordinary Monday
        assert not wt.is_working_day(date(2026, 2, 14))  # Saturday: the make-up day is unknown to the law
    finally:
        wt.statutory_is_workday.cache_clear()


# --- adding working minutes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Spring Festival
        ("2026-02-13 17:00", 60, "2026-02-14 09:00"),  # into the adjusted working Saturday
        ("2026-02-14 17:00", 60, "2026-02-24 09:00"),  # across the whole holiday
        ("2026-02-14 17:30", 1, "2026-02-24 08:31"),
        ("2026-02-18 10:00", 30, "2026-02-24 09:00"),  # start inside the holiday
        ("2026-02-27 17:00", 60, "2026-02-28 09:00"),  # into the second adjusted Saturday
        ("2026-02-28 17:00", 60, "2026-03-02 09:00"),  # over an ordinary Sunday
        ("2026-02-13 08:30", 5 * DAY, "2026-02-26 17:30"),  # 5 working days = 2250 minutes
        # Mid-autumn and National Day
        ("2026-09-18 17:00", 60, "2026-09-20 09:00"),  # over Saturday into the adjusted Sunday
        ("2026-09-24 17:00", 60, "2026-09-28 09:00"),  # over Mid-autumn and its weekend
        ("2026-09-30 17:00", 60, "2026-10-08 09:00"),  # over National Day
        ("2026-10-09 17:00", 60, "2026-10-10 09:00"),  # into the adjusted working Saturday
        ("2026-10-10 17:00", 60, "2026-10-12 09:00"),
        # the midday break and nights
        ("2026-03-02 11:30", 60, "2026-03-02 14:00"),
        ("2026-03-02 11:00", 60, "2026-03-02 12:00"),  # using a period up exactly ends at its end
        ("2026-03-02 12:10", 10, "2026-03-02 13:40"),  # start in the lunch break
        ("2026-03-02 06:00", 10, "2026-03-02 08:40"),  # start before the office opens
        ("2026-03-02 20:00", 10, "2026-03-03 08:40"),  # start at night
        ("2026-03-02 08:30", DAY, "2026-03-02 17:30"),
        ("2026-03-02 08:30", DAY + 1, "2026-03-03 08:31"),
        ("2026-03-02 09:00:30", 10, "2026-03-02 09:10:30"),  # seconds are kept
        # zero minutes: unchanged at a working moment, the next working moment otherwise
        ("2026-03-02 10:00", 0, "2026-03-02 10:00"),
        ("2026-03-02 12:00", 0, "2026-03-02 13:30"),
        ("2026-03-02 17:30", 0, "2026-03-03 08:30"),
        ("2026-02-14 18:00", 0, "2026-02-24 08:30"),
    ],
)
def test_add_working_minutes(start, minutes, expected):
    assert wt.add_working_minutes(at(start), minutes) == at(expected)


def test_thirty_working_days_is_computed_day_by_day():
    # 2026-09-01 is a Tuesday; the 30 working days run over Mid-autumn and National Day.
    end = wt.add_working_minutes(at("2026-09-01 08:30"), 30 * DAY)
    assert end == at("2026-10-16 17:30")
    assert wt.working_minutes_between(at("2026-09-01 08:30"), end) == 30 * DAY


def test_results_are_in_the_platform_time_zone_whatever_the_input_zone():
    start = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    end = wt.add_working_minutes(start, 60)
    assert end == at("2026-02-14 09:00")
    assert end.utcoffset() == timedelta(hours=8)
    assert str(end.tzinfo) == "Asia/Shanghai"


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        wt.add_working_minutes(naive, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        wt.working_minutes_between(naive, at("2026-03-02 10:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        wt.is_working_time(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        wt.add_natural_minutes(naive, 1)


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="negative"):
        wt.add_working_minutes(at("2026-03-02 09:00"), -1)


# --- counting working minutes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-03-02 11:50", "2026-03-02 13:40", 20),  # across the lunch break
        ("2026-03-02 12:00", "2026-03-02 13:30", 0),  # inside the lunch break
        ("2026-03-02 08:30", "2026-03-02 17:30", DAY),
        ("2026-03-02 00:00", "2026-03-03 00:00", DAY),
        ("2026-03-02 17:00", "2026-03-03 09:00", 60),  # across a night
        ("2026-02-13 08:30", "2026-02-24 08:30", 2 * DAY),  # Fri + adjusted Sat, then the holiday
        ("2026-02-14 17:00", "2026-02-24 09:00", 60),
        ("2026-02-01 00:00", "2026-03-01 00:00", 16 * DAY),  # February 2026 has 16 working days
        ("2026-09-30 17:00", "2026-10-08 09:00", 60),
        ("2026-09-19 00:00", "2026-09-21 00:00", DAY),  # ordinary Saturday + adjusted Sunday
        ("2026-03-02 08:30:00", "2026-03-02 08:30:59", 0),  # a partial minute is dropped
        ("2026-03-02 10:00", "2026-03-02 10:00", 0),
    ],
)
def test_working_minutes_between(a, b, expected):
    assert wt.working_minutes_between(at(a), at(b)) == expected


def test_working_minutes_between_is_negative_when_reversed():
    assert wt.working_minutes_between(at("2026-03-02 13:40"), at("2026-03-02 11:50")) == -20
    assert wt.working_minutes_between(at("2026-03-02 08:30:59"), at("2026-03-02 08:30:00")) == 0


# --- add then count gives back n (property-style) -----------------------------------------------------

STARTS = [
    "2026-02-13 08:30", "2026-02-13 11:59:30", "2026-02-13 12:00", "2026-02-13 12:45", "2026-02-13 13:30",
    "2026-02-13 17:29", "2026-02-13 17:30", "2026-02-13 23:59", "2026-02-14 00:00", "2026-02-14 16:00",
    "2026-02-15 10:00", "2026-02-23 17:45", "2026-02-27 10:07:13", "2026-02-28 12:30", "2026-09-19 09:00",
    "2026-09-20 07:00", "2026-09-24 15:15", "2026-09-30 11:00", "2026-10-07 23:00", "2026-10-10 17:29:59",
]
AMOUNTS = [0, 1, 29, 30, 31, 209, 210, 211, 240, 449, 450, 451, 900, 2250, 4500]


@pytest.mark.parametrize("start", STARTS)
def test_adding_then_counting_gives_back_the_minutes(start):
    begin = at(start)
    previous = None
    for n in AMOUNTS:
        end = wt.add_working_minutes(begin, n)
        assert wt.working_minutes_between(begin, end) == n, (start, n, end)
        assert wt.working_minutes_between(end, begin) == -n
        if n:
            # A deadline is never in a non-working gap: it is inside a period or at a period's end.
            assert wt.is_working_time(end - timedelta(seconds=1))
        if previous is not None:
            assert end > previous
        previous = end


# --- is_working_time and next_working_moment ---------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        ("2026-03-02 08:29:59", False),
        ("2026-03-02 08:30", True),
        ("2026-03-02 11:59:59", True),
        ("2026-03-02 12:00", False),
        ("2026-03-02 13:30", True),
        ("2026-03-02 17:29", True),
        ("2026-03-02 17:30", False),
        ("2026-02-14 10:00", True),
        ("2026-02-16 10:00", False),
        ("2026-10-10 10:00", True),
    ],
)
def test_is_working_time(moment, working):
    assert wt.is_working_time(at(moment)) is working


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-02 10:00", "2026-03-02 10:00"),
        ("2026-03-02 12:10", "2026-03-02 13:30"),
        ("2026-02-14 18:00", "2026-02-24 08:30"),
        ("2026-09-30 17:30", "2026-10-08 08:30"),
    ],
)
def test_next_working_moment(moment, expected):
    assert wt.next_working_moment(at(moment)) == at(expected)


# --- natural minutes --------------------------------------------------------------------------------


def test_natural_minutes_count_nights_and_holidays():
    assert wt.add_natural_minutes(at("2026-02-14 17:00"), 60) == at("2026-02-14 18:00")
    assert wt.add_natural_minutes(at("2026-02-14 17:00"), 24 * 60) == at("2026-02-15 17:00")
    assert wt.natural_minutes_between(at("2026-02-14 17:00"), at("2026-02-24 09:00")) == 9 * 24 * 60 + 16 * 60
    assert wt.natural_minutes_between(at("2026-02-24 09:00"), at("2026-02-14 17:00")) == -(9 * 24 * 60 + 16 * 60)


def test_natural_minutes_drop_a_partial_minute_in_both_directions():
    assert wt.natural_minutes_between(at("2026-03-02 10:00:00"), at("2026-03-02 10:00:59")) == 0
    assert wt.natural_minutes_between(at("2026-03-02 10:00:59"), at("2026-03-02 10:00:00")) == 0


def test_natural_results_are_in_the_platform_time_zone():
    end = wt.add_natural_minutes(datetime(2026, 3, 2, 0, 0, tzinfo=UTC), 30)
    assert end == at("2026-03-02 08:30") and str(end.tzinfo) == "Asia/Shanghai"


# --- admin overrides --------------------------------------------------------------------------------


def test_an_override_turns_a_working_day_into_a_holiday():
    assert wt.add_working_minutes(at("2026-03-02 17:00"), 60) == at("2026-03-03 09:00")
    CalendarOverride.objects.create(date=date(2026, 3, 3), kind=DayKind.HOLIDAY, note="local holiday")
    assert wt.add_working_minutes(at("2026-03-02 17:00"), 60) == at("2026-03-04 09:00")
    assert wt.working_minutes_between(at("2026-03-02 00:00"), at("2026-03-05 00:00")) == 2 * DAY


def test_an_override_turns_a_day_off_into_a_working_day():
    CalendarOverride.objects.create(date=date(2026, 3, 8), kind=DayKind.WORKDAY)  # a Sunday
    assert wt.add_working_minutes(at("2026-03-06 17:00"), 60) == at("2026-03-08 09:00")


def test_an_override_can_carry_its_own_office_hours():
    CalendarOverride.objects.create(date=date(2026, 2, 16), kind=DayKind.WORKDAY, office_hours="09:00-11:00")
    assert wt.add_working_minutes(at("2026-02-14 17:00"), 60) == at("2026-02-16 09:30")
    assert wt.add_working_minutes(at("2026-02-14 17:00"), 30 + 120 + 30) == at("2026-02-24 09:00")
    assert not wt.is_working_time(at("2026-02-16 11:00"))


def test_saving_or_deleting_an_override_takes_effect_at_once():
    wt.add_working_minutes(at("2026-03-02 17:00"), 60)  # fills the cache
    override = CalendarOverride.objects.create(date=date(2026, 3, 3), kind=DayKind.HOLIDAY)
    assert wt.add_working_minutes(at("2026-03-02 17:00"), 60) == at("2026-03-04 09:00")
    override.kind = DayKind.WORKDAY
    override.office_hours = "10:00-11:00"
    override.save()
    assert wt.add_working_minutes(at("2026-03-02 17:00"), 60) == at("2026-03-03 10:30")
    override.delete()
    assert wt.add_working_minutes(at("2026-03-02 17:00"), 60) == at("2026-03-03 09:00")


def test_an_override_with_malformed_hours_is_refused_by_validation():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        CalendarOverride(date=date(2026, 3, 3), kind=DayKind.WORKDAY, office_hours="9-17").full_clean()
    assert "office_hours" in exc.value.message_dict
    with pytest.raises(ValidationError):
        CalendarOverride(date=date(2026, 3, 3), kind=DayKind.HOLIDAY, office_hours="09:00-11:00").full_clean()


def test_an_override_with_malformed_hours_written_behind_validation_fails_loudly():
    CalendarOverride.objects.create(date=date(2026, 3, 3), kind=DayKind.WORKDAY, office_hours="09:00-08:00")
    with pytest.raises(ImproperlyConfigured, match="2026-03-03"):
        wt.add_working_minutes(at("2026-03-02 17:00"), 60)


# --- office hours from settings ----------------------------------------------------------------------


@override_settings(CITYOPS_OFFICE_HOURS=["09:00-17:00"])
def test_office_hours_come_from_settings():
    assert wt.add_working_minutes(at("2026-03-02 16:00"), 120) == at("2026-03-03 10:00")
    assert wt.working_minutes_between(at("2026-03-02 00:00"), at("2026-03-03 00:00")) == 480


@pytest.mark.parametrize(
    "hours",
    [
        ["8:30-12"],  # malformed
        ["08:30-12:00", "11:00-17:00"],  # overlapping
        ["13:30-17:30", "08:30-12:00"],  # unordered
        ["12:00-08:30"],  # ends before it starts
        ["08:30-12:60"],  # not a time of day
        [],  # nothing
    ],
)
def test_bad_office_hours_fail_loudly_at_first_use_naming_the_value(hours):
    with override_settings(CITYOPS_OFFICE_HOURS=hours):
        with pytest.raises(ImproperlyConfigured, match="CITYOPS_OFFICE_HOURS") as exc:
            wt.add_working_minutes(at("2026-03-02 09:00"), 10)
    assert repr(tuple(hours)) in str(exc.value)


def test_bad_office_hours_are_reported_by_the_system_check():
    from cityops.core.apps import _check_office_hours

    with override_settings(CITYOPS_OFFICE_HOURS=["08:30-12:00", "11:00-17:00"]):
        errors = _check_office_hours(None)
    assert [e.id for e in errors] == ["cityops.E001"]
    assert _check_office_hours(None) == []


def test_office_hours_may_be_one_comma_separated_string():
    assert wt.parse_office_hours("08:30-12:00, 13:30-17:30") == ((510, 720), (810, 1050))
    assert wt.parse_office_hours(["13:00-24:00"]) == ((780, 1440),)
