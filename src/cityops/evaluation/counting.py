"""The counters of an evaluation, per subject: grouped conditional aggregates over `CaseFact` and its rollups.

Every number comes from `CaseFact` through grouped conditional aggregates (`Count(filter=…)`,
`Sum(filter=…)`), one query per (attribution, period) group of a kind's counters — never a Python loop over
cases — so a year of a large city stays a handful of scans.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import Count, F, QuerySet, Sum

from cityops.evaluation.counters import COUNTERS, SUBJECT_EXPRESSIONS
from cityops.evaluation.kinds import SubjectKind
from cityops.evaluation.models import CaseFact
from cityops.evaluation.params import period_bounds
from cityops.evaluation.rollups import FACTS as ROLLUP_FACTS
from cityops.evaluation.rollups import SLOT_OF as ROLLUP_SLOTS
from cityops.evaluation.rollups import expand_grid_rows, grid_inspector_map, rollup_rows
from cityops.evaluation.rollups import period_split as rollup_period_split
from cityops.geo.models import Level, Region

# The grid's ancestor of each region level (grid → community → street → district).
GRID_ANCESTOR = {
    SubjectKind.COMMUNITY: "parent_id",
    SubjectKind.STREET: "parent__parent_id",
    SubjectKind.DISTRICT: "parent__parent__parent_id",
}


def evaluation_counts(
    kind: str,
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime,
    subject_ids: list[int] | None = None,
    rollups: bool = True,
) -> dict[int, dict[str, int]]:
    """subject id → counter → value, for every subject with a case in the period (grouped aggregates).

    Months with a fresh rollup (`evaluation.rollups`) read their settled facts' sums from it and count only
    their open facts live (an edge month mostly inside the period: minus its settled facts outside); other edge
    months and stale months are counted live. `rollups` False counts everything live (the reference).
    """
    codes, vectors = counter_vectors(kind, start, end, now=now, subject_ids=subject_ids, rollups=rollups)
    counted = [i for i, code in enumerate(codes) if COUNTERS[kind][code].parts]
    return {subject_id: {codes[i]: values[i] for i in counted} for subject_id, values in vectors.items()}


def counter_vectors(
    kind: str,
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime,
    subject_ids: list[int] | None = None,
    rollups: bool = True,
) -> tuple[list[str], dict[int, list[int]]]:
    """(the counter codes of `kind`, subject id → their values in that order): `evaluation_counts` as lists.

    Lists, raw cursors and column maps computed once per call: a year of the grid kind merges ~100 k aggregate
    rows, where per-row dicts and Django's converters cost several times the queries.
    """
    begin, stop = period_bounds(start, end)
    codes = list(COUNTERS[kind])
    width = len(codes)
    position = {code: i for i, code in enumerate(codes)}
    groups: dict[tuple[str, str], list[tuple[str, str, Any]]] = defaultdict(list)
    for code, counter in COUNTERS[kind].items():
        for i, part in enumerate(counter.parts):
            groups[(part.subject, counter.period)].append((f"{code}__{i}", code, part))
    splits = {period: rollup_period_split(period, begin, stop, enabled=rollups) for _s, period in groups}
    totals: dict[int, list[int]] = {}
    with _counting():
        for (subject, period), parts in groups.items():
            split = splits[period]
            targets = [position[code] for _name, code, _part in parts]  # aggregate column → counter position
            aggregates = {
                name: Count("pk", filter=part.where(now))
                if part.total is None
                else Sum(part.total, filter=part.where(now))
                for name, _code, part in parts
            }
            group: dict[int, list[int]] = {}
            # The grid inspectors' facts are grouped per grid and expanded to the grids' inspectors in Python.
            expression, ids, inspectors = SUBJECT_EXPRESSIONS[subject], subject_ids, None
            if subject == "grid_inspector":
                inspectors = grid_inspector_map(subject_ids)
                expression, ids = F("grid_id"), list(inspectors) if subject_ids is not None else None
            facts = (
                CaseFact.objects.filter(split.live_q(period))
                .annotate(subject=expression)
                .filter(subject__isnull=False)
            )
            if ids is not None:
                facts = facts.filter(subject__in=ids)
            rows = _fetch(facts.order_by().values("subject").annotate(**aggregates))
            _add_rows(
                group, rows if inspectors is None else expand_grid_rows(rows, inspectors), targets, width, 1
            )
            # A subject is listed when it has a fact in the period, as when everything is counted live.
            present = set(group)
            facts_in: dict[int, int] = defaultdict(int)
            if (
                split.minus_ranges
            ):  # an edge month read whole from its rollup: take its settled facts outside away
                outside = (
                    CaseFact.objects.filter(split.minus_q(period))
                    .annotate(subject=expression)
                    .filter(subject__isnull=False)
                )
                if ids is not None:
                    outside = outside.filter(subject__in=ids)
                rows = _fetch(
                    outside.order_by().values("subject").annotate(**aggregates, rollup_facts=Count("pk"))
                )
                if inspectors is not None:
                    rows = expand_grid_rows(rows, inspectors)
                _add_rows(group, rows, targets, width, -1)
                for row in rows:
                    facts_in[row[0]] -= row[-1] or 0
            if split.rolled:
                slots = [
                    ROLLUP_SLOTS[(kind, code, int(name.rsplit("__", 1)[1]))] for name, code, _part in parts
                ]
                names = list(dict.fromkeys(slot.name for slot in slots))
                column = {n: i for i, n in enumerate(names, start=1)}
                rows = rollup_rows(
                    subject, period, split.spans, [*names, ROLLUP_FACTS], subject_ids, inspectors
                )
                pairs = [(column[slot.name], target) for slot, target in zip(slots, targets, strict=True)]
                last = len(names) + 1
                for row in rows:
                    subject_id = row[0]
                    facts_in[subject_id] += row[last] or 0
                    values = group.get(subject_id)
                    if values is None:
                        values = group[subject_id] = [0] * width
                    for col, target in pairs:
                        value = row[col]
                        if value:
                            values[target] += value
            present.update(subject_id for subject_id, n in facts_in.items() if n > 0)
            for subject_id in present:
                values = group[subject_id]
                total = totals.get(subject_id)
                if total is None:  # integer aggregates come back as ints from both backends
                    totals[subject_id] = values
                else:
                    for i, value in enumerate(values):
                        if value:
                            total[i] += value
    return codes, totals


@contextmanager
def _counting() -> Iterator[None]:
    """A transaction for the aggregate queries; on PostgreSQL without JIT compilation.

    Each aggregate scans a few hundred thousand facts at most; compiling it (30–100 ms a query) costs more than
    it saves, and a year of every kind runs ~60 of them.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _fetch(queryset: QuerySet) -> list[tuple[Any, ...]]:
    """The rows of a `values(…).annotate(…)` queryset as tuples in its column order, through a raw cursor
    (no per-row converters: NULL sums stay None for the caller)."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. restricted to no subject at all
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _add_rows(
    group: dict[int, list[int]], rows: list[tuple[Any, ...]], targets: list[int], width: int, sign: int
) -> None:
    """Add (sign 1) or subtract (-1) each row's aggregates (columns 1…) to its subject's counters."""
    pairs = list(enumerate(targets, start=1))
    for row in rows:
        values = group.get(row[0])
        if values is None:
            values = group[row[0]] = [0] * width
        for col, target in pairs:
            value = row[col]
            if value:
                values[target] += value if sign > 0 else -value


def grid_counts(kind: str) -> dict[int, int]:
    """Region id → unit grids inside it, for the community, street and district kinds."""
    if kind == SubjectKind.GRID:
        return defaultdict(lambda: 1)
    ancestor = GRID_ANCESTOR.get(kind)
    if ancestor is None:
        return {}
    rows = Region.objects.filter(level=Level.GRID).order_by().values(ancestor).annotate(n=Count("pk"))
    return {row[ancestor]: row["n"] for row in rows if row[ancestor] is not None}
