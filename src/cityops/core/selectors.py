"""Reads that span domains (the home page overview), scoped to the user."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from cityops.core.permissions import is_platform_admin, region_scope_q

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

# From this month on, the next year's holiday arrangement is expected (the State Council usually publishes it in
# November) and administrators are reminded until it is entered.
ARRANGEMENT_REMINDER_MONTH = 11


def platform_overview_for_user(*, user: Any) -> dict:
    """Counts of regions by level, catalogue classes and components the user may see."""
    from cityops.assets.models import Component
    from cityops.catalog.models import CatalogClass
    from cityops.geo.models import Level, Region

    regions = Region.objects.filter(region_scope_q(user))
    by_level = {level: regions.filter(level=level).count() for level in Level}
    return {
        "roles": sorted(getattr(user, "role_set", [])),
        "scope_region": getattr(user, "scope_region", None),
        "scope_department": getattr(user, "scope_department", None),
        "regions": [(Level(level).label, n) for level, n in by_level.items()],
        "classes": CatalogClass.objects.filter(retired_at__isnull=True).count(),
        "components": Component.objects.filter(region_scope_q(user, "region_path")).count(),
    }


def missing_arrangement_years(*, today: date) -> list[int]:
    """The years whose holiday arrangement is missing: this year, and from November on the next one.

    A year is covered by an arrangement entered in the admin (or imported), or by the chinesecalendar package's
    data; without either its deadlines follow only the statutory holidays, without make-up working days.
    """
    from cityops.core.holidays import package_years
    from cityops.core.models import HolidayArrangement

    years = [today.year] + ([today.year + 1] if today.month >= ARRANGEMENT_REMINDER_MONTH else [])
    years = [year for year in years if year not in package_years()]
    entered = set(HolidayArrangement.objects.filter(year__in=years).values_list("year", flat=True))
    return [year for year in years if year not in entered]


def calendar_notice_for_user(*, user: AnyUser, today: date | None = None) -> list[int]:
    """The missing arrangement years to tell `user` about: administrators only (they can enter them)."""
    if not is_platform_admin(user):
        return []
    return missing_arrangement_years(today=today or timezone.localdate())
