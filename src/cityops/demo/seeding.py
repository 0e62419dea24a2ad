"""Bulk-generated case histories on the current database, for benchmarks (`cityops seed-cases`).

Fast, and faithful where the evaluation looks: rows are written directly (not through the workflow services),
in batches of `--batch` cases, one transaction each — `COPY` on PostgreSQL, `executemany` on SQLite (the
ORM's bulk_create spends most of its time compiling SQL). On PostgreSQL case ids come from the table's
sequence, so `--jobs N` forks N loaders, each over its own run of days (its own day numbers), and
`--defer-indexes` drops the secondary indexes of the four tables written while loading and builds them again
at the end (printing their definitions first). Run it on a quiet database. What it writes, per case:
- a `Case` row: a point inside a unit grid (busier grids get more reports), its grid / community / street /
  district and region path, H3 cell, a class from the demo mix (`cityops.demo.cases`), a source (inspectors
  ~90 %, with the grid's first inspector as reporter), an urgency, the number `YYYYMMDD` + 5 digits continuing
  the day's `CaseNumberCounter`, and a history: each stage takes a share of its time limit. Of the `--count`
  historical cases reported over the past `--days` days, 4 % are voided (some after registration), 3 % of
  inspector reports self-handled, 8 % late in 处置, 5 % reworked once (a second 处置 and 核查 round), 5 %
  extended, 2 % returned and dispatched again, 1 % suspended and resumed; 1.5 % are stuck in 处置 (open and
  overdue today), 0.5 % still suspended, and of the last three days' reports about a third still wait in some
  open state. `--open M` adds M cases open now, over the open states (most in 处置), entered into their state
  recently; about 30 % waited past their deadline (overdue), spread over the last two weeks;
- a `CaseEvent` for every step (the transition table's event names, from/to states), each with an actor:
  the grid's inspector, or a staff user holding the step's role (acceptor, shift leader, dispatcher,
  inspector — when the database has nobody with a role, a small staff `seed-<role>-<district code>` with
  unusable passwords is created per district; handlers are the department's `handler` users, if any);
- its `CaseStageClock` rows, per stage and round, exactly as the services keep them (`cases.sla`): deadlines
  from the class × urgency policy counted with the working-time calendar, extensions, suspension pauses and
  resumes, `done_at` / `on_time`, the running clock of an open case; the case's current stage, deadline,
  warning time, overdue and warned flags follow from them;
- its evaluation `CaseFact`, built by `cityops.evaluation.facts.build_fact` from the same objects in memory,
  so it equals what a rebuild from the stored clocks and events gives. At the end the `FactWatermark` is set
  to the last event (the facts are current), the tables are ANALYZEd and the evaluation's monthly rollups
  are built again (`evaluation.rollups.fact_rollups_refresh(full=True)`).
Not written: approval requests (`CaseRequest`: only their events), photos, audit events, the worker's
`case.overdue` / `case.deadline_warning` events. The day counters are raised to the last number used, so
reports made afterwards continue the sequence (an open case's number follows the day's historical ones).
"""

from __future__ import annotations

import bisect
import json
import multiprocessing
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

import shapely
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.duplicates import h3_cell_of
from cityops.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStageClock,
    CaseState,
    Source,
    VoidReason,
)
from cityops.cases.numbering import format_number
from cityops.cases.services import MAX_EXTENSION_MINUTES
from cityops.cases.sla import STAGE_OF, warning_share
from cityops.cases.workflow import TRANSITIONS
from cityops.catalog.models import CatalogClass, ClassKind, Stage, TimeBasis, Urgency
from cityops.catalog.selectors import policy_for, responsible_department
from cityops.core import worktime
from cityops.core.audit import audit_log
from cityops.demo.cases import CLASS_MIX, RESULTS, SOURCE_MIX, URGENCY_MIX
from cityops.evaluation.facts import build_fact, case_facts_refresh
from cityops.evaluation.models import CaseFact, FactWatermark
from cityops.evaluation.rollups import fact_rollups_refresh
from cityops.geo.geometry import from_wkb
from cityops.geo.models import Level, Region
from cityops.org.models import Role, RoleAssignment, User

S = CaseState
ACTOR_LABEL = "cityops seed-cases"

VOIDED_SHARE = 0.04
VOIDED_AFTER_REGISTRATION = 0.3  # of the voided: voided once registered, before dispatch
SELF_HANDLED_SHARE = 0.03  # of inspector reports
LATE_SHARE = 0.08  # 处置 takes 5–8 × its limit
REWORK_SHARE = 0.05  # one failed check, then a second round of 处置 and 核查
EXTENSION_SHARE = 0.05  # an approved extension (延期) of 处置
RETURN_SHARE = 0.02  # an approved return (回退), then a second dispatch
STUCK_SHARE = 0.015  # 处置 never finishes: open and overdue today
SUSPENDED_SHARE = 0.005  # suspended (挂账) and still waiting
RESUMED_SHARE = 0.01  # suspended, resumed days later, then finished
WAITING_HOURS, WAITING_SHARE = 72, 0.35  # recent reports still waiting in some open state
# The states of `--open` cases, by weight (most wait in 处置), and how many of them are past their deadline.
OPEN_STATE_MIX = {S.REPORTED: 4, S.VERIFYING: 3, S.ACCEPTED: 4, S.REGISTERED: 6, S.DISPATCHED: 60, S.HANDLED: 8,
                  S.CHECKING: 6, S.CHECKED: 5, S.SUSPENDED: 4}
