"""The demo city's departments and staff: a user for every role, each with a data scope.

Departments (专业部门): the city administration bureau (市城管局) with its supervision and command centre,
a district bureau under it for every district and a street office (街道办) under each district bureau; the
city's municipal-utility, sanitation, landscaping and transport bureaus; the water company (an enterprise).

Users share one fixed demo password. Inspectors (监督员) each patrol a run of grids inside one community.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.audit import audit_log
from cityops.demo.city import CITY_CODE, CITY_NAME, CityPlan
from cityops.geo.models import Level, Region
from cityops.org.models import Department, DepartmentKind, Role, RoleAssignment, User

if TYPE_CHECKING:
    from cityops.core.typing import Actor

# Fixed and printed by `cityops demo`: a demo database is never a production database.
DEMO_PASSWORD = "demo1234"
GRIDS_PER_INSPECTOR = 30

# City-level departments: (code, name, English name, kind, parent code).
CITY_DEPARTMENTS = [
    ("CGJ", f"{CITY_NAME}城市管理局", "City Administration Bureau", DepartmentKind.CITY_BUREAU, None),
    ("CGJ-ZX", f"{CITY_NAME}数字化城市管理监督指挥中心", "Digital City Management Supervision and Command Centre",
     DepartmentKind.CENTRE, "CGJ"),
    ("SZJ", f"{CITY_NAME}市政公用局", "Municipal Utilities Bureau", DepartmentKind.CITY_BUREAU, None),
    ("HWJ", f"{CITY_NAME}环境卫生管理局", "Sanitation Bureau", DepartmentKind.CITY_BUREAU, None),
    ("YLJ", f"{CITY_NAME}园林绿化局", "Landscaping and Greening Bureau", DepartmentKind.CITY_BUREAU, None),
    ("JTJ", f"{CITY_NAME}交通运输局", "Transport Bureau", DepartmentKind.CITY_BUREAU, None),
    ("ZLS", f"{CITY_NAME}自来水有限责任公司", "Water Supply Company", DepartmentKind.ENTERPRISE, None),
]

# Supervision and command staff with the whole city in scope: (username, role, department code).
_CENTRE_STAFF = [
    ("acceptor", Role.ACCEPTOR, "CGJ-ZX"),
    ("shiftleader", Role.SHIFT_LEADER, "CGJ-ZX"),
    ("dispatcher", Role.DISPATCHER, "CGJ-ZX"),
    ("leader", Role.LEADER, "CGJ"),
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌凤兵辉健鹏宇浩然思琪雨欣俊"


@dataclass
class Login:
    """One row of the printed demo-login table."""

    role: str
    username: str
    password: str
    scope: str


@dataclass
class PeopleReport:
    departments: int
    users: int
    inspectors: int
    grid_assignments: int


def department_code_for_district(district_code: str) -> str:
    return f"CGJ-{district_code}"


def department_code_for_street(street_code: str) -> str:
    return f"JDB-{street_code}"


def create_departments(*, plan: CityPlan, actor: Actor = None) -> dict[str, Department]:
    """Create the demo departments; returns them by code."""
    regions = _regions_by_code(Level.CITY, Level.DISTRICT, Level.STREET)
    city = regions[CITY_CODE]
    made: dict[str, Department] = {}
    for code, name, name_en, kind, parent in CITY_DEPARTMENTS:
        made[code] = _department(code, name, name_en, kind, region=city, parent=made.get(parent or ""))
    for d in plan.by_level(Level.DISTRICT):
        code = department_code_for_district(d.code)
        made[code] = _department(code, f"{d.name}城市管理局", f"{d.name_en} City Administration Bureau",
                                 DepartmentKind.DISTRICT_BUREAU, region=regions[d.code], parent=made["CGJ"])
    for s in plan.by_level(Level.STREET):
        code = department_code_for_street(s.code)
        made[code] = _department(code, f"{s.name}办事处", f"{s.name_en} Office", DepartmentKind.STREET_OFFICE,
                                 region=regions[s.code], parent=made[department_code_for_district(s.parent_code)])
    audit_log(actor=actor, action="demo.departments.created", data={"count": len(made)})
    return made


def _department(code: str, name: str, name_en: str, kind: str, *, region: Region,
                parent: Department | None) -> Department:
    # save() (not bulk_create) computes the path; there are only a few dozen departments.
    return Department.objects.create(code=code, name=name, name_en=name_en, kind=kind, region=region, parent=parent)


def _regions_by_code(*levels: str) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(level__in=levels)}


def create_people(*, plan: CityPlan, departments: dict[str, Department], actor: Actor = None) -> PeopleReport:
    """Create a user for every role, handlers in every department and inspectors for every grid."""
    rng = random.Random(f"cityops-demo-people-{plan.seed}")
    # One Argon2 hash for everyone: hashing thousands of inspectors one by one would take minutes.
    password = make_password(DEMO_PASSWORD)
    city = Region.objects.get(code=CITY_CODE)
    users: list[tuple[User, tuple[str, ...]]] = [
        (User(username="admin", full_name=_("Demo administrator"), is_staff=True, is_superuser=True), (Role.ADMIN,))
    ]
    for username, role, dept_code in _CENTRE_STAFF:
        dept = departments[dept_code]
        users.append((User(username=username, department=dept, scope_region=city), (role,)))
    for district in plan.by_level(Level.DISTRICT):
        dept = departments[department_code_for_district(district.code)]
        users.append((User(username=f"dispatcher-{district.code}", department=dept, scope_department=dept),
                      (Role.DISPATCHER,)))
    for code, dept in departments.items():
        if dept.kind != DepartmentKind.CENTRE:
            users.append((User(username=f"handler-{code.lower()}", department=dept, scope_department=dept),
                          (Role.HANDLER,)))
    inspectors, patrols = _inspectors(plan, departments)
    users.extend((user, (Role.INSPECTOR,)) for user in inspectors)
    for user, _roles in users:
        user.password = password
        user.full_name = user.full_name or _person_name(rng)
    User.objects.bulk_create([u for u, _r in users], batch_size=1000)
    ids = dict(User.objects.filter(username__in=[u.username for u, _r in users]).values_list("username", "id"))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=ids[u.username], role=role) for u, roles in users for role in roles], batch_size=2000
    )
    assignments = _assign_grids(patrols, ids)
    audit_log(actor=actor, action="demo.users.created",
              data={"users": len(users), "inspectors": len(inspectors), "grid_assignments": assignments})
    return PeopleReport(departments=len(departments), users=len(users), inspectors=len(inspectors),
                        grid_assignments=assignments)


def _inspectors(plan: CityPlan, departments: dict[str, Department]) -> tuple[list[User], dict[str, list[str]]]:
    """One inspector per run of about GRIDS_PER_INSPECTOR grids in each community; their patrols by username."""
    community_ids = dict(Region.objects.filter(level=Level.COMMUNITY).values_list("code", "id"))
    grids_of: dict[str, list[str]] = {}
    for grid in plan.by_level(Level.GRID):
        grids_of.setdefault(grid.parent_code, []).append(grid.code)
    total = sum(math.ceil(len(g) / GRIDS_PER_INSPECTOR) for g in grids_of.values())
    width = max(3, len(str(total)))
    users: list[User] = []
    patrols: dict[str, list[str]] = {}
    for community in plan.by_level(Level.COMMUNITY):
        codes = grids_of[community.code]
        share = math.ceil(len(codes) / math.ceil(len(codes) / GRIDS_PER_INSPECTOR))
        dept = departments[department_code_for_district(community.code[:6])]
        for start in range(0, len(codes), share):
            username = f"inspector{len(users) + 1:0{width}d}"
            users.append(User(username=username, department=dept, scope_region_id=community_ids[community.code]))
            patrols[username] = codes[start:start + share]
    return users, patrols


def _assign_grids(patrols: dict[str, list[str]], user_ids: dict[str, int]) -> int:
    """Make each inspector responsible for their grids, in bulk through the M2M's own table."""
    grid_ids = dict(Region.objects.filter(level=Level.GRID).values_list("code", "id"))
    through = Region.inspectors.through
    rows = [
        through(region_id=grid_ids[code], user_id=user_ids[username])
        for username, codes in patrols.items()
        for code in codes
    ]
    through.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(_SURNAMES) + given


