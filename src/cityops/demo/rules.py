"""The demo city's responsibility rules (责任划分): which department handles which matter class where.

Cases are classified by matter (事项) classes, so the rules name matter classes:
- component-abnormality matters go to the city bureau owning that kind of facility (majors 01–05), except
  water-supply manhole covers (01001), which the water company maintains;
- event matters (majors 06–10: street order, advertising, construction, …) go to the district bureau of the
  district they happen in;
- anything else falls back to the city administration bureau (a rule for any class on the whole city).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cityops.catalog.models import CatalogClass, ClassKind, ResponsibilityRule
from cityops.core.audit import audit_log
from cityops.demo.city import CITY_CODE, CityPlan
from cityops.demo.people import department_code_for_district
from cityops.geo.models import Level, Region
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import Actor

# Department code owning each component major class (and its abnormality matters).
OWNER_BY_MAJOR = {"01": "SZJ", "02": "JTJ", "03": "HWJ", "04": "YLJ", "05": "CGJ"}
# Classes whose owner differs from their major's.
OWNER_BY_CLASS = {"01001": "ZLS"}
EVENT_MAJORS = {"06", "07", "08", "09", "10"}
FALLBACK_DEPARTMENT = "CGJ"


def owner_department_code(class_code: str) -> str:
    """The department owning components of `class_code` (and handling their abnormalities)."""
    return OWNER_BY_CLASS.get(class_code) or OWNER_BY_MAJOR.get(class_code[:2], FALLBACK_DEPARTMENT)


def create_rules(*, plan: CityPlan, departments: dict[str, Department], actor: Actor = None) -> int:
    """Create the demo responsibility rules; returns how many."""
    regions = {r.code: r for r in Region.objects.filter(level__in=[Level.CITY, Level.DISTRICT])}
    city = regions[CITY_CODE]
    rules = [ResponsibilityRule(catalog_class=None, region=city, department=departments[FALLBACK_DEPARTMENT],
                                note="demo: fallback")]
    matters = CatalogClass.objects.filter(kind=ClassKind.MATTER, retired_at__isnull=True).order_by("code")
    for matter in matters:
        if matter.major_code in EVENT_MAJORS:
            rules += [
                ResponsibilityRule(catalog_class=matter, region=regions[d.code],
                                   department=departments[department_code_for_district(d.code)],
                                   note="demo: events → district bureau")
                for d in plan.by_level(Level.DISTRICT)
            ]
        else:
            rules.append(ResponsibilityRule(catalog_class=matter, region=city,
                                            department=departments[owner_department_code(matter.code)],
                                            note="demo: facility owner"))
    ResponsibilityRule.objects.bulk_create(rules, batch_size=1000)
    audit_log(actor=actor, action="demo.responsibility_rules.created", data={"count": len(rules)})
    return len(rules)