OPEN_OVERDUE_SHARE, OPEN_OVERDUE_DAYS = 0.3, 14
# Reports by hour of the day (inspectors patrol in daytime).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 13, 13, 12, 9, 10, 12, 12, 11, 10, 8, 6, 4, 3, 2, 1]
# The roles whose staff the seeder picks actors from (handlers come from the case's department).
STAFF_ROLES = (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.INSPECTOR)
# Events the services mark public (shown on the citizen's tracking page).
PUBLIC_EVENTS = frozenset({"case.reported", "case.accepted", "case.registered", "case.dispatched", "case.handled",
                           "case.checked", "case.rework", "case.closed"})
_US_PER_MINUTE = 60_000_000


class SeedingError(Exception):
    """The database lacks what seeding needs (grids, catalogue classes, urgencies)."""


@dataclass
class SeedReport:
    cases: int = 0
    events: int = 0
    clocks: int = 0
    states: Counter[str] = field(default_factory=Counter)


def seed_cases(*, count: int, open_count: int = 0, seed: int = 0, days: int = 365, batch: int = 10_000,
               jobs: int = 1, defer_indexes: bool = False, now: datetime | None = None,
               progress: Any = None) -> SeedReport:
    """Insert `count` cases reported over the past `days` days and `open_count` open now (module docstring)."""
    seeder = _Seeder(seed=seed, now=now or timezone.now())
    case_facts_refresh()  # fold in any earlier history first: the watermark set at the end must not skip it
    writer = _Writer()
    deferred = writer.drop_indexes(progress) if defer_indexes and writer.postgres else []
    try:
        plan = seeder.cases_per_day(count, days)
        if jobs > 1 and writer.postgres:
            report = _load_parallel(seeder, plan, jobs=jobs, batch=batch, verbose=progress is not None)
        else:
            report = _load(seeder, writer, plan, batch=batch, progress=progress)
        _merge(report, _load_open(seeder, writer, open_count, batch=batch, progress=progress))
    finally:
        writer.create_indexes(deferred, progress)
    writer.finish()
    return report


def _load(seeder: _Seeder, writer: _Writer, plan: list[tuple[date, int]], *, batch: int,
          progress: Any) -> SeedReport:
    """The historical cases of the planned days, in batches."""
    report, pending = SeedReport(), []
    for day, n in plan:
        pending.extend(seeder.day_rows(day, n))
        if len(pending) >= batch:
            _flush(writer, pending, seeder, report, progress)
    if pending:
        _flush(writer, pending, seeder, report, progress)
    return report


def _load_open(seeder: _Seeder, writer: _Writer, count: int, *, batch: int, progress: Any) -> SeedReport:
    """`count` cases open now, in batches (after the historical ones: their numbers continue the days' counters)."""
    report, pending = SeedReport(), []
    for _i in range(count):
        pending.append(seeder.open_row())
        if len(pending) >= batch:
            _flush(writer, pending, seeder, report, progress)
    if pending:
        _flush(writer, pending, seeder, report, progress)
    return report


def _flush(writer: _Writer, pending: list[_Row], seeder: _Seeder, report: SeedReport, progress: Any) -> None:
    writer.write(pending, seeder.last_sequence, report)
    pending.clear()
    if progress:
        progress(_("… %(n)d cases") % {"n": report.cases})


_PARENT: _Seeder | None = None  # the seeder the forked workers copy (reference data loaded once)


def _load_parallel(seeder: _Seeder, plan: list[tuple[date, int]], *, jobs: int, batch: int,
                   verbose: bool) -> SeedReport:
    """PostgreSQL: `jobs` forked processes, each loading a run of days (own numbers, ids from the sequence)."""
    global _PARENT
    parts = _split(plan, jobs)
    _PARENT = seeder
    connections.close_all()  # each worker opens its own connection; none may share the parent's socket
    try:
        with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
            results = pool.starmap(_load_part, [(i, part, batch, verbose) for i, part in enumerate(parts)])
    finally:
        _PARENT = None
    report = SeedReport()
    for result in results:
        _merge(report, result)
    seeder.last_sequence.clear()  # the workers raised the counters: open cases continue from the database's
    return report


def _load_part(index: int, plan: list[tuple[date, int]], batch: int, verbose: bool) -> SeedReport:
    """One worker's run of days, with its own random stream (same seed and jobs, same cases)."""
    seeder = _PARENT
    assert seeder is not None
    seeder.reseed(random.Random(f"cityops-seed-cases-{seeder.seed}-part-{index}"))

    def progress(message: str) -> None:
        print(f"[{index}] {message}", flush=True)

    return _load(seeder, _Writer(), plan, batch=batch, progress=progress if verbose else None)


def _split(plan: list[tuple[date, int]], parts: int) -> list[list[tuple[date, int]]]:
    """Consecutive runs of days with about the same number of cases each."""
    total, done = sum(n for _d, n in plan), 0
    out: list[list[tuple[date, int]]] = []
    current: list[tuple[date, int]] = []
    for day, n in plan:
        current.append((day, n))
        done += n
        if done >= total * (len(out) + 1) / parts and len(out) < parts - 1:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return [part for part in out if part]


def _merge(report: SeedReport, other: SeedReport) -> None:
    report.cases += other.cases
    report.events += other.events
    report.clocks += other.clocks
    report.states.update(other.states)


# --- the generator ---------------------------------------------------------------------------------------


class _Clock:
    """A stage clock in memory: the attributes of `CaseStageClock` that the writer and `build_fact` read."""

    __slots__ = ("stage", "round", "started_at", "minutes_allowed", "basis", "extended_minutes", "deadline",
                 "paused_at", "done_at", "on_time")

    def __init__(self, stage: str, round_: int, started_at: datetime, minutes: int, basis: str,
                 deadline: datetime) -> None:
        self.stage, self.round, self.started_at = stage, round_, started_at
        self.minutes_allowed, self.basis, self.extended_minutes, self.deadline = minutes, basis, 0, deadline
        self.paused_at: datetime | None = None
        self.done_at: datetime | None = None
        self.on_time: bool | None = None


