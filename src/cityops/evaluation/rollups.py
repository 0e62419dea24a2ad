"""Monthly rollups of settled case facts (月度汇总): a year's evaluation reads 12 small sums, not 3 M facts.

A case that is closed or voided is *settled*: it never changes again, and none of its counters depends on the
evaluation moment `now` — every now-dependent predicate in `evaluation.counters` goes through `overdue(now)`,
which excludes closed and voided cases (and `build_fact` leaves their `open_deadline` empty). So the settled
facts of a month are summed once per (period attribute, subject) into `FactRollup`; an evaluation adds:

- for each whole month of its period whose rollup is *fresh* (built with the current layout, and no settled
  fact of that month built after the rollup's `as_of`): the rollup's sums, plus the open facts of the month
  counted live (`evaluation_fact_open_*` partial indexes);
- for the partial months at the edges and every stale month: the facts counted live, as without rollups.

The month rows are summed again into quarter and year rows (`span` 3 and 12, in SQL from the month rows, the year
from its quarters) whenever one of their months is rebuilt: a year of the grid kind reads ~4 row sets of ~46 k
grids instead of 12. A period's whole months are covered by the fewest fresh rows: whole years, then quarters,
then months; a quarter or year is fresh only while all its months are.

The layout (which counter part goes to which column) is derived from `counters.COUNTERS` in a fixed order; its
hash is stored with every rolled-up month, so a change to the counters makes the old rows ignored until
`fact_rollups_refresh()` rebuilds them. The grid inspectors' parts are rolled up per *grid* and expanded through
the grid's current inspectors on read, so reassigning a grid never leaves a stale rollup behind.

Writers of facts outside `case_facts_refresh` (a full rebuild, the bulk seeder) must rebuild the rollups after
they commit: `case_facts_rebuild_all` does; after seeding run `cityops evaluation-rollup`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cityops.evaluation.counters import COUNTERS, REGISTERED, REPORTED, SUBJECT_EXPRESSIONS, Part
from cityops.evaluation.models import (
    SETTLED_STATES,
    CaseFact,
    FactRollup,
    FactRollupMonth,
    FactWatermark,
    RollupWatermark,
)
from cityops.geo.models import Region

COLUMNS = 23  # FactRollup.c00 … c22 hold counter parts: the largest (subject, period) group must fit
FACTS = "c23"  # the number of settled facts of the subject in the month (whether it had any in a period)
PERIODS = (REPORTED, REGISTERED)
SETTLED = Q(state__in=SETTLED_STATES)
OPEN = ~Q(state__in=SETTLED_STATES)
# The grid inspectors are rolled up per grid: who inspects a grid may change after the month was rolled up.
ROLLUP_SUBJECTS: dict[str, Any] = {**SUBJECT_EXPRESSIONS, "grid_inspector": F("grid_id")}
# Any fixed moment: a settled fact's predicates do not depend on it, it only renders the predicates for the hash.
_PROBE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MONTH, QUARTER, YEAR = 1, 3, 12  # FactRollup.span: how many months a row sums
COARSE = (QUARTER, YEAR)  # built in this order: a year is the sum of its quarters


@dataclass(frozen=True)
class Slot:
    """Counter part `index` of `kind`'s counter `code`, stored in column `column` of its (subject, period) group."""

    kind: str
    code: str
    index: int
    part: Part
    column: int

    @property
    def name(self) -> str:
        return f"c{self.column:02d}"


def build_layout() -> dict[tuple[str, str], list[Slot]]:
    """(subject, period) → its counter parts in column order: kinds, counters and parts in `COUNTERS` order."""
    groups: dict[tuple[str, str], list[Slot]] = defaultdict(list)
    for kind, counters in COUNTERS.items():
        for code, counter in counters.items():
            for index, part in enumerate(counter.parts):
                key = (part.subject, counter.period)
                groups[key].append(Slot(kind, code, index, part, len(groups[key])))
    widest = max(len(slots) for slots in groups.values())
    if widest > COLUMNS:
        raise RuntimeError(f"a counter group has {widest} parts; FactRollup has {COLUMNS} columns: add columns")
    return dict(groups)


