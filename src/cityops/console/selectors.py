"""Reads of the console's home page, scoped to the user: what the platform holds inside the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cityops.assets.models import Component
from cityops.catalog.models import CatalogClass
from cityops.core.permissions import region_scope_q
from cityops.geo.models import Level, Region

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser


def platform_overview_for_user(*, user: AnyUser) -> dict[str, Any]:
    """Counts of regions by level, catalogue classes and components the user may see."""
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