class _Event:
    """A case event in memory: what the writer stores and `build_fact` reads (times strictly increase)."""

    __slots__ = ("action", "from_state", "to_state", "at", "actor_id", "actor_label", "data", "public")
    id = 0

    def __init__(self, action: str, from_state: str, to_state: str, at: datetime, actor: tuple[int | None, str],
                 data: str) -> None:
        self.action, self.from_state, self.to_state, self.at = action, from_state, to_state, at
        self.actor_id, self.actor_label = actor
        self.data, self.public = data, action in PUBLIC_EVENTS


class _Row:
    """One generated case: attributes named like the Case model's columns, plus its history in memory."""

    klass: CatalogClass
    urgency: Urgency
    id: int | None = None
    closed_at: datetime | None = None
    department_id: int | None = None
    reporter_id: int | None = None
    is_self_handled = False
    rework_count = extension_count = return_count = 0
    open_target: str | None = None
    # Set by the generator (`new_row`, `settle`, the clocks) before the writer reads them.
    kind: str
    catalog_class_id: int
    urgency_id: int
    lon: float
    lat: float
    description: str
    address: str
    grid_id: int
    community_id: int | None
    street_id: int | None
    district_id: int | None
    region_path: str
    h3_cell: int
    reported_at: datetime
    source: str
    inspector: tuple[int | None, str] | None
    reporter: tuple[int | None, str]
    reporter_name: str
    number: str
    version: int
    updated_at: datetime
    state: str
    events: list[_Event]
    clocks: list[_Clock]
    result: str
    void_reason: str
    proposed_department_id: int | None
    proposal_reason: str
    current_stage: str
    due_at: datetime | None
    warn_at: datetime | None
    is_overdue: bool
    warned: bool

    @property
    def pk(self) -> int | None:  # read by build_fact
        return self.id


Step = tuple[str, datetime, int]  # (transition name, when, extra minutes of an extension)


@dataclass(slots=True)
class _Grid:
    id: int
    path: str
    community_id: int | None
    street_id: int | None
    district_id: int | None
    bounds: tuple[float, float, float, float]
    geom: Any
    name: str
    inspector_id: int | None


