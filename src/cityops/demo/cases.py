"""Historical demo cases written through the workflow services, and the class / source / urgency mixes.

`cityops seed-cases` shares the mixes; `create_cases` is the demo's: each case is reported, accepted,
registered, dispatched, handled, checked and closed by the demo users whose role it is (`cityops.demo.people`),
at times in the past, so its events, stage clocks and requests are the real ones.

The mixes follow what a city's digital city management centre typically receives: exposed garbage and street
order (占道经营, 乱停放, 小广告) dominate, then road cleanliness, facilities (manhole covers, street lamps)
and greenery; inspectors (监督员) find about nine cases in ten, the rest come from citizens and hotlines.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.assets.models import Component
from cityops.cases import jobs
from cityops.cases.models import Case, CaseState, RequestKind, Source, VoidReason
from cityops.cases.services import (
    case_accept,
    case_check,
    case_close,
    case_dispatch,
    case_handle,
    case_merge,
    case_pass_down,
    case_register,
    case_request_create,
    case_request_decide,
    case_resume,
    case_send_to_check,
    case_send_to_verify,
    case_urge,
    case_verify,
)
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict
from cityops.geo.locate import locate
from cityops.geo.models import Level, Region
from cityops.intake.entry import report_submit
from cityops.org.models import Department, DepartmentKind, Role, User

if TYPE_CHECKING:
    from cityops.core.typing import Actor

S = CaseState

# Matter classes (事项, GB/T 47678.5) by relative weight.
CLASS_MIX: dict[str, int] = {
    "06010": 18,  # 暴露垃圾 exposed garbage
    "09006": 10,  # 占道经营 road-occupying vending
    "06012": 8,   # 道路不洁 dirty road
    "07001": 8,   # 非法小广告 illegal small ads
    "09005": 8,   # 店外经营 trading outside the shop
    "06042": 7,   # 垃圾站（箱）满溢 overflowing bins
    "09009": 7,   # 机动车乱停放 illegal parking
    "06036": 6,   # 乱堆杂物 stacked clutter
    "09010": 6,   # 非机动车乱停放 bicycles parked anyhow
    "09011": 4,   # 共享单车乱象 shared bikes
    "06013": 3,   # 道路破损 damaged road
    "01037": 3,   # 路灯异常 street lamp
    "06014": 2,   # 道路遗撒 spillage on the road
    "01002": 2,   # 污水井盖异常 sewage manhole cover
    "01003": 2,   # 雨水井盖异常 stormwater manhole cover
    "04013": 2,   # 绿地异常 green space
    "06017": 2,   # 绿地脏乱 dirty green space
    "08002": 1,   # 施工占道 road occupied by construction
    "08004": 1,   # 工地扬尘 construction dust
}

# Source channels by share (values of cases.models.Source).
SOURCE_MIX: dict[str, float] = {
    "inspector": 0.90,
    "citizen": 0.04,
    "hotline": 0.04,
    "video_ai": 0.01,
    "open311": 0.005,
    "staff": 0.005,
}

# Urgency codes by share (the catalogue seeds 一般 normal, 较急 pressing, 紧急 urgent).
URGENCY_MIX: dict[str, float] = {"normal": 0.85, "pressing": 0.12, "urgent": 0.03}

RESULTS = ["已清理完毕，现场恢复整洁。", "已劝离并督促整改。", "已维修更换，恢复正常使用。", "已清运处理。",
           "已依法处置，现场已整改。"]


# --- the demo's historical cases, written through the workflow services ---------------------------------

# Matter classes reported on a censused component (the component class has the same code): the case links the
# component, so its owner department is proposed.
COMPONENT_MATTERS = {"01002", "01003", "01037"}
# Shares of the demo cases taking each path (the rest run the whole loop, or as far as time allows).
SELF_HANDLED_SHARE = 0.03
VOID_SHARE = 0.03
DUPLICATE_SHARE = 0.03  # a second report of the same problem, merged into the first
STUCK_SHARE = 0.03  # the department never reports back: open, overdue
LATE_SHARE = 0.10  # a stage finished after its deadline
REWORK_SHARE = 0.06
PASS_DOWN_SHARE = 0.15  # of cases dispatched to a district bureau: passed to the street office
EXTENSION_SHARE = 0.05
RETURN_SHARE = 0.02
SUSPENSION_SHARE = 0.015
URGE_SHARE = 0.03
OVERRIDE_SHARE = 0.05  # the dispatcher sends the case elsewhere than proposed
WAITING_HOURS, WAITING_SHARE = 96, 0.45  # recent reports still waiting somewhere in the loop
# Classes the demo configures for automatic dispatch (机器派单 without a dispatcher).
AUTO_DISPATCH = {"06042"}


def default_case_count(grids: int) -> int:
    """About a thousand cases for the default 2,500-grid city; proportionally fewer in a smaller one."""
    return min(1000, max(0, grids * 2 // 5))


@dataclass
class CasesReport:
    cases: int
    states: dict[str, int]
    overdue: int


@dataclass
class _Plan:
    """What happens to one demo case (drawn up front, so the special paths are all represented)."""

    reported_at: datetime
    source: str = Source.INSPECTOR
    stop_at: str | None = None  # stop once the case reaches this state (a backlog case)
    self_handled: bool = False
    void: bool = False
    duplicate: bool = False
    stuck: bool = False
    late: bool = False
    rework: bool = False
    pass_down: bool = False
    extension: bool = False
    return_: bool = False
    suspension: str = ""  # "stay" | "resume"
    urge: bool = False
    override: bool = False


class _Stop(Exception):
    """The case's next step would happen after its cut-off: it stays where it is."""


