"""`cityops seed-cases --count N`: bulk-generate historical cases on the current database, for benchmarks.

Fast rather than faithful: rows are written directly (not through the workflow services), in batches of
`--batch` cases, one transaction each — `COPY` on PostgreSQL, `executemany` on SQLite (the ORM's bulk_create
spends most of its time compiling SQL). Run it on a quiet database: each batch locks the case table while it
assigns ids. What it writes, per case:
- a `Case` row: a point inside a unit grid (busier grids get more reports), its grid / community / street /
  district and region path, H3 cell, a class from the demo mix (`cityops.demo.cases`), a source (inspectors
  ~90 %, with the grid's first inspector as reporter), an urgency, the number `YYYYMMDD` + 5 digits continuing
  the day's `CaseNumberCounter`, and a timeline: each stage takes a share of its time limit (8 % of cases are
  late in 处置, 5 % are reworked once), so the state is wherever the timeline stands now. Old cases are mostly
  closed; of the last three days' reports about a third still wait in some open state; 4 % are voided, 3 % of
  inspector reports self-handled, 1.5 % stuck in 处置 (overdue) and 0.5 % suspended. Open cases carry their
  current stage, deadline, warning time and overdue flag (working-time calendar); dispatched cases the
  department of the responsibility rules (per class and district) as proposal and responsible department;
- `CaseEvent` rows: `case.reported`, and the event that led to the current state (with its from/to state).
Not written: stage clocks, photos, requests, audit events. The day counters are raised to the last number used,
so reports made afterwards continue the sequence; at the end the two tables are ANALYZEd.
"""

from __future__ import annotations

import bisect
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import shapely
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.duplicates import h3_cell_of
from cityops.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseState,
    Source,
    VoidReason,
)
from cityops.cases.numbering import format_number
from cityops.cases.sla import STAGE_OF, add_minutes, warning_share
from cityops.catalog.models import CatalogClass, ClassKind, Stage, Urgency
from cityops.catalog.selectors import policy_for, responsible_department
from cityops.demo.cases import CLASS_MIX, RESULTS, SOURCE_MIX, URGENCY_MIX
from cityops.geo.geometry import from_wkb
from cityops.geo.models import Level, Region

S = CaseState
ACTOR_LABEL = "cityops seed-cases"

VOIDED_SHARE = 0.04
SELF_HANDLED_SHARE = 0.03  # of inspector reports
LATE_SHARE = 0.08  # 处置 takes 5–8 × its limit
REWORK_SHARE = 0.05  # one failed check, then a second round of 处置
STUCK_SHARE = 0.015  # 处置 never finishes: open and overdue today
SUSPENDED_SHARE = 0.005
WAITING_HOURS, WAITING_SHARE = 72, 0.35  # recent reports still waiting in some open state
# Reports by hour of the day (inspectors patrol in daytime).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 13, 13, 12, 9, 10, 12, 12, 11, 10, 8, 6, 4, 3, 2, 1]
# The event (the transition table's name) leading into each state, and the state it leaves.
ENTRY_EVENT = {
    S.VERIFYING: ("case.sent_to_verify", S.REPORTED), S.ACCEPTED: ("case.accepted", S.REPORTED),
    S.REGISTERED: ("case.registered", S.ACCEPTED), S.DISPATCHED: ("case.dispatched", S.REGISTERED),
    S.HANDLED: ("case.handled", S.DISPATCHED), S.CHECKING: ("case.sent_to_check", S.HANDLED),
    S.CHECKED: ("case.checked", S.CHECKING), S.CLOSED: ("case.closed", S.CHECKED),
    S.VOIDED: ("case.voided", S.REPORTED), S.SUSPENDED: ("case.suspended", S.DISPATCHED),
}