def layout_hash(layout: dict[tuple[str, str], list[Slot]]) -> str:
    """A digest of the layout, each part's predicate and total, the subject expressions and the time zone."""
    lines = [timezone.get_default_timezone_name(), f"facts in {FACTS}"]
    for (subject, period), slots in sorted(layout.items()):
        lines.append(f"{subject} {period} {ROLLUP_SUBJECTS[subject]!r}")
        lines.extend(f"  {s.column} {s.kind}.{s.code}[{s.index}] {s.part.where(_PROBE)!s} {s.part.total!r}"
                     for s in slots)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


LAYOUT = build_layout()
LAYOUT_HASH = layout_hash(LAYOUT)
SLOT_OF: dict[tuple[str, str, int], Slot] = {(s.kind, s.code, s.index): s for slots in LAYOUT.values() for s in slots}


# --- months -------------------------------------------------------------------------------------------------------


def month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first day 00:00, next month's first day 00:00) of `month` in the installation's time zone."""
    tz = timezone.get_default_timezone()
    following = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return (timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time.min), tz),
            timezone.make_aware(dt.datetime.combine(following, dt.time.min), tz))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from `first`'s to `last`'s, inclusive."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def span_start(month: dt.date, span: int) -> dt.date:
    """The first month of the calendar quarter (span 3) or year (12) holding `month`."""
    return dt.date(month.year, (month.month - 1) // span * span + 1, 1)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


# --- building -----------------------------------------------------------------------------------------------------


def _quiet_moment() -> dt.datetime:
    """Now, taken while no `case_facts_refresh` is writing: every fact built before it is committed.

    The refresh holds the fact watermark's row lock for its whole transaction, so touching that row waits for
    it (an UPDATE also takes SQLite's write lock). The lock is released at once: rolling up never blocks it.
    """
    with transaction.atomic():
        FactWatermark.objects.get_or_create(pk=1)
        FactWatermark.objects.filter(pk=1).update(last_event_id=F("last_event_id"))
        return timezone.now()


def fact_rollups_refresh(*, full: bool = False) -> int:
    """Rebuild the rollups of the months with settled facts built since the last refresh (all months when `full`
    or the layout changed); return the (period, month) rollups rebuilt. Cheap when nothing changed."""
    as_of = _quiet_moment()
    with transaction.atomic():
        mark = RollupWatermark.objects.select_for_update().filter(pk=1).first()
        if mark is None:
            mark, _created = RollupWatermark.objects.get_or_create(pk=1)
        rebuild_all = full or mark.layout != LAYOUT_HASH or mark.as_of is None
        if rebuild_all:
            FactRollup.objects.all().delete()
            FactRollupMonth.objects.all().delete()
            todo = _all_months()
        else:
            todo = _months_changed_since(mark.as_of)
        for period, month in todo:
            _build_month(period, month, as_of)
        for span in COARSE:
            for period, first in sorted({(period, span_start(month, span)) for period, month in todo}):
                _build_span(period, span, first, as_of)
        mark.layout, mark.as_of = LAYOUT_HASH, as_of
        mark.save(update_fields=["layout", "as_of"])
    if rebuild_all and todo and connection.vendor == "postgresql":
        # Fresh statistics: right after a bulk load the planner once guessed 2 rows where there were 340 k.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(FactRollup._meta.db_table)}")
    return len(todo)


def _all_months() -> list[tuple[str, dt.date]]:
    """Every (period, month) between the first and the last settled fact."""
    todo = []
    for period in PERIODS:
        span = CaseFact.objects.filter(SETTLED).aggregate(first=Min(period), last=Max(period))
        if span["first"] is not None:
            todo.extend((period, m) for m in months_between(_local_date(span["first"]), _local_date(span["last"])))
    return todo


def _months_changed_since(moment: dt.datetime) -> list[tuple[str, dt.date]]:
    """(period, month) of the settled facts built after `moment` (the partial index on settled built_at)."""
    tz = timezone.get_default_timezone()
    todo = []
    for period in PERIODS:
        months = (CaseFact.objects.filter(SETTLED, built_at__gt=moment, **{f"{period}__isnull": False})
                  .annotate(m=TruncMonth(period, tzinfo=tz)).order_by().values_list("m", flat=True).distinct())
        todo.extend((period, m) for m in sorted({_as_month(m) for m in months}))
    return todo


def _as_month(value: dt.date | dt.datetime) -> dt.date:
    """TruncMonth's value as a date (backends return an aware or naive datetime or a date)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.date().replace(day=1)
    return value.replace(day=1)


def _build_month(period: str, month: dt.date, as_of: dt.datetime) -> None:
    """Replace the rollup of (period, month): one grouped INSERT … SELECT per subject over its settled facts."""
    started = time.monotonic()
    begin, stop = month_range(month)
    FactRollup.objects.filter(period=period, span=MONTH, month=month).delete()
    facts = CaseFact.objects.filter(SETTLED, **{f"{period}__gte": begin, f"{period}__lt": stop})
    ops = connection.ops
    for (subject, group_period), slots in LAYOUT.items():
        if group_period != period:
            continue
        grouped = (facts.annotate(subject=ROLLUP_SUBJECTS[subject]).filter(subject__isnull=False)
                   .order_by().values("subject").annotate(**{s.name: _aggregate(s.part, _PROBE) for s in slots}, **{FACTS: Count("pk")}))
        select, params = grouped.query.sql_with_params()
        names = [*(s.name for s in slots), FACTS]
        table = FactRollup._meta.db_table
        columns = ", ".join(["month", "period", "subject", "subject_id", "built_at", *names])
        values = ", ".join(["%s", "%s", "%s", "g.subject", "%s", *(f"COALESCE(g.{n}, 0)" for n in names)])
        sql = f'INSERT INTO "{table}" ({columns}) SELECT {values} FROM ({select}) g'  # noqa: S608 - our names
        with connection.cursor() as cursor:
            cursor.execute(sql, [ops.adapt_datefield_value(month), period, subject,
                                 ops.adapt_datetimefield_value(timezone.now()), *params])
    FactRollupMonth.objects.update_or_create(period=period, span=MONTH, month=month, defaults={
        "layout": LAYOUT_HASH, "as_of": as_of, "built_at": timezone.now(), "seconds": time.monotonic() - started})


def _build_span(period: str, span: int, first: dt.date, as_of: dt.datetime) -> None:
    """Replace the quarter (span 3) or year (12) from `first` of `period`: the sums of its months' (a year: its
    quarters') rows, in one INSERT … SELECT … GROUP BY. Built only when every part is rolled up and the span has
    ended (a current quarter would be rebuilt every few minutes and is never whole inside a period anyway)."""
    started = time.monotonic()
    FactRollup.objects.filter(period=period, span=span, month=first).delete()
    FactRollupMonth.objects.filter(period=period, span=span, month=first).delete()
    part = MONTH if span == QUARTER else QUARTER
    parts = [add_months(first, i) for i in range(0, span, part)]
    built = FactRollupMonth.objects.filter(period=period, span=part, month__in=parts, layout=LAYOUT_HASH).count()
    if built < len(parts) or month_range(add_months(first, span - 1))[1] > as_of:
        return
    ops = connection.ops
    table = ops.quote_name(FactRollup._meta.db_table)
    names = [f"c{i:02d}" for i in range(COLUMNS + 1)]
    columns = ", ".join(["month", "period", "subject", "subject_id", "span", "built_at", *names])
    sums = ", ".join(f"SUM({n})" for n in names)
    marks = ", ".join(["%s"] * len(parts))
    sql = (f"INSERT INTO {table} ({columns}) SELECT %s, period, subject, subject_id, %s, %s, {sums} "  # noqa: S608
           f"FROM {table} WHERE period = %s AND span = %s AND month IN ({marks}) GROUP BY period, subject, subject_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [ops.adapt_datefield_value(first), span, ops.adapt_datetimefield_value(timezone.now()),
                             period, part, *(ops.adapt_datefield_value(m) for m in parts)])
    FactRollupMonth.objects.create(period=period, span=span, month=first, layout=LAYOUT_HASH, as_of=as_of,
                                   built_at=timezone.now(), seconds=time.monotonic() - started)