class _Seeder:
    """Reference data loaded once from the database, and the per-case generator."""

    def __init__(self, *, seed: int, now: datetime) -> None:
        self.seed, self.now = seed, now
        self.rng = rng = random.Random(f"cityops-seed-cases-{seed}")
        self.tz = timezone.get_current_timezone()
        self.grids = _load_grids()
        if not self.grids:
            raise SeedingError(_("No unit grids: build a city first (cityops seed-city or cityops demo)."))
        # Busier grids (markets, main streets) get more reports: a skewed weight per grid, the same in every worker.
        grid_rng = random.Random(f"cityops-seed-cases-{seed}-grids")
        self.grid_cum = _cumulative([grid_rng.lognormvariate(0, 1) for _g in self.grids])
        self.classes = list(CatalogClass.objects.filter(kind=ClassKind.MATTER, code__in=CLASS_MIX).order_by("code"))
        if not self.classes:
            raise SeedingError(_("The matter catalogue is empty: run the migrations first."))
        self.class_cum = _cumulative([CLASS_MIX[c.code] for c in self.classes])
        urgencies = {u.code: u for u in Urgency.objects.all()}
        self.urgencies = [urgencies[code] for code in URGENCY_MIX if code in urgencies] or list(urgencies.values())
        if not self.urgencies:
            raise SeedingError(_("No urgency levels are configured."))
        self.urgency_cum = _cumulative([URGENCY_MIX.get(u.code, 1) for u in self.urgencies])
        self.sources, self.source_cum = list(SOURCE_MIX), _cumulative(list(SOURCE_MIX.values()))
        self.hour_cum = _cumulative(HOUR_WEIGHTS)
        self.open_states, self.open_cum = list(OPEN_STATE_MIX), _cumulative(list(OPEN_STATE_MIX.values()))
        self.districts = {r.id: r for r in Region.objects.filter(level=Level.DISTRICT)}
        self.staff = _Staff(self.districts, rng)
        self.calendar = _Calendar(now)
        self.warning_share = warning_share()
        self.last_sequence: dict[date, int] = {}  # the last number generated per day, for the counters
        self._policies: dict[tuple[int, int], dict[str, tuple[int, str]]] = {}
        self._departments: dict[tuple[int, int | None], Any] = {}
        self._data = json.dumps({"seeded": True})

    def reseed(self, rng: random.Random) -> None:
        """Draw from `rng` from now on (a parallel worker's own stream); forget the numbers generated so far."""
        self.rng = self.staff.rng = rng
        self.last_sequence = {}

    # Historical cases, day by day.

    def cases_per_day(self, count: int, days: int) -> list[tuple[date, int]]:
        """How many cases each past day gets (weekends quieter), oldest day first."""
        today = timezone.localtime(self.now, self.tz).date()
        day_list = [today - timedelta(days=d) for d in range(days - 1, -1, -1)]
        weights = _cumulative([0.7 if d.weekday() >= 5 else 1.0 for d in day_list])
        picks = Counter(_pick(self.rng, weights) for _i in range(count))
        return [(day_list[i], picks[i]) for i in sorted(picks)]

    def day_rows(self, day: date, n: int) -> list[_Row]:
        """The day's cases in time order (never after now), numbered after the day's counter."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        latest = (self.now - midnight).total_seconds() - 1
        seconds = sorted(min(latest, (_pick(self.rng, self.hour_cum) + self.rng.random()) * 3600) for _i in range(n))
        start = self.last_sequence.get(day) or _counter_of(day)
        self.last_sequence[day] = start + n
        rows = []
        for i, s in enumerate(seconds):
            r = self.new_row(midnight + timedelta(seconds=max(0.0, s)))
            r.number = format_number(day, start + i + 1)
            self.settle(r, self.timeline(r))
            rows.append(r)
        return rows

    # Open cases (`--open`).

    def open_row(self) -> _Row:
        """A case open now: its history up to an open state, entered recently (a share waited past its deadline)."""
        r = self.new_row(self.now)
        r.open_target = self.open_states[_pick(self.rng, self.open_cum)]
        steps = self.timeline(r)
        k = _first_entry(steps, r.open_target)
        if k is None:
            r.open_target = S.DISPATCHED
            k = _first_entry(steps, S.DISPATCHED)
        assert k is not None, "an open case's timeline always reaches dispatch"
        steps = steps[:k + 1]
        entered = steps[-1][1] if steps else r.reported_at
        shift = self.now - timedelta(minutes=self.open_wait(r)) - entered
        r.reported_at += shift
        steps = [(name, at + shift, extra) for name, at, extra in steps]
        day = timezone.localtime(r.reported_at, self.tz).date()
        sequence = (self.last_sequence.get(day) or _counter_of(day)) + 1
        self.last_sequence[day] = sequence
        r.number = format_number(day, sequence)
        self.settle(r, steps)
        return r

    def open_wait(self, r: _Row) -> float:
        """Natural minutes an open case has waited in its state: within its limit, or (a share) well past it."""
        rng = self.rng
        target = r.open_target
        assert target is not None, "only open cases wait"
        if target == S.SUSPENDED:
            return rng.uniform(0.5, 20) * 1440
        limit = self.policy(r).get(STAGE_OF[target], (60, ""))[0]
        if rng.random() < OPEN_OVERDUE_SHARE:
            return limit * rng.uniform(1.5, 4) + rng.uniform(0, OPEN_OVERDUE_DAYS) * 1440
        # Natural time ≥ working time, so a wait below the limit in natural minutes is never overdue.
        return limit * rng.uniform(0.0, 0.9)

    # One case.

    def new_row(self, reported_at: datetime) -> _Row:
        rng, r = self.rng, _Row()
        grid = self.grids[_pick(rng, self.grid_cum)]
        r.klass = self.classes[_pick(rng, self.class_cum)]
        r.urgency = self.urgencies[_pick(rng, self.urgency_cum)]
        r.lon, r.lat = _point_in(grid, rng)
        r.kind, r.catalog_class_id, r.urgency_id = r.klass.kind, r.klass.id, r.urgency.id
        r.description, r.address = f"{grid.name}附近{r.klass.display_name}", grid.name
        r.grid_id, r.community_id, r.street_id, r.district_id = grid.id, grid.community_id, grid.street_id, grid.district_id
        r.region_path, r.h3_cell, r.reported_at = grid.path, h3_cell_of(r.lon, r.lat), reported_at
        r.source = self.sources[_pick(rng, self.source_cum)]
        r.inspector = (grid.inspector_id, self.staff.names.get(grid.inspector_id, "")) if grid.inspector_id else None
        if r.source == Source.INSPECTOR:
            r.reporter = r.inspector or self.staff.pick(Role.INSPECTOR, r.district_id)
            r.reporter_id = r.reporter[0]
        else:
            r.reporter = (None, ACTOR_LABEL)
        r.reporter_name = "" if r.source == Source.INSPECTOR else "市民"
        return r

    def policy(self, r: _Row) -> dict[str, tuple[int, str]]:
        key = (r.catalog_class_id, r.urgency_id)
        if key not in self._policies:
            # Stage is a str enum: the plain stage names of `STAGE_OF` find its keys.
            self._policies[key] = cast(dict[str, tuple[int, str]], policy_for(catalog_class=r.klass, urgency=r.urgency))
        return self._policies[key]

    def stage_minutes(self, r: _Row, stage: str, share: tuple[float, float] = (0.05, 0.8)) -> float:
        """Natural minutes a stage took: a share of its limit (natural time ≥ working time: a share < 1 is on time)."""
        minutes = self.policy(r).get(stage, (60, ""))[0]
        return max(1.0, minutes * self.rng.uniform(*share))

    def timeline(self, r: _Row) -> list[Step]:
        """The steps the case takes and when, as if nothing stopped it (may run into the future)."""
        rng, t, is_open = self.rng, r.reported_at, r.open_target is not None
        steps: list[Step] = []

        def step(name: str, minutes: float, extra: int = 0) -> None:
            nonlocal t
            t += timedelta(minutes=minutes)  # at least a minute: a case's events never share a time
            steps.append((name, t, extra))

        r.is_self_handled = not is_open and r.source == Source.INSPECTOR and rng.random() < SELF_HANDLED_SHARE
        if r.is_self_handled:
            step("self_handle", rng.uniform(5, 40))
            return steps
        void = not is_open and rng.random() < VOIDED_SHARE
        if void and rng.random() >= VOIDED_AFTER_REGISTRATION:
            step("request_void", self.stage_minutes(r, Stage.ACCEPT, (0.05, 0.4)))
            step("void", self.stage_minutes(r, Stage.ACCEPT, (0.05, 0.4)))
            return steps
        if r.source != Source.INSPECTOR:
            step("send_to_verify", self.stage_minutes(r, Stage.ACCEPT, (0.05, 0.3)))
            step("verify", self.stage_minutes(r, Stage.VERIFY))
        else:
            step("accept", self.stage_minutes(r, Stage.ACCEPT))
        step("register", self.stage_minutes(r, Stage.REGISTER))
        if void:
            step("request_void", self.stage_minutes(r, Stage.DISPATCH, (0.05, 0.4)))
            step("void", self.stage_minutes(r, Stage.DISPATCH, (0.05, 0.4)))
            return steps
        step("dispatch", self.stage_minutes(r, Stage.DISPATCH))
        if rng.random() < RETURN_SHARE:
            step("request_return", self.stage_minutes(r, Stage.HANDLE, (0.05, 0.3)))
            step("return", self.stage_minutes(r, Stage.DISPATCH, (0.05, 0.5)))
            step("dispatch", self.stage_minutes(r, Stage.DISPATCH))
        if not self.handling(r, step):
            return steps
        step("send_to_check", self.stage_minutes(r, Stage.CHECK, (0.02, 0.2)))
        step("check", self.stage_minutes(r, Stage.CHECK))
        step("close", self.stage_minutes(r, Stage.CLOSE))
        if not is_open and self.now - r.reported_at < timedelta(hours=WAITING_HOURS) and rng.random() < WAITING_SHARE:
            del steps[rng.randrange(0, len(steps)):]  # still waiting for someone to act on it
        return steps

    def handling(self, r: _Row, step: Any) -> bool:
        """The 处置 part: stuck, suspended, extended, late, reworked; False when the case stops in it."""
        rng = self.rng
        fate = rng.random()
        if fate < STUCK_SHARE and r.open_target is None:
            return False
        stays = fate < STUCK_SHARE + SUSPENDED_SHARE or r.open_target == S.SUSPENDED
        if stays or fate < STUCK_SHARE + SUSPENDED_SHARE + RESUMED_SHARE:
            step("request_suspension", self.stage_minutes(r, Stage.HANDLE, (0.05, 0.5)))
            step("suspend", rng.uniform(10, 240))
            if stays:
                return False
            step("resume", rng.uniform(1, 10) * 1440)
        if rng.random() < EXTENSION_SHARE:
            limit = self.policy(r).get(Stage.HANDLE, (60, ""))[0]
            extra = max(1, min(MAX_EXTENSION_MINUTES, int(limit * rng.uniform(0.5, 2))))
            step("request_extension", self.stage_minutes(r, Stage.HANDLE, (0.3, 0.7)))
            step("extend", rng.uniform(5, 120), extra)
        late = rng.random() < LATE_SHARE
        step("handle", self.stage_minutes(r, Stage.HANDLE, (5.0, 8.0) if late else (0.1, 0.9)))
        if rng.random() < REWORK_SHARE:
            step("send_to_check", self.stage_minutes(r, Stage.CHECK, (0.02, 0.2)))
            step("rework", self.stage_minutes(r, Stage.CHECK))
            step("handle", self.stage_minutes(r, Stage.HANDLE, (0.1, 0.9)))
        return True

    def settle(self, r: _Row, steps: list[Step]) -> None:
        """Play the steps reached by now: state, events, stage clocks and the case's fields, as the services would."""
        r.version, r.updated_at, r.state = 1, r.reported_at, S.REPORTED
        r.events = [_Event("case.reported", "", S.REPORTED, r.reported_at, r.reporter, self._data)]
        clocks = _CaseClocks(self, r)
        clocks.start(Stage.ACCEPT, r.reported_at)
        for name, at, extra in steps:
            if at > self.now:
                break
            row = TRANSITIONS[name]
            from_state, to_state = r.state, row.target or r.state
            data = self.apply(r, name, at, extra, clocks)
            clocks.transition(name, from_state, to_state, at)
            r.state, r.version, r.updated_at = to_state, r.version + 1, at
            r.events.append(_Event(row.event, from_state, to_state, at, self.actor(r, name), data))
        r.clocks = clocks.clocks
        if r.state == S.CLOSED:
            r.closed_at = r.updated_at
        clocks.flag_now(r)

    def apply(self, r: _Row, name: str, at: datetime, extra: int, clocks: _CaseClocks) -> str:
        """The case fields a step changes besides its state (as the services do); the event's data."""
        if name == "dispatch":
            self.assign_department(r)
        elif name in ("handle", "self_handle"):
            r.result = self.rng.choice(RESULTS)
        elif name == "rework":
            r.rework_count += 1
        elif name == "return":
            r.return_count += 1
            r.department_id = None
        elif name == "void":
            r.void_reason = VoidReason.INVALID
        elif name == "extend":
            clocks.extend(extra, at)
            r.extension_count += 1
            return json.dumps({"seeded": True, "extra_minutes": extra})
        return self._data

    def actor(self, r: _Row, name: str) -> tuple[int | None, str]:
        """Who takes step `name`: the grid's inspector, the department's handler or a staff user of the role."""
        row = TRANSITIONS[name]
        if row.guard == "inspector":
            return r.inspector or self.staff.pick(Role.INSPECTOR, r.district_id)
        if row.guard == "handler":
            return self.staff.handler(r.department_id)
        return self.staff.pick(row.roles[0], r.district_id)

    def assign_department(self, r: _Row) -> None:
        key = (r.catalog_class_id, r.district_id)
        if key not in self._departments:
            region = self.districts.get(r.district_id)
            self._departments[key] = responsible_department(catalog_class=r.klass, region=region) if region else None
        match = self._departments[key]
        if match is not None:
            r.department_id = r.proposed_department_id = match.department.id
            r.proposal_reason = match.reason[:300]