def demo_logins() -> list[Login]:
    """The demo logins to print: the named users, then each numbered group's first member and a summary."""
    rows = [_login_row(user) for user in _users(username__in=_NAMED_USERS)]
    order = {name: i for i, name in enumerate(_NAMED_USERS)}
    rows.sort(key=lambda row: order[row.username])
    for prefix, description in _GROUPS:
        members = list(_users(username__startswith=prefix).order_by("username"))
        if not members:
            continue
        rows.append(_login_row(members[0]))
        if len(members) > 1:
            rest = members[1:]
            span = rest[0].username if len(rest) == 1 else f"{rest[0].username} … {rest[-1].username} ({len(rest)})"
            rows.append(Login(role=rows[-1].role, username=span, password=DEMO_PASSWORD, scope=str(description)))
    return rows


_NAMED_USERS = ["admin", "leader", "acceptor", "shiftleader", "dispatcher"] + [
    f"handler-{code.lower()}" for code, _n, _e, kind, _p in CITY_DEPARTMENTS if kind != DepartmentKind.CENTRE
]
_GROUPS = [
    ("dispatcher-", gettext_lazy("one per district bureau")),
    ("handler-cgj-5", gettext_lazy("one per district bureau")),
    ("handler-jdb-", gettext_lazy("one per street office")),
    ("inspector", gettext_lazy("one per run of grids in each community")),
]


def _users(**filters: Any) -> QuerySet[User]:
    return (
        User.objects.filter(**filters)
        .select_related("scope_region", "scope_department")
        .prefetch_related("role_assignments")
    )


def _login_row(user: User) -> Login:
    roles = ", ".join(str(Role(a.role).label) for a in user.role_assignments.all())
    return Login(role=roles, username=user.username, password=DEMO_PASSWORD, scope=_scope_text(user))


def _scope_text(user: User) -> str:
    if user.is_superuser:
        return _("everything")
    parts = [str(region) for region in [user.scope_region] if region]
    parts += [str(dept) for dept in [user.scope_department] if dept]
    return "; ".join(parts) or _("nothing")


def role_counts() -> dict[str, int]:
    """How many users hold each role (for reports and tests)."""
    counts = RoleAssignment.objects.values("role").annotate(n=Count("id"))
    return {row["role"]: row["n"] for row in counts}