def _aggregate(part: Part, now: dt.datetime) -> Any:
    return Count("pk", filter=part.where(now)) if part.total is None else Sum(part.total, filter=part.where(now))


# --- reading --------------------------------------------------------------------------------------------------------


@dataclass
class Split:
    """How one period attribute's [begin, stop) divides: rolled-up months (plus their open facts counted live),
    live ranges, and the settled facts to subtract from an edge month read whole from its rollup."""

    rolled: list[dt.date]  # every month read from a rollup row (a month's, a quarter's or a year's)
    rolled_ranges: list[tuple[dt.datetime, dt.datetime]]
    live_ranges: list[tuple[dt.datetime, dt.datetime]]
    minus_ranges: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    spans: list[tuple[int, dt.date]] = field(default_factory=list)  # the rollup rows to read: (span, first month)

    def live_q(self, period: str) -> Q:
        """The facts to count live: everything in the live ranges, the open facts of the rolled-up months."""
        q = _ranges_q(period, self.live_ranges)
        if self.rolled_ranges:
            q |= _ranges_q(period, self.rolled_ranges) & OPEN
        return q

    def minus_q(self, period: str) -> Q:
        """The settled facts of rolled-up edge months that lie outside the period (counted, then subtracted)."""
        return _ranges_q(period, self.minus_ranges) & SETTLED