class _CaseClocks:
    """One case's stage clocks played in memory, mirroring `cases.sla` (start, finish, pause, resume, extend)."""

    def __init__(self, seeder: _Seeder, r: _Row) -> None:
        self.seeder, self.r, self.calendar = seeder, r, seeder.calendar
        self.clocks: list[_Clock] = []
        self.running: _Clock | None = None
        self.warning: list[tuple[datetime | None, int]] | None = None

    def start(self, stage: str, at: datetime) -> None:
        r = self.r
        r.current_stage, r.is_overdue, r.warned = stage, False, False
        limit = self.seeder.policy(r).get(stage)
        if limit is None:
            r.due_at = None
            self.running = self.warning = None
            return
        minutes, basis = limit
        deadline = self.calendar.add(at, minutes, basis)
        r.due_at = deadline
        # The warning time matters only for the clock still running at the end: kept as the steps to compute it.
        self.warning = [(at, int(minutes * self.seeder.warning_share))]
        rounds = sum(1 for c in self.clocks if c.stage == stage)
        self.running = _Clock(stage, rounds + 1, at, minutes, basis, deadline)
        self.clocks.append(self.running)

    def transition(self, name: str, from_state: str, to_state: str, at: datetime) -> None:
        """`sla.on_transition` in memory."""
        clock, r = self.running, self.r
        if to_state == S.SUSPENDED:
            if clock is not None:
                clock.paused_at = at
            return
        if from_state == S.SUSPENDED:
            self.resume(at)
            return
        old_stage, new_stage = STAGE_OF.get(from_state), STAGE_OF.get(to_state)
        if new_stage == old_stage and name != "rework":
            return
        if clock is not None:
            clock.done_at, clock.on_time, clock.paused_at = at, at <= clock.deadline, None
            self.running = None
        if new_stage is None:
            r.current_stage, r.due_at, r.is_overdue, r.warned = "", None, False, False
            self.warning = None
            return
        self.start(new_stage, at)

    def resume(self, at: datetime) -> None:
        clock, r = self.running, self.r
        if clock is None or clock.paused_at is None:
            return
        paused = max(0, self.calendar.between(clock.paused_at, at, clock.basis))
        clock.deadline = self.calendar.add(clock.deadline, paused, clock.basis)
        clock.paused_at = None
        r.due_at = clock.deadline
        if self.warning is not None:
            self.warning.append((None, paused))
        r.is_overdue = clock.deadline < at

    def extend(self, minutes: int, at: datetime) -> None:
        clock, r = self.running, self.r
        if clock is None:
            return
        clock.extended_minutes += minutes
        clock.deadline = self.calendar.add(clock.deadline, minutes, clock.basis)
        total = clock.minutes_allowed + clock.extended_minutes
        r.due_at = clock.deadline
        self.warning = [(clock.started_at, int(total * self.seeder.warning_share))]
        r.is_overdue, r.warned = clock.deadline < at, False

    def warn_at(self) -> datetime | None:
        """The case's warning time, as `sla` computes it step by step (start or extension, then resumes)."""
        if self.running is None or not self.warning:
            return None
        (start, minutes), *shifts = self.warning
        basis = self.running.basis
        warn = self.calendar.add(start, minutes, basis)
        for _none, paused in shifts:
            warn = self.calendar.add(warn, paused, basis)
        return warn

    def flag_now(self, r: _Row) -> None:
        """The worker's flags as of now: overdue and warned for a running case (a suspended one as at its pause)."""
        r.warn_at = self.warn_at()
        if r.state not in OPEN_STATES or r.due_at is None:
            return
        clock = self.running
        if r.state == S.SUSPENDED:
            paused = clock.paused_at if clock is not None and clock.paused_at else self.seeder.now
            r.is_overdue = r.is_overdue or r.due_at < paused
            r.warned = r.warn_at is not None and r.warn_at <= paused
            return
        r.is_overdue = r.due_at < self.seeder.now
        r.warned = r.warn_at is not None and r.warn_at <= self.seeder.now