def create_cases(*, count: int = 1000, days: int = 120, seed: int = 0, now: datetime | None = None,
                 actor: Actor = "cityops demo") -> CasesReport:
    """Write `count` historical cases over the past `days` days through the workflow services (real history)."""
    now = now or timezone.now()
    builder = _DemoCases(rng=random.Random(f"cityops-demo-cases-{seed}"), now=now)
    _enable_auto_dispatch(actor)
    for plan in builder.plans(count, days):
        builder.run(plan)
    overdue = jobs.mark_overdue(now=now)
    jobs.raise_deadline_warnings(now=now)
    states = dict(Counter(Case.objects.values_list("state", flat=True)))
    audit_log(actor=actor, action="demo.cases.created", data={"count": builder.created, "states": states})
    return CasesReport(cases=builder.created, states=states, overdue=overdue)


def _enable_auto_dispatch(actor: Actor) -> None:
    codes = sorted(AUTO_DISPATCH)
    CatalogClass.objects.filter(kind=ClassKind.MATTER, code__in=codes).update(auto_dispatch=True)
    audit_log(actor=actor, action="demo.catalog.auto_dispatch", data={"classes": codes})


class _DemoCases:
    """The demo's cast (who acts) and places (where), and one case's life through the services."""

    def __init__(self, *, rng: random.Random, now: datetime) -> None:
        self.rng, self.now, self.created = rng, now, 0
        users = {u.username: u for u in _users().filter(username__in=["acceptor", "shiftleader", "dispatcher",
                                                                        "leader"])}
        self.acceptor, self.shift_leader = users["acceptor"], users["shiftleader"]
        self.dispatcher, self.leader = users["dispatcher"], users["leader"]
        self.handler_of = {u.department_id: u for u in _users().filter(role_assignments__role=Role.HANDLER)
                           .order_by("username")}
        self.street_office_of = {d.region_id: d for d in Department.objects.filter(kind=DepartmentKind.STREET_OFFICE)}
        self.override_targets = list(Department.objects.filter(
            kind__in=[DepartmentKind.CITY_BUREAU, DepartmentKind.DISTRICT_BUREAU], id__in=list(self.handler_of)))
        inspectors = {u.id: u for u in _users().filter(role_assignments__role=Role.INSPECTOR)}
        through = Region.inspectors.through.objects.order_by("id").values_list("region_id", "user_id")
        self.inspector_of: dict[int, Any] = {}
        for grid_id, user_id in through:
            self.inspector_of.setdefault(grid_id, inspectors.get(user_id))
        self.grids = [g for g in Region.objects.filter(level=Level.GRID).values_list(
            "id", "min_lon", "min_lat", "max_lon", "max_lat") if self.inspector_of.get(g[0])]
        if not self.grids:
            raise Conflict(_("The demo cases need the demo city and its inspectors."))
        self.grid_weights = list(itertools.accumulate(rng.lognormvariate(0, 1) for _g in self.grids))
        self.classes = {c.code: c for c in CatalogClass.objects.filter(kind=ClassKind.MATTER, code__in=CLASS_MIX)}
        self.class_codes = sorted(self.classes)
        self.class_weights = list(itertools.accumulate(CLASS_MIX[c] for c in self.class_codes))
        self.components: dict[str, list[Component]] = {}
        for component in Component.objects.filter(catalog_class__code__in=COMPONENT_MATTERS,
                                                  catalog_class__kind=ClassKind.COMPONENT).select_related("grid"):
            self.components.setdefault(component.catalog_class.code, []).append(component)

    # --- planning ---

    def plans(self, count: int, days: int) -> list[_Plan]:
        """Every case's plan, in report order; each special path and each open state at least once."""
        rng, plans = self.rng, []
        forced = max(1, round(count * 0.01))
        for state in [S.REPORTED, S.VERIFYING, S.ACCEPTED, S.REGISTERED, S.DISPATCHED, S.HANDLED, S.CHECKING,
                      S.CHECKED, S.SUSPENDED]:
            for _i in range(forced):
                plan = _Plan(reported_at=self.now - timedelta(days=rng.uniform(5, 7)), stop_at=state)
                plan.source = Source.HOTLINE if state == S.VERIFYING else plan.source
                plan.suspension = "stay" if state == S.SUSPENDED else ""
                plans.append(plan)
        for flag in ["self_handled", "void", "duplicate", "stuck", "late", "rework", "pass_down", "extension",
                     "return_", "urge", "override"]:
            for _i in range(forced):
                plans.append(self.random_plan(days, **{flag: True}))
        plans.append(self.random_plan(days, suspension="resume"))
        while len(plans) < count:
            plans.append(self.random_plan(days))
        plans = plans[:count]
        plans.sort(key=lambda p: p.reported_at)
        return plans

    def random_plan(self, days: int, **forced: Any) -> _Plan:
        rng = self.rng
        day = self.now - timedelta(days=rng.uniform(0.05, days))
        local = timezone.localtime(day)
        # Reports come in daytime: keep the day, move the hour into 7:00–20:00.
        reported_at = min(self.now - timedelta(minutes=30),
                          local.replace(hour=rng.randrange(7, 20), minute=rng.randrange(60)))
        plan = _Plan(
            reported_at=reported_at, source=_choice(rng, SOURCE_MIX),
            self_handled=rng.random() < SELF_HANDLED_SHARE, void=rng.random() < VOID_SHARE,
            duplicate=rng.random() < DUPLICATE_SHARE, stuck=rng.random() < STUCK_SHARE,
            late=rng.random() < LATE_SHARE, rework=rng.random() < REWORK_SHARE,
            pass_down=rng.random() < PASS_DOWN_SHARE, extension=rng.random() < EXTENSION_SHARE,
            return_=rng.random() < RETURN_SHARE, urge=rng.random() < URGE_SHARE,
            override=rng.random() < OVERRIDE_SHARE,
            suspension=("stay" if rng.random() < 0.5 else "resume") if rng.random() < SUSPENSION_SHARE else "",
        )
        for name, value in forced.items():
            setattr(plan, name, value)
        if plan.self_handled:
            plan.source = Source.INSPECTOR
        if plan.stop_at is None and self.now - reported_at < timedelta(hours=WAITING_HOURS) \
                and rng.random() < WAITING_SHARE:
            plan.stop_at = _choice(rng, {S.REPORTED: 2, S.ACCEPTED: 1, S.REGISTERED: 1, S.DISPATCHED: 3,
                                         S.HANDLED: 1, S.CHECKING: 1, S.CHECKED: 1})
        return plan

    # --- one case's life ---

    def run(self, plan: _Plan) -> None:
        """Report the case and take it as far as its plan and the present allow."""
        case, t = self.report(plan)
        if plan.duplicate:
            t = self.report_duplicate(case, t)
        try:
            if not plan.self_handled:
                self.live(case, plan, t)
        except _Stop:
            pass

    def report(self, plan: _Plan) -> tuple[Case, datetime]:
        rng = self.rng
        code = self.class_codes[_pick(rng, self.class_weights)]
        component = None
        if code in COMPONENT_MATTERS and self.components.get(code):
            component = rng.choice(self.components[code])
            grid_id, (lon, lat) = component.grid_id, _near(rng, component.lon, component.lat, 3)
        else:
            grid_id, x0, y0, x1, y1 = self.grids[_pick(rng, self.grid_weights)]
            lon, lat = rng.uniform(x0 + 0.05 * (x1 - x0), x1 - 0.05 * (x1 - x0)), \
                rng.uniform(y0 + 0.05 * (y1 - y0), y1 - 0.05 * (y1 - y0))
        klass = self.classes[code]
        inspector = self.inspector_of.get(grid_id)
        by_inspector = plan.source == Source.INSPECTOR and inspector is not None
        # Without an inspector on the grid, an inspector's find reaches the centre by the hotline instead.
        source = plan.source if by_inspector or plan.source != Source.INSPECTOR else Source.HOTLINE
        result = report_submit(
            actor=inspector if by_inspector else self.acceptor, channel=source, catalog_class=klass,
            description=f"{klass.display_name}，请处理。", lon=lon, lat=lat, component=component,
            urgency=_choice(rng, URGENCY_MIX), reporter_name="" if by_inspector else _citizen(rng),
            reporter_contact="" if by_inspector else f"138{rng.randrange(10**8):08d}",
            self_handled=plan.self_handled and by_inspector, result=rng.choice(RESULTS) if plan.self_handled else "",
            at=plan.reported_at,
        )
        self.created += 1
        return result.case, plan.reported_at

    def report_duplicate(self, master: Case, t: datetime) -> datetime:
        """A citizen reports the same problem again; the acceptor merges it into the first report (returns when)."""
        at = t + timedelta(minutes=self.rng.uniform(5, 60))
        if at >= self.now:
            return t
        lon, lat = _near(self.rng, master.lon, master.lat, 15)
        if locate(lon, lat) is None:  # a first report at the city's edge: the caller stands where it was seen
            lon, lat = master.lon, master.lat
        again = report_submit(actor=self.acceptor, channel=Source.HOTLINE, catalog_class=master.catalog_class,
                              description=f"{master.catalog_class.display_name}（市民再次反映）", lon=lon, lat=lat,
                              reporter_name=_citizen(self.rng), at=at).case
        self.created += 1
        merged_at = at + timedelta(minutes=self.rng.uniform(3, 30))
        if merged_at >= self.now:
            return at
        case_merge(case=again, master=master, actor=self.acceptor, version=None, at=merged_at)
        master.refresh_from_db()
        return merged_at

    def live(self, case: Case, plan: _Plan, t: datetime) -> None:
        """The steps after the report, each at a time derived from the current deadline."""
        self.cutoff = self.now - timedelta(minutes=1)
        step = self.stepper(plan, t)
        if plan.void:
            request = step(case_request_create, case, self.acceptor, kind=RequestKind.VOID,
                           reason="现场核查为误报。", void_reason=VoidReason.INVALID)
            step(case_request_decide, request, self.shift_leader, approve=True)
            return
        if case.source == Source.INSPECTOR:
            case = step(case_accept, case, self.acceptor)
        else:
            case = step(case_send_to_verify, case, self.acceptor)
            case = step(case_verify, case, self.inspector_of[case.grid_id], confirmed=True)
        case = step(case_register, case, self.shift_leader)
        if case.state == S.REGISTERED:
            case = self.dispatch(case, plan, step)
        case = self.handling(case, plan, step)
        case = step(case_send_to_check, case, self.acceptor)
        case = step(case_check, case, self.inspector_of[case.grid_id], passed=not plan.rework)
        if plan.rework:
            case = step(case_handle, case, self.handler_for(case), result=self.rng.choice(RESULTS), late=False)
            case = step(case_send_to_check, case, self.acceptor)
            case = step(case_check, case, self.inspector_of[case.grid_id], passed=True)
        step(case_close, case, self.shift_leader)

    def dispatch(self, case: Case, plan: _Plan, step: Any) -> Case:
        department = None
        if plan.override or case.proposed_department is None:
            choices = [d for d in self.override_targets if d.id != case.proposed_department_id]
            department = self.rng.choice(choices)
        dispatched: Case = step(case_dispatch, case, self.dispatcher, department=department)
        return dispatched

    def handling(self, case: Case, plan: _Plan, step: Any) -> Case:
        """处置: urge, pass down, extension, return, suspension as planned, then the handler's result."""
        if plan.stuck:
            raise _Stop
        if plan.urge:
            case = step(case_urge, case, self.leader)
        if plan.pass_down and case.department is not None and (office := self.street_office_of.get(case.street_id)) \
                and office.path.startswith(case.department.path):
            case = step(case_pass_down, case, self.handler_for(case), unit=office)
        if plan.extension:
            request = step(case_request_create, case, self.handler_for(case), kind=RequestKind.EXTENSION,
                           reason="需协调多部门，申请延期。", extra_minutes=480)
            step(case_request_decide, request, self.dispatcher, approve=True)
            case.refresh_from_db()
        if plan.return_:
            request = step(case_request_create, case, self.handler_for(case), kind=RequestKind.RETURN,
                           reason="不属于本单位职责，申请回退。")
            step(case_request_decide, request, self.dispatcher, approve=True)
            case.refresh_from_db()
            case = self.dispatch(case, _Plan(reported_at=case.reported_at, override=True), step)
        if plan.suspension:
            request = step(case_request_create, case, self.handler_for(case), kind=RequestKind.SUSPENSION,
                           reason="需待施工结束后处理，申请挂账。")
            step(case_request_decide, request, self.shift_leader, approve=True)
            case.refresh_from_db()
            if plan.suspension == "stay":
                raise _Stop
            case = step(case_resume, case, self.shift_leader, wait=timedelta(days=self.rng.uniform(1, 5)))
        handled: Case = step(case_handle, case, self.handler_for(case), result=self.rng.choice(RESULTS),
                             late=plan.late)
        return handled

    def handler_for(self, case: Case) -> Any:
        return self.handler_of[case.handling_unit_id or case.department_id]

    def stepper(self, plan: _Plan, start: datetime) -> Any:
        """A function taking one service step at the next plausible time, stopping at the plan's state or now."""
        clock = {"t": start}

        def step(service: Any, target: Any, actor: Actor, *, late: bool = False, wait: timedelta | None = None,
                 **kwargs: Any) -> Any:
            current = target if isinstance(target, Case) else target.case
            if plan.stop_at is not None and current.state == plan.stop_at:
                raise _Stop
            at = self.when(current, clock["t"], late=late, wait=wait)
            if at > self.cutoff:
                raise _Stop
            clock["t"] = at
            if isinstance(target, Case):
                return service(case=target, actor=actor, version=None, at=at, **kwargs)
            return service(request=target, actor=actor, at=at, **kwargs)

        return step

    def when(self, case: Case, t: datetime, *, late: bool, wait: timedelta | None) -> datetime:
        """The time of the next step: a share of the time left to the deadline, past it when late."""
        rng = self.rng
        if wait is not None:
            return t + wait
        due = case.due_at
        if due is None or due <= t:
            return t + timedelta(minutes=rng.uniform(5, 90))
        if late:
            return due + timedelta(minutes=rng.uniform(30, 2 * 1440))
        return t + max(timedelta(minutes=1), (due - t) * rng.uniform(0.1, 0.8))


def _users() -> Any:
    return User.objects.select_related("department", "scope_region", "scope_department").prefetch_related(
        "role_assignments")


def _choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _near(rng: random.Random, lon: float, lat: float, metres: float) -> tuple[float, float]:
    """A point within about `metres` of (lon, lat)."""
    angle, distance = rng.uniform(0, 2 * math.pi), rng.uniform(0, metres)
    return (lon + distance * math.cos(angle) / (111_320 * math.cos(math.radians(lat))),
            lat + distance * math.sin(angle) / 110_574)


def _citizen(rng: random.Random) -> str:
    return rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(["先生", "女士"])
