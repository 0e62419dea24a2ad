"""Working days past the package's data: the statutory holidays the law fixes, then the yearly arrangement.

《全国年节及纪念日放假办法》 as amended in 2024: 元旦 1 Jan; 春节 除夕 to the third lunar day; 清明; 1–2 May; 端午;
中秋; 1–3 Oct. chinesecalendar 1.11 has the published arrangements up to 2026 and nothing for 2027.
Lunar dates checked against the published calendar: 除夕 2027 is 5 Feb (春节 6 Feb), 除夕 2028 is 25 Jan.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from cityops.core import holidays
from cityops.core import worktime as wt
from cityops.core.models import ArrangementDay, CalendarOverride, DayKind, HolidayArrangement

SH = ZoneInfo("Asia/Shanghai")
DAY = 450

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def test_the_package_has_no_data_for_2027():
    """The premise: were the package upgraded, these tests would check its data instead of the fallback."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_a_case_reported_on_new_years_eve_is_not_due_on_new_years_day():
    # Thursday 31 Dec 2026 + one working day: Friday 1 Jan 2027 is New Year's Day, then the weekend.
    assert wt.add_working_minutes(at("2026-12-31 09:00"), DAY) == at("2027-01-04 09:00")
    assert wt.add_working_minutes(at("2026-12-31 17:00"), 60) == at("2027-01-04 09:00")
    assert not wt.is_working_day(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("day", "festival"),
    [
        ("2027-01-01", "New Year"),
        ("2027-02-05", "Spring Festival Eve (除夕, the 29th of the twelfth month)"),
        ("2027-02-08", "Spring Festival, third day"),
        ("2027-04-05", "Qingming"),
        ("2027-06-09", "Dragon Boat"),
        ("2027-09-15", "Mid-Autumn"),
        ("2027-10-01", "National Day"),
        ("2028-01-25", "Spring Festival Eve"),
        ("2028-01-28", "Spring Festival, third day"),
        ("2028-04-04", "Qingming"),
        ("2028-05-01", "Labour Day"),
        ("2028-05-02", "Labour Day, second day"),
        ("2028-10-03", "National Day and Mid-Autumn on the same day"),
    ],
)
def test_statutory_holidays_on_weekdays_are_days_off_past_the_package(day, festival):
    assert date.fromisoformat(day).weekday() < 5
    assert not wt.is_working_day(date.fromisoformat(day)), festival


@pytest.mark.parametrize("day", ["2027-02-04", "2027-02-09", "2027-04-06", "2027-06-10", "2027-09-16", "2027-10-04",
                                 "2028-01-24", "2028-01-31", "2028-04-05", "2028-05-03", "2028-10-04"])
def test_the_weekdays_around_them_are_working_days(day):
    assert wt.is_working_day(date.fromisoformat(day))


def test_the_2028_dragon_boat_festival_on_a_sunday_gives_no_substitute_day():
    assert holidays.statutory_holidays(2028)[date(2028, 5, 28)] == holidays.DRAGON_BOAT
    assert wt.is_working_day(date(2028, 5, 29))  # Monday: only the published arrangement could make it a day off


def test_the_spring_festival_of_2027_is_four_days_from_the_eve():
    spring = [d for d, name in holidays.statutory_holidays(2027).items() if name == holidays.SPRING_FESTIVAL]
    assert spring == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    # Thursday 4 Feb 17:00 + 60 working minutes: Friday (除夕) and Monday (初三) are off, the weekend between too.
    assert wt.add_working_minutes(at("2027-02-04 17:00"), 60) == at("2027-02-09 09:00")


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_holiday_of_the_fallback_is_a_holiday_in_the_published_arrangement(year):
    """The fallback against the State Council's arrangements the package has, for the years the 2024 law governs."""
    assert year in holidays.package_years()
    wrong = [d for d in holidays.statutory_holidays(year) if chinese_calendar.is_workday(d)]
    assert wrong == []
    assert len(holidays.statutory_holidays(year)) == 13