def _first_entry(steps: list[Step], state: str) -> int | None:
    """The index of the step that first brings the case into `state` (-1: it is there on report)."""
    if state == S.REPORTED:
        return -1
    current: str = S.REPORTED
    for i, (name, _at, _extra) in enumerate(steps):
        current = TRANSITIONS[name].target or current
        if current == state:
            return i
    return None


class _Calendar:
    """`sla.add_minutes` / `sla.minutes_between` with the working days precomputed: the same answers, faster.

    The working time before each day is summed once (from `worktime.day_periods`, so the statutory calendar and
    the overrides apply); a deadline is then a binary search over the days instead of a walk through them.
    """

    def __init__(self, now: datetime) -> None:
        self.tz = timezone.get_default_timezone()
        self.first = timezone.localtime(now, self.tz).date()
        self.midnights: list[datetime] = []
        self.periods: list[tuple[tuple[int, int], ...]] = []
        self.before: list[int] = []  # working µs before each day
        self.through: list[int] = []  # working µs up to each day's end

    def add(self, start: datetime, minutes: int, basis: str) -> datetime:
        if basis == TimeBasis.NATURAL:
            return worktime.add_natural_minutes(start, minutes)
        if minutes <= 0:
            return worktime.add_working_minutes(start, minutes)  # "the next working moment": rare, keep it exact
        i, offset = self._locate(start)
        target = self.before[i] + self._worked(i, offset) + minutes * _US_PER_MINUTE
        while self.through[-1] < target:
            self._extend(len(self.midnights) + 30)
        j = bisect.bisect_left(self.through, target, lo=i)
        remaining = target - self.before[j]
        for p_start, p_end in self.periods[j]:
            if remaining <= p_end - p_start:
                return self.midnights[j] + timedelta(microseconds=p_start + remaining)
            remaining -= p_end - p_start
        raise AssertionError("unreachable: the day was chosen to hold the target")

    def between(self, a: datetime, b: datetime, basis: str) -> int:
        if basis == TimeBasis.NATURAL:
            return worktime.natural_minutes_between(a, b)
        if b < a:
            return -self.between(b, a, basis)
        (i, x), (j, y) = self._locate(a), self._locate(b)
        return (self.before[j] + self._worked(j, y) - self.before[i] - self._worked(i, x)) // _US_PER_MINUTE

    def _locate(self, moment: datetime) -> tuple[int, int]:
        """(day index, µs after that day's local midnight), growing the table to cover the day."""
        local = moment.astimezone(self.tz)
        day = local.date()
        if day < self.first:
            self._restart(day - timedelta(days=30))
        i = (day - self.first).days
        if i >= len(self.midnights):
            self._extend(i + 30)
        span = local - self.midnights[i]
        return i, (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds

    def _worked(self, i: int, offset: int) -> int:
        worked = 0
        for start, end in self.periods[i]:
            if offset <= start:
                break
            worked += (offset if offset < end else end) - start
        return worked

    def _restart(self, first: date) -> None:
        size = len(self.midnights) + (self.first - first).days
        self.first, self.midnights, self.periods, self.before, self.through = first, [], [], [], []
        self._extend(size)

    def _extend(self, size: int) -> None:
        while len(self.midnights) < size:
            day = self.first + timedelta(days=len(self.midnights))
            periods = tuple((s * _US_PER_MINUTE, e * _US_PER_MINUTE) for s, e in worktime.day_periods(day))
            before = self.through[-1] if self.through else 0
            self.midnights.append(datetime(day.year, day.month, day.day, tzinfo=self.tz))
            self.periods.append(periods)
            self.before.append(before)
            self.through.append(before + sum(e - s for s, e in periods))


class _Staff:
    """Who acts: the users holding each role, by the district they cover; handlers by department."""

    def __init__(self, districts: dict[int, Region], rng: random.Random) -> None:
        self.rng, self.districts = rng, districts
        _ensure_staff(districts)
        self.names: dict[int, str] = {}
        holders: dict[str, list[tuple[int, str | None]]] = {role: [] for role in STAFF_ROLES}
        self.handlers: dict[int, list[tuple[int, str]]] = {}
        rows = RoleAssignment.objects.filter(
            role__in=[*STAFF_ROLES, Role.HANDLER], user__is_active=True
        ).order_by("user_id").values_list("role", "user_id", "user__username", "user__scope_region__path",
                                          "user__department_id")
        for role, user_id, username, scope, department_id in rows:
            self.names[user_id] = username
            if role == Role.HANDLER:
                if department_id is not None:
                    self.handlers.setdefault(department_id, []).append((user_id, username))
            else:
                holders[role].append((user_id, scope))
        # Per role and district: the holders whose region scope covers the district (all holders if none does).
        self.by_district: dict[tuple[str, int | None], list[tuple[int, str]]] = {}
        for role, users in holders.items():
            for district_id, district in [*districts.items(), (None, None)]:
                covering = [u for u, scope in users if district is None or not scope or district.path.startswith(scope)]
                self.by_district[(role, district_id)] = [(u, self.names[u]) for u in covering or [u for u, _s in users]]

    def pick(self, role: str, district_id: int | None) -> tuple[int | None, str]:
        users = self.by_district.get((role, district_id)) or self.by_district.get((role, None))
        return self.rng.choice(users) if users else (None, ACTOR_LABEL)

    def handler(self, department_id: int | None) -> tuple[int | None, str]:
        users = self.handlers.get(department_id) if department_id is not None else None
        return self.rng.choice(users) if users else (None, ACTOR_LABEL)


def _ensure_staff(districts: dict[int, Region]) -> None:
    """Create `seed-<role>-<district code>` users (unusable passwords) for each staff role nobody holds yet."""
    missing = [role for role in STAFF_ROLES if not RoleAssignment.objects.filter(role=role).exists()]
    if not missing or not districts:
        return
    password = make_password(None)
    with transaction.atomic():
        users = [User(username=f"seed-{role.replace('_', '-')}-{d.code}".lower()[:150], password=password,
                      scope_region=d, full_name=f"{d.name} {Role(role).label}"[:60])
                 for role in missing for d in districts.values()]
        User.objects.bulk_create(users)
        ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id"))
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user_id=ids[f"seed-{role.replace('_', '-')}-{d.code}".lower()[:150]], role=role)
             for role in missing for d in districts.values()])
        audit_log(actor=ACTOR_LABEL, action="cases.seed.staff_created", data={"roles": missing, "users": len(users)})


