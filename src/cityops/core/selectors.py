"""Reads of core's own data for the pages: the missing holiday arrangements administrators are told about."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from cityops.core.holidays import package_years
from cityops.core.models import HolidayArrangement
from cityops.core.permissions import is_platform_admin

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

# From this month on, the next year's holiday arrangement is expected (the State Council usually publishes it in
# November) and administrators are reminded until it is entered.
ARRANGEMENT_REMINDER_MONTH = 11


def missing_arrangement_years(*, today: date) -> list[int]:
    """The years whose holiday arrangement is missing: this year, and from November on the next one.

    A year is covered by an arrangement entered in the admin (or imported), or by the chinesecalendar package's
    data; without either its deadlines follow only the statutory holidays, without make-up working days.
    """
    years = [today.year] + ([today.year + 1] if today.month >= ARRANGEMENT_REMINDER_MONTH else [])
    years = [year for year in years if year not in package_years()]
    entered = set(HolidayArrangement.objects.filter(year__in=years).values_list("year", flat=True))
    return [year for year in years if year not in entered]


def calendar_notice_for_user(*, user: AnyUser, today: date | None = None) -> list[int]:
    """The missing arrangement years to tell `user` about: administrators only (they can enter them)."""
    if not is_platform_admin(user):
        return []
    return missing_arrangement_years(today=today or timezone.localdate())