class Command(BaseCommand):
    help = "Generate N historical cases on the current database for benchmarks (bulk inserts, minimal history)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many cases.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the generator (same seed, same cases).")
        parser.add_argument("--days", type=int, default=365, help="Spread the reports over this many past days.")
        parser.add_argument("--batch", type=int, default=10_000, help="Cases per insert transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1 or options["days"] < 1 or options["batch"] < 1:
            raise CommandError(_("--count, --days and --batch must be positive."))
        started = time.monotonic()
        try:
            report = seed_cases(count=options["count"], seed=options["seed"], days=options["days"],
                                batch=options["batch"], progress=self.stdout.write)
        except SeedingError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        states = ", ".join(f"{state} {n}" for state, n in sorted(report.states.items()))
        self.stdout.write(self.style.SUCCESS(
            _("Seeded %(n)d cases and %(events)d events in %(s).1f s (%(rate)d cases/s): %(states)s.")
            % {"n": report.cases, "events": report.events, "s": seconds, "rate": report.cases / max(seconds, 1e-9),
               "states": states}
        ))


class SeedingError(Exception):
    """The database lacks what seeding needs (grids, catalogue classes, urgencies)."""


@dataclass
class SeedReport:
    cases: int = 0
    events: int = 0
    states: Counter = field(default_factory=Counter)


def seed_cases(*, count: int, seed: int = 0, days: int = 365, batch: int = 10_000,
               now: datetime | None = None, progress: Any = None) -> SeedReport:
    """Insert `count` generated cases reported over the past `days` days (see the module docstring)."""
    seeder = _Seeder(rng=random.Random(f"cityops-seed-cases-{seed}"), now=now or timezone.now())
    writer = _Writer()
    report = SeedReport()
    pending: list[_Row] = []
    for day, n in seeder.cases_per_day(count, days):
        pending.extend(seeder.day_rows(day, n))
        if len(pending) >= batch:
            writer.write(pending, seeder.last_sequence, report)
            pending = []
            if progress:
                progress(_("… %(n)d cases") % {"n": report.cases})
    if pending:
        writer.write(pending, seeder.last_sequence, report)
    writer.analyze()
    return report


class _Row:
    """One generated case: attributes named like the Case model's columns, plus the generator's context."""

    klass: CatalogClass
    urgency: Urgency
    entry_event: tuple[str, str, datetime] | None = None  # (action, from_state, at) into the current state


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

    def __init__(self, *, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.tz = timezone.get_current_timezone()
        self.grids = _load_grids()
        if not self.grids:
            raise SeedingError(_("No unit grids: build a city first (cityops seed-city or cityops demo)."))
        # Busier grids (markets, main streets) get more reports: a skewed weight per grid.
        self.grid_cum = _cumulative([rng.lognormvariate(0, 1) for _g in self.grids])
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
        self.districts = {r.id: r for r in Region.objects.filter(level=Level.DISTRICT)}
        self.last_sequence: dict[date, int] = {}  # the last number generated per day, for the counters
        self._policies: dict[tuple[int, int], dict] = {}
        self._departments: dict[tuple[int, int | None], Any] = {}

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
        return [self.row(midnight + timedelta(seconds=max(0.0, s)), format_number(day, start + i + 1))
                for i, s in enumerate(seconds)]

    def row(self, reported_at: datetime, number: str) -> _Row:
        rng, r = self.rng, _Row()
        grid = self.grids[_pick(rng, self.grid_cum)]
        r.klass = self.classes[_pick(rng, self.class_cum)]
        r.urgency = self.urgencies[_pick(rng, self.urgency_cum)]
        r.lon, r.lat = _point_in(grid, rng)
        r.number, r.kind, r.catalog_class_id, r.urgency_id = number, r.klass.kind, r.klass.id, r.urgency.id
        r.description, r.address = f"{grid.name}附近{r.klass.display_name}", grid.name
        r.grid_id, r.community_id, r.street_id, r.district_id = grid.id, grid.community_id, grid.street_id, grid.district_id
        r.region_path, r.h3_cell, r.reported_at = grid.path, h3_cell_of(r.lon, r.lat), reported_at
        r.source = self.sources[_pick(rng, self.source_cum)]
        r.reporter_id = grid.inspector_id if r.source == Source.INSPECTOR else None
        r.reporter_name = "" if r.source == Source.INSPECTOR else "市民"
        self.settle(r, self.timeline(r))
        return r

    def policy(self, r: _Row) -> dict:
        key = (r.catalog_class_id, r.urgency_id)
        if key not in self._policies:
            self._policies[key] = policy_for(catalog_class=r.klass, urgency=r.urgency)
        return self._policies[key]

    def stage_minutes(self, r: _Row, stage: str, share: tuple[float, float] = (0.05, 0.8)) -> float:
        """Natural minutes a stage took: a share of its limit (natural time ≥ working time: a share < 1 is on time)."""
        minutes = self.policy(r).get(Stage(stage), (60, ""))[0]
        return max(1.0, minutes * self.rng.uniform(*share))

    def timeline(self, r: _Row) -> list[tuple[str, datetime]]:
        """The states the case passes through and when, as if nothing stopped it (may run into the future)."""
        rng, t = self.rng, r.reported_at
        steps: list[tuple[str, datetime]] = [(S.REPORTED, t)]

        def step(state: str, minutes: float) -> None:
            nonlocal t
            t += timedelta(minutes=minutes)
            steps.append((state, t))

        r.is_self_handled = r.source == Source.INSPECTOR and rng.random() < SELF_HANDLED_SHARE
        if r.is_self_handled:
            step(S.CLOSED, rng.uniform(5, 40))
            return steps
        if rng.random() < VOIDED_SHARE:
            step(S.VOIDED, self.stage_minutes(r, Stage.ACCEPT))
            return steps
        if r.source != Source.INSPECTOR:
            step(S.VERIFYING, self.stage_minutes(r, Stage.ACCEPT, (0.05, 0.3)))
            step(S.ACCEPTED, self.stage_minutes(r, Stage.VERIFY))
        else:
            step(S.ACCEPTED, self.stage_minutes(r, Stage.ACCEPT))
        step(S.REGISTERED, self.stage_minutes(r, Stage.REGISTER))
        step(S.DISPATCHED, self.stage_minutes(r, Stage.DISPATCH))
        fate = rng.random()
        if fate < STUCK_SHARE:
            return steps
        if fate < STUCK_SHARE + SUSPENDED_SHARE:
            step(S.SUSPENDED, rng.uniform(60, 3 * 1440))
            return steps
        late = rng.random() < LATE_SHARE
        step(S.HANDLED, self.stage_minutes(r, Stage.HANDLE, (5.0, 8.0) if late else (0.1, 0.9)))
        if rng.random() < REWORK_SHARE:
            step(S.CHECKING, self.stage_minutes(r, Stage.CHECK, (0.02, 0.2)))
            step(S.DISPATCHED, self.stage_minutes(r, Stage.CHECK))
            step(S.HANDLED, self.stage_minutes(r, Stage.HANDLE, (0.1, 0.9)))
        step(S.CHECKING, self.stage_minutes(r, Stage.CHECK, (0.02, 0.2)))
        step(S.CHECKED, self.stage_minutes(r, Stage.CHECK))
        step(S.CLOSED, self.stage_minutes(r, Stage.CLOSE))
        if self.now - r.reported_at < timedelta(hours=WAITING_HOURS) and rng.random() < WAITING_SHARE:
            del steps[rng.randrange(1, len(steps)):]  # still waiting for someone to act on it
        return steps

    def settle(self, r: _Row, steps: list[tuple[str, datetime]]) -> None:
        """Put the case in the last state its timeline reached by now, with that state's fields."""
        reached = [s for s in steps if s[1] <= self.now]
        state, entered = reached[-1]
        states = [s for s, _t in reached]
        r.state, r.updated_at, r.version = state, entered, len(reached)
        r.rework_count = sum(1 for a, b in zip(states, states[1:], strict=False) if (a, b) == (S.CHECKING, S.DISPATCHED))
        if S.DISPATCHED in states:
            self.assign_department(r)
        if S.HANDLED in states or r.is_self_handled:
            r.result = self.rng.choice(RESULTS)
        if state == S.CLOSED:
            r.closed_at = entered
        if state == S.VOIDED:
            r.void_reason = VoidReason.INVALID
        if state in OPEN_STATES:
            self.start_clock(r, state, entered)
        previous = states[-2] if len(states) > 1 else None
        r.entry_event = self.entry_event(r, state, previous, entered)

    def entry_event(self, r: _Row, state: str, previous: str | None, at: datetime) -> tuple[str, str, datetime] | None:
        if state == S.REPORTED:
            return None
        if r.is_self_handled:
            return ("case.self_handled", S.REPORTED, at)
        if state == S.DISPATCHED and previous == S.CHECKING:
            return ("case.rework", S.CHECKING, at)
        if state == S.ACCEPTED and previous == S.VERIFYING:
            return ("case.verified", S.VERIFYING, at)
        action, from_state = ENTRY_EVENT[state]
        return (action, from_state, at)

    def start_clock(self, r: _Row, state: str, entered: datetime) -> None:
        """Current stage, deadline, warning time and overdue flag of an open case (no clock while suspended)."""
        r.current_stage = STAGE_OF.get(state, "")
        limit = self.policy(r).get(Stage(r.current_stage)) if r.current_stage else None
        if limit is None:
            return
        minutes, basis = limit
        r.due_at = add_minutes(entered, minutes, basis)
        r.warn_at = add_minutes(entered, int(minutes * warning_share()), basis)
        r.is_overdue = r.due_at < self.now
        r.warned = r.warn_at <= self.now

    def assign_department(self, r: _Row) -> None:
        key = (r.catalog_class_id, r.district_id)
        if key not in self._departments:
            region = self.districts.get(r.district_id)
            self._departments[key] = responsible_department(catalog_class=r.klass, region=region) if region else None
        match = self._departments[key]
        if match is not None:
            r.department_id = r.proposed_department_id = match.department.id
            r.proposal_reason = match.reason[:300]


class _Writer:
    """Rows to the database: ids assigned here (so events can point at their case), COPY or executemany."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        fields = Case._meta.concrete_fields
        self.case_table = Case._meta.db_table
        self.case_columns = [f.column for f in fields]
        self.case_attnames = [f.attname for f in fields]
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}
        self.datetime_attnames = {f.attname for f in fields if f.get_internal_type() == "DateTimeField"}
        self.event_columns = ["case_id", "at", "actor_id", "actor_label", "action", "from_state", "to_state", "note",
                              "data", "public"]
        self.event_data = connection.ops.adapt_json_value({"seeded": True}, None)

    def write(self, rows: list[_Row], last_sequence: dict[date, int], report: SeedReport) -> None:
        """Insert one batch of cases, their events and the day counters in one transaction."""
        with transaction.atomic():
            first_id = self._reserve_ids()
            cases, events = [], []
            for offset, r in enumerate(rows):
                r.id = first_id + offset
                cases.append(self._case_values(r))
                events.append(self._event_values(r.id, "case.reported", "", S.REPORTED, r.reported_at, r.reporter_id))
                if r.entry_event:
                    action, from_state, at = r.entry_event
                    events.append(self._event_values(r.id, action, from_state, r.state, at, None))
            self._insert(self.case_table, self.case_columns, cases)
            self._insert(CaseEvent._meta.db_table, self.event_columns, events)
            if self.postgres:
                self._sync_sequence()
            _raise_counters(last_sequence)
        report.cases += len(rows)
        report.events += len(events)
        report.states.update(r.state for r in rows)

    def analyze(self) -> None:
        """Refresh the planner's statistics after the bulk load (queries would otherwise plan for empty tables)."""
        with connection.cursor() as cursor:
            for table in (self.case_table, CaseEvent._meta.db_table):
                cursor.execute(f'ANALYZE "{table}"')

    def _reserve_ids(self) -> int:
        with connection.cursor() as cursor:
            if self.postgres:
                # The race this prevents: a report inserted by another process between MAX(id) and our COPY
                # would take an id we assign. The lock lets readers through and holds writers until commit.
                cursor.execute(f'LOCK TABLE "{self.case_table}" IN EXCLUSIVE MODE')
            # SQLite: the IMMEDIATE transaction already holds the database's single write lock.
            cursor.execute(f'SELECT MAX(id) FROM "{self.case_table}"')  # noqa: S608 - our own table name
            return (cursor.fetchone()[0] or 0) + 1

    def _sync_sequence(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{self.case_table}\"', 'id'), "  # noqa: S608
                f'(SELECT MAX(id) FROM "{self.case_table}"))'
            )

    def _case_values(self, r: _Row) -> tuple:
        values = vars(r)
        adapt = connection.ops.adapt_datetimefield_value
        return tuple(
            adapt(values.get(name, self.defaults[name])) if name in self.datetime_attnames
            else values.get(name, self.defaults[name])
            for name in self.case_attnames
        )

    def _event_values(self, case_id: int, action: str, from_state: str, to_state: str, at: datetime,
                      actor_id: int | None) -> tuple:
        return (case_id, connection.ops.adapt_datetimefield_value(at), actor_id, ACTOR_LABEL, action, from_state,
                to_state, "", self.event_data, False)

    def _insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
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