# --- the writer ------------------------------------------------------------------------------------------


class _Table:
    """Column names of a model's table and how to read a row's values from an object's attributes."""

    def __init__(self, model: Any, *, skip_id: bool) -> None:
        fields = [f for f in model._meta.concrete_fields if not (skip_id and f.primary_key)]
        self.name = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.attnames = [f.attname for f in fields]
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}
        self.datetimes = {f.attname for f in fields if f.get_internal_type() == "DateTimeField"}
        self.postgres = connection.vendor == "postgresql"

    def values(self, values: dict[str, Any]) -> tuple[Any, ...]:
        defaults = self.defaults
        if self.postgres:  # psycopg adapts aware datetimes itself
            return tuple(values.get(name, defaults[name]) for name in self.attnames)
        adapt = connection.ops.adapt_datetimefield_value
        return tuple(adapt(values.get(name, defaults[name])) if name in self.datetimes
                     else values.get(name, defaults[name]) for name in self.attnames)


class _Writer:
    """Rows to the database: case ids assigned here (events, clocks and facts point at them), COPY or executemany."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.cases = _Table(Case, skip_id=False)
        self.facts = _Table(CaseFact, skip_id=False)
        self.event_table = CaseEvent._meta.db_table
        self.event_columns = ["case_id", "at", "actor_id", "actor_label", "action", "from_state", "to_state", "note",
                              "data", "public"]
        self.clock_table = CaseStageClock._meta.db_table
        self.clock_columns = ["case_id", "stage", "round", "started_at", "minutes_allowed", "basis",
                              "extended_minutes", "deadline", "paused_at", "done_at", "on_time"]
        self.dt = (lambda v: v) if self.postgres else connection.ops.adapt_datetimefield_value

    def write(self, rows: list[_Row], last_sequence: dict[date, int], report: SeedReport) -> None:
        """Insert one batch of cases with their events, clocks and facts, and the day counters, in one transaction."""
        dt = self.dt
        cases: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        clocks: list[tuple[Any, ...]] = []
        facts: list[tuple[Any, ...]] = []
        with transaction.atomic():
            ids = self._reserve_ids(len(rows))
            for r, case_id in zip(rows, ids, strict=True):
                r.id = case_id
                cases.append(self.cases.values(vars(r)))
                events.extend((case_id, dt(e.at), e.actor_id, e.actor_label, e.action, e.from_state, e.to_state, "",
                               e.data, e.public) for e in r.events)
                clocks.extend((case_id, c.stage, c.round, dt(c.started_at), c.minutes_allowed, c.basis,
                               c.extended_minutes, dt(c.deadline), dt(c.paused_at), dt(c.done_at), c.on_time)
                              for c in r.clocks)
                facts.append(self.facts.values(vars(build_fact(r, r.clocks, r.events))))
            self._insert(self.cases.name, self.cases.columns, cases)
            self._insert(self.event_table, self.event_columns, events)
            self._insert(self.clock_table, self.clock_columns, clocks)
            self._insert(self.facts.name, self.facts.columns, facts)
            _raise_counters(last_sequence)
        report.cases += len(rows)
        report.events += len(events)
        report.clocks += len(clocks)
        report.states.update(r.state for r in rows)

    def drop_indexes(self, progress: Any) -> list[str]:
        """Drop the secondary indexes (not those of primary keys and unique constraints); return their definitions."""
        tables = [self.cases.name, self.event_table, self.clock_table, self.facts.name]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND c.oid IS NULL AND NOT i.indisunique",
                [[f'"{t}"' for t in tables]],
            )
            indexes = cursor.fetchall()
            for name, definition in indexes:
                if progress:
                    progress(f"{definition};")
                cursor.execute(f"DROP INDEX {name}")
        return [definition for _name, definition in indexes]

    def create_indexes(self, definitions: list[str], progress: Any) -> None:
        """Create the dropped indexes again (one bulk build each is far cheaper than millions of inserts)."""
        if not definitions:
            return
        if progress:
            progress(_("Creating %(n)d indexes again…") % {"n": len(definitions)})
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for definition in definitions:
                cursor.execute(definition)

    def finish(self) -> None:
        """Mark the facts current up to the last event, refresh the planner's statistics after the bulk load, and
        roll the months up again (the evaluation's monthly sums of settled facts, written outside its refresh)."""
        top = CaseEvent.objects.aggregate(top=Max("id"))["top"] or 0
        FactWatermark.objects.update_or_create(pk=1, defaults={"last_event_id": top, "refreshed_at": timezone.now()})
        with connection.cursor() as cursor:
            for table in (self.cases.name, self.event_table, self.clock_table, self.facts.name):
                cursor.execute(f'ANALYZE "{table}"')
        fact_rollups_refresh(full=True)

    def _reserve_ids(self, n: int) -> list[int]:
        """`n` fresh case ids: drawn from the sequence on PostgreSQL (parallel loaders and reporters never clash)."""
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"SELECT nextval(pg_get_serial_sequence('\"{self.cases.name}\"', 'id')) "
                               "FROM generate_series(1, %s)", [n])
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the IMMEDIATE transaction holds the database's single write lock until it commits.
            cursor.execute(f'SELECT MAX(id) FROM "{self.cases.name}"')  # noqa: S608 - our own table name
            first = (cursor.fetchone()[0] or 0) + 1
            return list(range(first, first + n))

    def _insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