def _ranges_q(period: str, ranges: Iterable[tuple[dt.datetime, dt.datetime]]) -> Q:
    q = Q(pk__in=[])
    for begin, stop in ranges:
        q |= Q(**{f"{period}__gte": begin, f"{period}__lt": stop})
    return q


def _merge(ranges: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, stop in sorted(ranges):
        if merged and merged[-1][1] == begin:
            merged[-1] = (merged[-1][0], stop)
        else:
            merged.append((begin, stop))
    return merged


def period_split(period: str, begin: dt.datetime, stop: dt.datetime, *, enabled: bool = True) -> Split:
    """Split [begin, stop) of `period` into fresh rolled-up months and live ranges.

    A whole month with a fresh rollup is read from it. So is a partial month at an edge when the part outside the
    period is the shorter one (the current month, say): its rollup minus the settled facts outside the period.
    Whole fresh years and quarters inside the period are read from their own rows (fewer rows than 12 or 3 months).
    """
    months = []
    if enabled and timezone.get_current_timezone_name() == timezone.get_default_timezone_name():
        months = months_between(_local_date(begin), _local_date(stop - dt.timedelta(microseconds=1)))
    fresh: dict[dt.date, dt.datetime] = {}  # fresh month → its as_of
    if months:
        states = FactRollupMonth.objects.filter(period=period, span=MONTH, month__in=months, layout=LAYOUT_HASH)
        for state in states:
            first, following = month_range(state.month)
            changed = CaseFact.objects.filter(SETTLED, built_at__gt=state.as_of,
                                              **{f"{period}__gte": first, f"{period}__lt": following})
            if not changed.exists():
                fresh[state.month] = state.as_of
    whole = {m for m in fresh if month_range(m)[0] >= begin and month_range(m)[1] <= stop}
    coarse = _fresh_spans(period, whole, fresh)
    rolled, inside_ranges, minus, spans = [], [], [], []
    covered: set[dt.date] = set()
    for month in sorted(fresh):
        if month in covered:
            continue
        span = next((n for n in (YEAR, QUARTER) if (n, month) in coarse), MONTH)
        if span != MONTH:  # a whole fresh year or quarter inside the period: one row per subject
            parts = [add_months(month, i) for i in range(span)]
            covered.update(parts)
            rolled.extend(parts)
            spans.append((span, month))
            inside_ranges.append((month_range(month)[0], month_range(parts[-1])[1]))
            continue
        first, following = month_range(month)
        low, high = max(first, begin), min(following, stop)
        if (following - first) - (high - low) >= high - low:
            continue  # an edge month mostly outside the period: cheaper counted live
        rolled.append(month)
        spans.append((MONTH, month))
        inside_ranges.append((low, high))
        minus.extend(r for r in ((first, low), (high, following)) if r[0] < r[1])
    rolled_ranges = _merge(inside_ranges)
    live, cursor = [], begin
    for first, following in rolled_ranges:
        if cursor < first:
            live.append((cursor, first))
        cursor = following
    if cursor < stop:
        live.append((cursor, stop))
    return Split(rolled, rolled_ranges, live, minus, spans)


def _fresh_spans(period: str, whole: set[dt.date], fresh: dict[dt.date, dt.datetime]) -> set[tuple[int, dt.date]]:
    """(span, first month) of the quarters and years made of `whole` fresh months whose own rows are fresh: built
    with the current layout, after (`as_of` not before) every one of their months."""
    candidates = {(span, month) for span in COARSE for month in whole
                  if month == span_start(month, span) and all(add_months(month, i) in whole for i in range(span))}
    if not candidates:
        return set()
    states = FactRollupMonth.objects.filter(period=period, span__in=COARSE, layout=LAYOUT_HASH,
                                            month__in={month for _span, month in candidates})
    return {(state.span, state.month) for state in states if (state.span, state.month) in candidates
            and all(fresh[add_months(state.month, i)] <= state.as_of for i in range(state.span))}


def rollup_rows(subject: str, period: str, spans: list[tuple[int, dt.date]], names: list[str],
                subject_ids: list[int] | None = None,
                inspectors: dict[int, list[int]] | None = None) -> list[tuple[int, ...]]:
    """(subject id, the sums over `spans` ((span, first month) rows) of the rolled-up settled facts' columns
    `names`…), one row per subject.

    Read through a raw cursor: a year of the grid kind is ~47 k rows, and Django's per-row converters cost more
    than the query. The grid inspectors' rows (rolled up per grid) are expanded through the grid's current
    inspectors (geo Region.inspectors) and summed per inspector here (faster than joining in the query).
    """
    if not spans or not names:
        return []
    ops = connection.ops
    table = ops.quote_name(FactRollup._meta.db_table)
    sums = ", ".join(f"SUM({ops.quote_name(n)})" for n in names)
    params: list[Any] = [period, subject]
    alternatives = []
    for span in sorted({span for span, _month in spans}):
        months = [ops.adapt_datefield_value(m) for n, m in spans if n == span]
        alternatives.append(f"(span = %s AND month IN ({', '.join(['%s'] * len(months))}))")
        params.extend([span, *months])
    where = f"period = %s AND subject = %s AND ({' OR '.join(alternatives)})"
    ids = subject_ids
    if subject == "grid_inspector":  # `inspectors`: the caller's `grid_inspector_map(subject_ids)`, if read
        inspectors = inspectors if inspectors is not None else grid_inspector_map(subject_ids)
        ids = list(inspectors) if subject_ids is not None else None
    if ids is not None:
        if not ids:
            return []
        where += f" AND subject_id IN ({', '.join(['%s'] * len(ids))})"
        params.extend(ids)
    sql = f"SELECT subject_id, {sums} FROM {table} WHERE {where} GROUP BY subject_id"  # noqa: S608 - our names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return rows if inspectors is None else expand_grid_rows(rows, inspectors)


def grid_inspector_map(subject_ids: list[int] | None = None) -> dict[int, list[int]]:
    """Grid id → its current inspectors (geo Region.inspectors), only those in `subject_ids` when given."""
    links = Region.inspectors.through.objects.all()
    if subject_ids is not None:
        links = links.filter(user_id__in=subject_ids)
    inspectors: dict[int, list[int]] = defaultdict(list)
    for grid_id, user_id in links.values_list("region_id", "user_id"):
        inspectors[grid_id].append(user_id)
    return inspectors


def expand_grid_rows(rows: list[tuple[Any, ...]], inspectors: dict[int, list[int]]) -> list[tuple[int, ...]]:
    """Rows (grid id, sums…) as rows (inspector id, the sums over their grids…); NULL sums count as 0.

    Grouping the facts per grid and expanding here is cheaper than joining every fact to the grid's inspectors.
    """
    totals: dict[int, list[int]] = {}
    for row in rows:
        targets = inspectors.get(row[0])
        if not targets:
            continue
        values = [v or 0 for v in row[1:]]
        for user_id in targets:
            total = totals.get(user_id)
            if total is None:
                totals[user_id] = list(values)
            else:
                for i, value in enumerate(values):
                    total[i] += value
    return [(user_id, *total) for user_id, total in totals.items()]
