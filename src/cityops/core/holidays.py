"""The statutory public holidays (法定节假日) that the law itself fixes, for years without a published arrangement.

《全国年节及纪念日放假办法》 as amended in 2024 (in force from 2025) gives every citizen these days off:
元旦 1 January; 春节 the Spring Festival Eve (除夕, the last day of the twelfth lunar month, the 29th or 30th) to the
third day of the first lunar month; 清明 the day of the Qingming solar term; 劳动节 1–2 May; 端午 the fifth day of
the fifth lunar month; 中秋 the fifteenth day of the eighth lunar month; 国庆 1–3 October.

The law gives no substitute day when one of them falls on a weekend, and the make-up working days (调休) exist only
in the State Council's yearly arrangement; so without that arrangement a weekday is a working day unless it is one
of these dates, and weekends are off. The arrangement, once published, is entered by an administrator
(`core.models.HolidayArrangement`) and takes precedence.

Lunar dates come from `lunardate` (lunar years 1900–2099), the solar term from `chinese_calendar.get_solar_terms`
(1900–2100); `statutory_holidays` raises `YearNotCovered` outside what both cover.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar.constants import holidays as arranged_holidays
from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate

FIRST_LUNAR_YEAR, LAST_LUNAR_YEAR = 1901, 2099

NEW_YEAR = _("New Year's Day (元旦)")
SPRING_FESTIVAL = _("Spring Festival (春节)")
QINGMING = _("Qingming (清明节)")
LABOUR_DAY = _("Labour Day (劳动节)")
DRAGON_BOAT = _("Dragon Boat Festival (端午节)")
MID_AUTUMN = _("Mid-Autumn Festival (中秋节)")
NATIONAL_DAY = _("National Day (国庆节)")


class YearNotCovered(ValueError):
    """The lunar calendar or the solar terms are not available for the year."""


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holiday dates of `year` with the festival's name (weekends not included)."""
    return dict(_statutory_holidays(year))


@lru_cache(maxsize=256)
def _statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    if not FIRST_LUNAR_YEAR <= year <= LAST_LUNAR_YEAR:
        raise YearNotCovered(f"No lunar calendar for {year} (covered: {FIRST_LUNAR_YEAR}–{LAST_LUNAR_YEAR}).")
    days: dict[date, str] = {date(year, 1, 1): NEW_YEAR}
    new_year = _lunar(year, 1, 1)
    # 除夕 is the eve of the first lunar day, whether the twelfth month has 29 or 30 days.
    for offset in range(-1, 3):
        days[new_year + timedelta(days=offset)] = SPRING_FESTIVAL
    days[qingming(year)] = QINGMING
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = LABOUR_DAY
    days[_lunar(year, 5, 5)] = DRAGON_BOAT
    days[_lunar(year, 8, 15)] = MID_AUTUMN
    for day in (1, 2, 3):
        days[date(year, 10, day)] = NATIONAL_DAY
    return tuple(sorted(days.items()))


def is_statutory_holiday(day: date) -> bool:
    """Whether `day` is one of the law's holiday dates (raises YearNotCovered outside the lunar tables)."""
    return day in statutory_holidays(day.year)


def qingming(year: int) -> date:
    """The day of the Qingming solar term (4 or 5 April in this century) in China's time zone."""
    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    except NotImplementedError as exc:
        raise YearNotCovered(str(exc)) from exc
    for day, name in terms:
        if name == "清明":
            return day
    raise YearNotCovered(f"No Qingming solar term found for {year}.")


def _lunar(year: int, month: int, day: int) -> date:
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError as exc:
        raise YearNotCovered(str(exc)) from exc


def package_years() -> range:
    """The years the installed `chinesecalendar` package has the State Council's arrangement for."""
    return range(min(arranged_holidays).year, max(arranged_holidays).year + 1)