def _raise_counters(last: dict[date, int]) -> None:
    """Set each day's counter to the last sequence generated (never lower than it was)."""
    existing = dict(CaseNumberCounter.objects.filter(day__in=list(last)).values_list("day", "last"))
    rows = [CaseNumberCounter(day=day, last=max(n, existing.get(day, 0))) for day, n in last.items()]
    CaseNumberCounter.objects.bulk_create(rows, update_conflicts=True, unique_fields=["day"], update_fields=["last"])


def _counter_of(day: date) -> int:
    return CaseNumberCounter.objects.filter(day=day).values_list("last", flat=True).first() or 0


def _load_grids() -> list[_Grid]:
    """Every unit grid with its ancestors, bounds, shape and first responsible inspector (a few queries)."""
    parents = dict(Region.objects.exclude(level=Level.GRID).values_list("id", "parent_id"))
    inspectors: dict[int, int] = {}
    for region_id, user_id in Region.inspectors.through.objects.order_by("id").values_list("region_id", "user_id"):
        inspectors.setdefault(region_id, user_id)
    rows = Region.objects.filter(level=Level.GRID).order_by("id").values_list(
        "id", "path", "parent_id", "min_lon", "min_lat", "max_lon", "max_lat", "geom_wkb", "name")
    grids = []
    for gid, path, community, x0, y0, x1, y1, wkb, name in rows.iterator(chunk_size=5000):
        street = parents.get(community)
        grids.append(_Grid(gid, path, community, street, parents.get(street), (x0, y0, x1, y1), from_wkb(wkb),
                           name, inspectors.get(gid)))
    return grids


def _point_in(grid: _Grid, rng: random.Random) -> tuple[float, float]:
    """A random point inside the grid (rejection sampling in its bounding box; its inner point as a fallback)."""
    x0, y0, x1, y1 = grid.bounds
    for _attempt in range(20):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(grid.geom, x, y):
            return x, y
    point = grid.geom.representative_point()
    return point.x, point.y


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