@pytest.mark.parametrize("year", range(2008, 2025))
def test_the_lunar_and_solar_term_dates_match_the_published_arrangements_since_2008(year):
    """Before 2025 the law had fewer days (no 除夕 since 2014, one day in May), but the dates both laws share —
    the first and second lunar days, Qingming, Dragon Boat, Mid-Autumn — must be holidays in every year."""
    spring = holidays._lunar(year, 1, 1)
    shared = [spring, spring + timedelta(days=1), holidays.qingming(year), holidays._lunar(year, 5, 5),
              holidays._lunar(year, 8, 15), date(year, 1, 1), date(year, 5, 1), date(year, 10, 1)]
    assert [d for d in shared if chinese_calendar.is_workday(d)] == []


def test_the_fallback_logs_no_warning(caplog):
    wt.statutory_is_workday.cache_clear()
    wt._warned_years.discard(2027)
    with caplog.at_level(logging.WARNING, logger="cityops.core.worktime"):
        assert not wt.is_working_day(date(2027, 2, 5))
        assert wt.is_working_day(date(2027, 3, 1))
    assert caplog.records == []


def test_an_arrangements_make_up_sunday_is_a_working_day():
    arrangement = HolidayArrangement.objects.create(year=2027)
    ArrangementDay.objects.create(arrangement=arrangement, date=date(2027, 2, 14), kind=DayKind.WORKDAY, name="春节")
    ArrangementDay.objects.create(arrangement=arrangement, date=date(2027, 2, 9), kind=DayKind.HOLIDAY, name="春节")
    wt.clear_caches()
    assert wt.is_working_day(date(2027, 2, 14))  # a Sunday
    assert not wt.is_working_day(date(2027, 2, 9))  # a Tuesday the law leaves working
    assert not wt.is_working_day(date(2027, 2, 5))  # not listed: the law's 除夕 still holds
    assert wt.add_working_minutes(at("2027-02-04 17:00"), 60) == at("2027-02-10 09:00")
    assert wt.add_working_minutes(at("2027-02-13 10:00"), 60) == at("2027-02-14 09:30")


def test_an_override_beats_the_arrangement_which_beats_the_package():
    arrangement = HolidayArrangement.objects.create(year=2026)
    ArrangementDay.objects.create(arrangement=arrangement, date=date(2026, 3, 2), kind=DayKind.HOLIDAY)
    ArrangementDay.objects.create(arrangement=arrangement, date=date(2026, 3, 3), kind=DayKind.HOLIDAY)
    CalendarOverride.objects.create(date=date(2026, 3, 3), kind=DayKind.WORKDAY, office_hours="09:00-11:00")
    wt.clear_caches()
    assert not wt.is_working_day(date(2026, 3, 2))  # the package says working; the arrangement wins
    assert wt.day_periods(date(2026, 3, 3)) == ((540, 660),)  # the override wins over the arrangement
    assert wt.is_working_day(date(2026, 3, 4))  # not listed: the package


def test_saving_an_arrangement_day_drops_the_cache_in_this_process():
    assert wt.is_working_day(date(2027, 3, 1))
    arrangement = HolidayArrangement.objects.create(year=2027)
    ArrangementDay.objects.create(arrangement=arrangement, date=date(2027, 3, 1), kind=DayKind.HOLIDAY)
    assert not wt.is_working_day(date(2027, 3, 1))


def test_another_processs_change_is_seen_after_the_cache_time(settings):
    """A change that sends no signal here (another process's) is read again once CITYOPS_CALENDAR_CACHE_SECONDS pass."""
    arrangement = HolidayArrangement.objects.create(year=2027)
    day = ArrangementDay.objects.create(arrangement=arrangement, date=date(2027, 3, 1), kind=DayKind.HOLIDAY)
    settings.CITYOPS_CALENDAR_CACHE_SECONDS = 60
    assert not wt.is_working_day(date(2027, 3, 1))
    ArrangementDay.objects.filter(pk=day.pk).update(kind=DayKind.WORKDAY)  # no post_save: as if elsewhere
    assert not wt.is_working_day(date(2027, 3, 1))  # still the cached answer
    settings.CITYOPS_CALENDAR_CACHE_SECONDS = 0
    assert wt.is_working_day(date(2027, 3, 1))


def test_a_negative_cache_time_is_refused_when_the_settings_load():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "true", "CITYOPS_CALENDAR_CACHE_SECONDS": "-1"}
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cityops.settings'; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "CITYOPS_CALENDAR_CACHE_SECONDS must be 0 or more" in result.stderr
