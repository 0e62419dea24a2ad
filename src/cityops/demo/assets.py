"""The demo city's component census (部件普查): seeded random points, each with its 17-digit identifier.

A point is drawn inside a chosen grid, so its grid comes from the plan's arithmetic, not from locate().
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from cityops.assets.codes import make_component_ident
from cityops.assets.models import Component, ComponentStatus
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.core.audit import audit_log
from cityops.demo.city import GRID_DLAT, GRID_DLON, CityPlan
from cityops.demo.rules import owner_department_code
from cityops.geo.models import Level, Region
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import Actor

COMPONENTS_PER_GRID = 2.0
# A big city gets no more than this: enough for maps and searches, quick to build.
MAX_COMPONENTS = 20_000
SURVEY_START = dt.date(2024, 3, 1)
DAMAGED_SHARE = 0.03
BATCH_SIZE = 2000
SUPERVISING_DEPARTMENT = "CGJ"


def create_components(
    *, plan: CityPlan, departments: dict[str, Department], per_grid: float = COMPONENTS_PER_GRID, actor: Actor = None
) -> int:
    """Scatter `per_grid` components per grid (at most MAX_COMPONENTS); returns how many (0 without a catalogue)."""
    classes = list(
        CatalogClass.objects.filter(kind=ClassKind.COMPONENT, retired_at__isnull=True).order_by("code")
    )
    if not classes:
        return 0
    rng = random.Random(f"cityops-demo-assets-{plan.seed}")
    grids = {code: (pk, path) for code, pk, path in
             Region.objects.filter(level=Level.GRID).values_list("code", "id", "path")}
    names = {r.code: r.name for r in plan.regions if r.level != Level.GRID}
    sequences: dict[tuple[str, str], int] = {}
    total = min(MAX_COMPONENTS, round(plan.cols * plan.rows * per_grid))
    rows = []
    for _ in range(total):
        rows.append(_component(plan, rng, rng.choice(classes), grids, names, sequences, departments))
        if len(rows) == BATCH_SIZE:
            Component.objects.bulk_create(rows)
            rows = []
    Component.objects.bulk_create(rows)
    audit_log(actor=actor, action="demo.components.created", data={"count": total})
    return total


def _component(
    plan: CityPlan,
    rng: random.Random,
    cls: CatalogClass,
    grids: dict[str, tuple[int, str]],
    names: dict[str, str],
    sequences: dict[tuple[str, str], int],
    departments: dict[str, Department],
) -> Component:
    col, row = rng.randrange(plan.cols), rng.randrange(plan.rows)
    code = plan.grid_code(col, row)
    grid_id, path = grids[code]
    district = code[:6]
    # The identifier's sequence counts within (district, class), as the standard numbers a census.
    key = (district, cls.code)
    sequences[key] = sequences.get(key, 0) + 1
    owner = departments[owner_department_code(cls.code)]
    supervisor = departments[SUPERVISING_DEPARTMENT]
    # Keep points off the grid edges so no neighbour could claim them.
    lon = plan.lon(col) + GRID_DLON * rng.uniform(0.05, 0.95)
    lat = plan.lat(row) - GRID_DLAT * rng.uniform(0.05, 0.95)
    return Component(
        ident=make_component_ident(district, cls.code, sequences[key]),
        catalog_class=cls,
        name=cls.display_name[:30],
        lon=round(lon, 7),
        lat=round(lat, 7),
        grid_id=grid_id,
        region_path=path,
        address=names[district] + names[code[:9]] + names[code[:12]],
        supervising_dept_code=supervisor.code,
        supervising_dept_name=supervisor.name,
        owner_code=owner.code,
        owner_name=owner.name,
        maintainer_code=owner.code,
        maintainer_name=owner.name,
        owner_department=owner,
        status=ComponentStatus.DAMAGED if rng.random() < DAMAGED_SHARE else ComponentStatus.INTACT,
        survey_date=SURVEY_START + dt.timedelta(days=rng.randrange(180)),
        data_source="demo",
    )
