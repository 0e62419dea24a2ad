"""Factories for tests: a tiny two-district city and the fixed cast of personas.

The city (codes follow the 15-character grid rule):
  510100 测试市
    510104 东区 (x 104.00–104.02)  street 510104001, community 510104001001, grids …001001001–004 (2×2)
    510105 西区 (x 104.02–104.04)  street 510105001, community 510105001001, grids …001001001–004 (2×2)
All boxes are 0.01° wide, so a grid is 0.005° (~480 m × 555 m); y runs 30.00–30.02.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from shapely.geometry import box

from cityops.cases.duplicates import h3_cell_of
from cityops.cases.models import Case
from cityops.cases.numbering import next_case_number
from cityops.catalog.selectors import catalog_class_from_ref, default_urgency
from cityops.geo.geometry import region_geometry_fields
from cityops.geo.models import Level, Region
from cityops.org.models import Department, DepartmentKind, RoleAssignment, User

PASSWORD = "Pass-word-for-tests-1"


def make_region(level: str, code: str, name: str, geom, parent: Region | None = None) -> Region:
    return Region.objects.create(level=level, code=code, name=name, parent=parent, **region_geometry_fields(geom))


@dataclass
class SmallCity:
    city: Region
    districts: list[Region] = field(default_factory=list)
    streets: list[Region] = field(default_factory=list)
    communities: list[Region] = field(default_factory=list)
    grids: list[Region] = field(default_factory=list)


def make_small_city() -> SmallCity:
    """Build the two-district test city described in the module docstring."""
    c = SmallCity(city=make_region(Level.CITY, "510100", "测试市", box(104.00, 30.00, 104.04, 30.02)))
    for i, (dcode, dname) in enumerate([("510104", "东区"), ("510105", "西区")]):
        x0 = 104.00 + 0.02 * i
        outline = box(x0, 30.00, x0 + 0.02, 30.02)
        district = make_region(Level.DISTRICT, dcode, dname, outline, c.city)
        street = make_region(Level.STREET, dcode + "001", f"{dname}一街道", outline, district)
        community = make_region(Level.COMMUNITY, dcode + "001001", f"{dname}一社区", outline, street)
        c.districts.append(district)
        c.streets.append(street)
        c.communities.append(community)
        seq = 0
        for row in range(2):  # north → south
            for col in range(2):  # west → east
                seq += 1
                y1 = 30.02 - 0.01 * row
                g = box(x0 + 0.01 * col, y1 - 0.01, x0 + 0.01 * (col + 1), y1)
                c.grids.append(make_region(Level.GRID, f"{dcode}001001{seq:03d}", f"{dname}网格{seq}", g, community))
    return c


def make_department(code: str, name: str, *, region: Region | None = None, parent: Department | None = None,
                    kind: str = DepartmentKind.DISTRICT_BUREAU) -> Department:
    return Department.objects.create(code=code, name=name, region=region, parent=parent, kind=kind)


def make_user(username: str, *roles: str, scope_region: Region | None = None,
              scope_department: Department | None = None, department: Department | None = None,
              is_staff: bool = False, is_superuser: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, scope_region=scope_region, scope_department=scope_department,
        department=department, is_staff=is_staff, is_superuser=is_superuser,
    )
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles])
    return user


def make_case(city: SmallCity, *, catalog_class=None, lon: float | None = None, lat: float | None = None,
              state: str = "reported", reported_at=None, source: str = "inspector", **fields):
    """Insert a Case row directly (no workflow, no events or clocks): regions of the grid under the point, H3 cell,
    the next number of its day.

    `catalog_class` is a CatalogClass or a ref ("matter:06010", the default is exposed garbage).
    The point defaults to the middle of the first grid (东区网格1).
    """
    if catalog_class is None or isinstance(catalog_class, str):
        catalog_class = catalog_class_from_ref(catalog_class or "matter:06010")
    first = city.grids[0]
    lon = first.centroid_lon if lon is None else lon
    lat = first.centroid_lat if lat is None else lat
    grid = next(g for g in city.grids if g.min_lon <= lon <= g.max_lon and g.min_lat <= lat <= g.max_lat)
    community = grid.parent
    street = community.parent
    reported_at = reported_at or timezone.now()
    fields.setdefault("urgency", default_urgency())
    fields.setdefault("description", "测试案件")
    return Case.objects.create(
        number=next_case_number(reported_at), kind=catalog_class.kind,
        catalog_class=catalog_class, lon=lon, lat=lat, grid=grid, community=community, street=street,
        district=street.parent, region_path=grid.path, h3_cell=h3_cell_of(lon, lat), state=state, source=source,
        reported_at=reported_at, updated_at=reported_at, **fields,
    )
