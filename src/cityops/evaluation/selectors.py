"""Reads of the comprehensive evaluation (综合评价): results per subject, drill-down to cases, snapshots.

Every number comes from `CaseFact` through grouped conditional aggregates (`Count(filter=…)`,
`Sum(filter=…)`), one query per (attribution, period) group of a kind's counters — never a Python loop over
cases — so a year of a large city stays a handful of scans. Who may see which subjects:

- administrators: every subject;
- leaders, shift leaders, dispatchers and acceptors: regions and staff inside their region scope, the
  departments inside their department scope (or, without one, the departments whose region lies inside
  their region scope);
- handlers: their own department and its sub-units (department kind only);
- inspectors: their own row (inspector kind only);
- anybody else: 403. A subject outside the caller's scope is 404 for the drill-down.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case
from cityops.cases.scope import case_scope_q
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.core.permissions import ensure_path_visible, is_platform_admin, region_scope_q
from cityops.evaluation.counters import COUNTERS, REGION_KINDS, SUBJECT_EXPRESSIONS, USER_KINDS
from cityops.evaluation.facts import case_facts_refresh
from cityops.evaluation.kinds import RATE_METHODS
from cityops.evaluation.models import CaseFact, ScoringMethod, Snapshot, SubjectKind
from cityops.evaluation.rollups import FACTS as ROLLUP_FACTS
from cityops.evaluation.rollups import SLOT_OF as ROLLUP_SLOTS
from cityops.evaluation.rollups import expand_grid_rows, grid_inspector_map, rollup_rows
from cityops.evaluation.rollups import period_split as rollup_period_split
from cityops.evaluation.scheme import (
    GradeDef,
    IndicatorDef,
    grades_from_dicts,
    indicators_from_dicts,
    scheme_load,
)
from cityops.geo.models import Level, Region
from cityops.org.models import Department, Role, User

MAX_PERIOD_DAYS = 366
# Dates any city's records fit in: near year 1 or 9999 the day after a period, or its month's end, overflows
# Python's dates (a 500). The statistics (`analytics.params`) accept the same range.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
# Below this many visible subjects the aggregates are restricted to them (an inspector, a department).
SMALL_SCOPE = 200
BROAD_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR)
# The grid's ancestor of each region level (grid → community → street → district).
GRID_ANCESTOR = {SubjectKind.COMMUNITY: "parent_id", SubjectKind.STREET: "parent__parent_id",
                 SubjectKind.DISTRICT: "parent__parent__parent_id"}


@dataclass
class ResultRow:
    """One subject's counters, indicator values and scores, composite score, grade and rank."""

    subject_id: int
    code: str
    name: str
    counters: dict[str, int]
    values: dict[str, float | None]
    scores: dict[str, float | None]
    composite: float | None
    grade: str
    grade_colour: str
    rank: int | None = None


@dataclass
class SnapshotInfo:
    id: int
    month: dt.date
    published_at: dt.datetime
    published_by: str
    evaluated_at: dt.datetime


@dataclass
class EvaluationResult:
    """The evaluation of one subject kind for a period: definitions and ranked rows."""

    kind: str
    start: dt.date
    end: dt.date
    indicators: list[IndicatorDef]
    rows: list[ResultRow]
    generated_at: dt.datetime
    grades: list[GradeDef] = field(default_factory=list)
    counters: list[tuple[str, str]] = field(default_factory=list)
    snapshot: SnapshotInfo | None = None
    region: str | None = None


# --- input ------------------------------------------------------------------------------------------------


def parse_kind(kind: str) -> str:
    """The subject kind, or 422 naming `kind`."""
    if kind not in SubjectKind.values:
        raise InvalidInput(_("Unknown subject kind %(kind)r; use one of: %(choices)s.")
                           % {"kind": kind, "choices": ", ".join(SubjectKind.values)}, field="kind")
    return kind


def parse_date(value: str | dt.date | None, name: str) -> dt.date:
    """A date from "YYYY-MM-DD" (or a date), or 422 naming the field."""
    if isinstance(value, dt.date):
        return _in_range(value, name)
    try:
        day = dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise InvalidInput(_("%(name)s must be a date like 2026-03-01.") % {"name": name}, field=name) from None
    return _in_range(day, name)


def parse_month(value: str | dt.date | None, name: str = "month") -> dt.date:
    """The first day of a month given as "YYYY-MM" (or a date in it), or 422 naming the field."""
    if isinstance(value, dt.date):
        return _in_range(value.replace(day=1), name)
    try:
        month = dt.date.fromisoformat(f"{value}-01") if value and len(str(value)) == 7 else _bad_month(name)
    except ValueError:
        return _bad_month(name)
    return _in_range(month, name)


def _bad_month(name: str) -> dt.date:
    raise InvalidInput(_("%(name)s must be a month like 2026-03.") % {"name": name}, field=name)


def _in_range(day: dt.date, name: str) -> dt.date:
    """`day`, or 422 naming the field when it lies outside EARLIEST_DAY–LATEST_DAY."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(_("%(name)s must lie between %(first)s and %(last)s.")
                           % {"name": name, "first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()},
                           field=name)
    return day


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of `month`."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def last_month(today: dt.date | None = None) -> dt.date:
    """The first day of the month before `today` (the default evaluation period)."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def check_period(start: dt.date, end: dt.date) -> None:
    """Refuse (422) a period that ends before it starts, is longer than a year (366 days) or lies outside
    EARLIEST_DAY–LATEST_DAY."""
    _in_range(start, "start")
    _in_range(end, "end")
    if start > end:
        raise InvalidInput(_("The period starts after it ends."), field="start")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(_("A period may be at most %(n)d days long.") % {"n": MAX_PERIOD_DAYS}, field="end")


def resolve_period(*, start: str | dt.date | None = None, end: str | dt.date | None = None,
                   month: str | dt.date | None = None) -> tuple[dt.date, dt.date]:
    """[start, end] from a month ("2026-03") or a start and an end date; last month when none is given (422 on
    a bad date, a period ending before it starts or one longer than 366 days)."""
    if month:
        first, last = month_bounds(parse_month(month))
    elif start or end:
        first, last = parse_date(start, "start"), parse_date(end, "end")
    else:
        first, last = month_bounds(last_month())
    check_period(first, last)
    return first, last


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the local time zone."""
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    stop = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    return begin, stop


# --- who sees which subjects --------------------------------------------------------------------------------


def viewer_mode(user: Any, kind: str) -> str:
    """"all", "scope", "department" or "self" for `user` evaluating `kind`; 403 when they may not."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Authentication required."))
    if is_platform_admin(user):
        return "all"
    if user.has_role(*BROAD_ROLES):
        return "scope"
    if user.has_role(Role.HANDLER) and kind == SubjectKind.DEPARTMENT:
        return "department"
    if user.has_role(Role.INSPECTOR) and kind == SubjectKind.INSPECTOR:
        return "self"
    raise Forbidden(_("You may not see this evaluation."))


def subject_querysets(user: Any, kind: str, region: Region | None = None) -> tuple[QuerySet, QuerySet]:
    """(subjects listed even without activity, subjects the user may see) of `kind` for `user`."""
    mode = viewer_mode(user, kind)
    if kind in USER_KINDS:
        visible = User.objects.filter(pk=user.pk) if mode == "self" else User.objects.filter(
            region_scope_q(user, "scope_region__path") if mode == "scope" else Q())
        if region is not None:
            visible = visible.filter(scope_region__path__startswith=region.path)
        return visible.filter(role_assignments__role=kind, is_active=True).distinct(), visible
    if kind == SubjectKind.DEPARTMENT:
        visible = Department.objects.filter(_department_q(user, mode))
        if region is not None:
            visible = visible.filter(region__path__startswith=region.path)
        return visible.filter(is_active=True), visible
    visible = Region.objects.filter(level=Level(kind)).filter(region_scope_q(user) if mode == "scope" else Q())
    if region is not None:
        visible = visible.filter(path__startswith=region.path)
    return visible, visible


def _department_q(user: Any, mode: str) -> Q:
    if mode == "all":
        return Q()
    scoped = getattr(user, "scope_department", None)
    if mode == "department":
        paths = [d.path for d in (user.department, scoped) if d is not None]
        return _any_prefix("path", paths)
    if scoped is not None:
        return Q(path__startswith=scoped.path)
    return region_scope_q(user, "region__path")


def _any_prefix(field_name: str, paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


def _region_filter(user: Any, code: str | None) -> Region | None:
    """The region `code` narrowing the subjects (404 when unknown or outside the user's scope)."""
    if not code:
        return None
    # A NUL byte cannot be in any code, and PostgreSQL refuses it in a query (a 500): not found.
    region = Region.objects.filter(code=code).first() if "\x00" not in code else None
    if region is None:
        raise NotFound(_("Region not found."))
    ensure_path_visible(user, region.path, what="Region")
    return region


def _describe(kind: str, objects: QuerySet) -> dict[int, tuple[str, str]]:
    """subject id → (code, name)."""
    if kind in USER_KINDS:
        return {pk: (username, full_name or username)
                for pk, username, full_name in objects.values_list("pk", "username", "full_name")}
    return {pk: (code, name) for pk, code, name in objects.values_list("pk", "code", "name")}


# --- counting -------------------------------------------------------------------------------------------------


def evaluation_counts(kind: str, start: dt.date, end: dt.date, *, now: dt.datetime,
                      subject_ids: list[int] | None = None, rollups: bool = True) -> dict[int, dict[str, int]]:
    """subject id → counter → value, for every subject with a case in the period (grouped aggregates).

    Months with a fresh rollup (`evaluation.rollups`) read their settled facts' sums from it and count only
    their open facts live (an edge month mostly inside the period: minus its settled facts outside); other edge
    months and stale months are counted live. `rollups` False counts everything live (the reference).
    """
    codes, vectors = counter_vectors(kind, start, end, now=now, subject_ids=subject_ids, rollups=rollups)
    counted = [i for i, code in enumerate(codes) if COUNTERS[kind][code].parts]
    return {subject_id: {codes[i]: values[i] for i in counted} for subject_id, values in vectors.items()}


def counter_vectors(kind: str, start: dt.date, end: dt.date, *, now: dt.datetime,
                    subject_ids: list[int] | None = None,
                    rollups: bool = True) -> tuple[list[str], dict[int, list[int]]]:
    """(the counter codes of `kind`, subject id → their values in that order): `evaluation_counts` as lists.

    Lists, raw cursors and column maps computed once per call: a year of the grid kind merges ~100 k aggregate
    rows, where per-row dicts and Django's converters cost several times the queries.
    """
    begin, stop = _bounds(start, end)
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
            aggregates = {name: Count("pk", filter=part.where(now)) if part.total is None
                          else Sum(part.total, filter=part.where(now)) for name, _code, part in parts}
            group: dict[int, list[int]] = {}
            # The grid inspectors' facts are grouped per grid and expanded to the grids' inspectors in Python.
            expression, ids, inspectors = SUBJECT_EXPRESSIONS[subject], subject_ids, None
            if subject == "grid_inspector":
                inspectors = grid_inspector_map(subject_ids)
                expression, ids = F("grid_id"), list(inspectors) if subject_ids is not None else None
            facts = CaseFact.objects.filter(split.live_q(period)).annotate(subject=expression).filter(
                subject__isnull=False)
            if ids is not None:
                facts = facts.filter(subject__in=ids)
            rows = _fetch(facts.order_by().values("subject").annotate(**aggregates))
            _add_rows(group, rows if inspectors is None else expand_grid_rows(rows, inspectors), targets, width, 1)
            # A subject is listed when it has a fact in the period, as when everything is counted live.
            present = set(group)
            facts_in: dict[int, int] = defaultdict(int)
            if split.minus_ranges:  # an edge month read whole from its rollup: take its settled facts outside away
                outside = CaseFact.objects.filter(split.minus_q(period)).annotate(subject=expression).filter(
                    subject__isnull=False)
                if ids is not None:
                    outside = outside.filter(subject__in=ids)
                rows = _fetch(outside.order_by().values("subject").annotate(**aggregates, rollup_facts=Count("pk")))
                if inspectors is not None:
                    rows = expand_grid_rows(rows, inspectors)
                _add_rows(group, rows, targets, width, -1)
                for row in rows:
                    facts_in[row[0]] -= row[-1] or 0
            if split.rolled:
                slots = [ROLLUP_SLOTS[(kind, code, int(name.rsplit("__", 1)[1]))] for name, code, _part in parts]
                names = list(dict.fromkeys(slot.name for slot in slots))
                column = {n: i for i, n in enumerate(names, start=1)}
                rows = rollup_rows(subject, period, split.spans, [*names, ROLLUP_FACTS], subject_ids, inspectors)
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


def _add_rows(group: dict[int, list[int]], rows: list[tuple[Any, ...]], targets: list[int], width: int,
              sign: int) -> None:
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


def score_rows(kind: str, subjects: dict[int, tuple[str, str]], counts: dict[int, list[int]],
               indicators: list[IndicatorDef], grades: list[GradeDef]) -> list[ResultRow]:
    """Rows with values, scores, composite and grade for `subjects`, ranked (ties share a rank).

    `counts` holds each subject's counters in `COUNTERS[kind]` order (`counter_vectors`). The arithmetic is
    `scheme.indicator_value`, `indicator_score`, `composite` and `grade_of` inlined with the indicators'
    definitions looked up once: the grid kind scores ~47 k subjects.
    """
    codes = list(COUNTERS[kind])
    grids = grid_counts(kind) if "grids" in COUNTERS[kind] else None
    zero = [0] * len(codes)
    # Per indicator a value → score memo: the values repeat (1.0, 0.0, a few cases per grid) across subjects.
    plan = [(ind.code, ind.method, ind.numerator, ind.denominator, ind.weight, _bins_best_first(ind.bins), {})
            for ind in indicators]
    has_rates = any(ind.method in RATE_METHODS for ind in indicators)
    bands = sorted(grades, key=lambda g: -g.lower)
    rounded: dict[float, float] = {}
    rate, inverse, bins_method = str(ScoringMethod.RATE), str(ScoringMethod.INVERSE_RATE), str(ScoringMethod.BINS)
    rows = []
    for subject_id, (code, name) in subjects.items():
        vector = counts.get(subject_id) or zero
        counters = dict(zip(codes, vector, strict=True))
        if grids is not None:
            counters["grids"] = grids.get(subject_id, 0)
        values: dict[str, float | None] = {}
        scores: dict[str, float | None] = {}
        weights: list[float] = []
        products: list[float] = []
        rate_applies = False
        for ind_code, method, numerator, denominator, weight, bins, memo in plan:
            top = counters.get(numerator, 0)
            if method == bins_method and not denominator:
                value: float | None = float(top)
            else:
                divisor = counters.get(denominator, 0)
                value = top / divisor if divisor else None
            values[ind_code] = value
            if value is None:
                scores[ind_code] = None
                continue
            if method != bins_method:
                rate_applies = True
            score = memo.get(value)
            if score is None:
                if method == rate:
                    score = round(max(0.0, min(100.0, value * 100)), 4)
                elif method == inverse:
                    score = round(max(0.0, min(100.0, (1 - value) * 100)), 4)
                else:
                    score = next((float(s) for lower, s in bins if value >= lower), 0.0)
                memo[value] = score
            scores[ind_code] = score
            weights.append(weight)
            products.append(weight * score)
        total = None
        # Unranked without activity: a rate that applies, or (a scheme of bins only) a case counted.
        if (rate_applies if has_rates else any(vector)) and products:
            weight_sum = sum(weights)
            if weight_sum > 0:
                raw = sum(products) / weight_sum
                total = rounded.get(raw)
                if total is None:
                    total = rounded[raw] = _round2(raw)
        band = next((b for b in bands if total >= b.lower), None) if total is not None else None
        rows.append(ResultRow(subject_id, code, name, counters, values, scores, total,
                              band.grade if band else "", band.colour_hex if band else ""))
    return rank_rows(rows)


def _bins_best_first(bins: list[list[Any]]) -> list[tuple[float, Any]]:
    """(lower, score) by falling lower bound: the first not above a value is `scheme.bin_score`'s bin."""
    return sorted(((lower, score) for lower, _upper, score in bins), key=lambda b: -b[0])


def _round2(raw: float) -> float:
    """`scheme.composite`'s rounding: half up to 2 decimals, from the repr."""
    return float(Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rank_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """Best composite first; equal composites share a rank (1, 1, 3); rows without a composite have none."""
    rows.sort(key=lambda r: (r.composite is None, -(r.composite or 0), r.code))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.composite is None:
            row.rank = None
            continue
        if row.composite != previous:
            rank, previous = position, row.composite
        row.rank = rank
    return rows


# --- public selectors -------------------------------------------------------------------------------------------


def evaluation_run(*, user: Any, kind: str, start: dt.date, end: dt.date, region: str | None = None,
                   now: dt.datetime | None = None) -> EvaluationResult:
    """Evaluate (综合评价) the subjects of `kind` the user may see for [start, end], live from the case facts."""
    kind = parse_kind(kind)
    check_period(start, end)
    area = _region_filter(user, region)
    listed, visible = subject_querysets(user, kind, area)
    case_facts_refresh()
    now = now or timezone.now()
    indicators, grades = scheme_load(kind)
    visible_ids = list(visible.values_list("pk", flat=True)[:SMALL_SCOPE + 1])
    restrict = visible_ids if len(visible_ids) <= SMALL_SCOPE else None
    _codes, counts = counter_vectors(kind, start, end, now=now, subject_ids=restrict)
    subjects = _describe(kind, listed)
    extra = set(counts) - set(subjects)
    if extra:
        subjects.update(_describe(kind, visible.filter(pk__in=extra)))
    rows = score_rows(kind, subjects, counts, indicators, grades)
    return EvaluationResult(kind, start, end, indicators, rows, now, grades, _counter_labels(kind), None, region)


def evaluation_compute_all(*, kind: str, start: dt.date, end: dt.date, now: dt.datetime) -> EvaluationResult:
    """Every subject of `kind` (no viewer scope): what a published snapshot freezes."""
    case_facts_refresh()
    indicators, grades = scheme_load(kind)
    _codes, counts = counter_vectors(kind, start, end, now=now)
    if kind in USER_KINDS:
        listed = User.objects.filter(Q(role_assignments__role=kind, is_active=True) | Q(pk__in=list(counts)))
    elif kind == SubjectKind.DEPARTMENT:
        listed = Department.objects.filter(Q(is_active=True) | Q(pk__in=list(counts)))
    else:
        listed = Region.objects.filter(level=Level(kind))
    rows = score_rows(kind, _describe(kind, listed.distinct()), counts, indicators, grades)
    return EvaluationResult(kind, start, end, indicators, rows, now, grades, _counter_labels(kind))


def _counter_labels(kind: str) -> list[tuple[str, str]]:
    return [(code, str(c.label)) for code, c in COUNTERS[kind].items()]


def evaluation_drilldown(*, user: Any, kind: str, subject_id: int, counter: str, start: dt.date, end: dt.date,
                         now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases behind one count of one subject (drill down from a score to its cases), newest first."""
    kind = parse_kind(kind)
    check_period(start, end)
    definition = COUNTERS[kind].get(counter)
    if definition is None or not definition.parts:
        raise InvalidInput(_("Unknown case counter %(counter)r for %(kind)s; use one of: %(choices)s.") % {
            "counter": counter, "kind": kind,
            "choices": ", ".join(c for c, d in COUNTERS[kind].items() if d.parts)}, field="counter")
    _listed, visible = subject_querysets(user, kind)
    if not visible.filter(pk=subject_id).exists():
        raise NotFound(_("Subject not found."))
    case_facts_refresh()
    now = now or timezone.now()
    begin, stop = _bounds(start, end)
    q = Q(pk__in=[])
    for part in definition.parts:
        facts = CaseFact.objects.filter(**{f"{definition.period}__gte": begin, f"{definition.period}__lt": stop})
        facts = facts.annotate(subject=SUBJECT_EXPRESSIONS[part.subject]).filter(part.where(now), subject=subject_id)
        q |= Q(pk__in=facts.values("case_id"))
    return (Case.objects.filter(q).filter(case_scope_q(user))
            .select_related("catalog_class", "urgency", "department", "handling_unit")
            .order_by("-reported_at", "-id"))


def evaluation_results(*, user: Any, kind: str, start: dt.date, end: dt.date,
                       region: str | None = None) -> EvaluationResult:
    """The published snapshot when [start, end] is exactly a published month, otherwise a live evaluation."""
    kind = parse_kind(kind)
    check_period(start, end)
    if start.day == 1 and month_bounds(start) == (start, end):
        snapshot = Snapshot.objects.filter(kind=kind, month=start).first()
        if snapshot is not None:
            return snapshot_result(user=user, snapshot=snapshot, region=region)
    return evaluation_run(user=user, kind=kind, start=start, end=end, region=region)


def snapshot_result(*, user: Any, snapshot: Snapshot, region: str | None = None) -> EvaluationResult:
    """A published snapshot as a result, with only the rows of subjects the user may see (published ranks kept)."""
    area = _region_filter(user, region)
    _listed, visible = subject_querysets(user, snapshot.kind, area)
    scheme = snapshot.scheme
    rows = snapshot.rows.all()
    if not (is_platform_admin(user) and area is None):
        rows = rows.filter(subject_id__in=visible.values("pk"))
    result_rows = [
        ResultRow(r.subject_id, r.subject_code, r.subject_name, r.counters,
                  {k: v["value"] for k, v in r.scores.items()}, {k: v["score"] for k, v in r.scores.items()},
                  float(r.composite) if r.composite is not None else None, r.grade,
                  _colour(scheme, r.grade), r.rank)
        for r in rows.order_by("rank", "subject_code")
    ]
    result_rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    info = SnapshotInfo(snapshot.pk, snapshot.month, snapshot.published_at, snapshot.published_by_label,
                        snapshot.evaluated_at)
    return EvaluationResult(snapshot.kind, snapshot.start, snapshot.end,
                            indicators_from_dicts(scheme.get("indicators", [])), result_rows, snapshot.evaluated_at,
                            grades_from_dicts(scheme.get("grades", [])),
                            [tuple(c) for c in scheme.get("counters", [])], info, region)


def _colour(scheme: dict[str, Any], grade: str) -> str:
    return next((g["colour_hex"] for g in scheme.get("grades", []) if g["grade"] == grade), "")


def snapshot_list(*, user: Any, kind: str | None = None) -> QuerySet[Snapshot]:
    """Published snapshots (any authenticated staff with an evaluation role may list them), newest first."""
    if kind:
        kind = parse_kind(kind)
        viewer_mode(user, kind)
    elif not (is_platform_admin(user) or user.has_role(*BROAD_ROLES, Role.HANDLER, Role.INSPECTOR)):
        raise Forbidden(_("You may not see this evaluation."))
    snapshots = Snapshot.objects.annotate(row_count=Count("rows")).order_by("-month", "kind")
    return snapshots.filter(kind=kind) if kind else snapshots


def snapshot_get(*, user: Any, snapshot_id: int) -> Snapshot:
    """One published snapshot, or 404; 403 when the user may not see its kind."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        raise NotFound(_("Snapshot not found."))
    viewer_mode(user, snapshot.kind)
    return snapshot


def visible_kinds(user: Any) -> list[str]:
    """The subject kinds `user` may evaluate (for the page's tabs)."""
    kinds = []
    for kind in SubjectKind.values:
        try:
            viewer_mode(user, kind)
        except Forbidden:
            continue
        kinds.append(kind)
    return kinds


def is_region_kind(kind: str) -> bool:
    return kind in REGION_KINDS


# --- shapes (API, pages, exports) ------------------------------------------------------------------------------


def counters_as_dicts(kind: str) -> list[dict[str, Any]]:
    """The counter vocabulary of `kind` with each part's predicate in words."""
    return [{"code": code, "label": str(c.label), "period": c.period,
             "predicate": [p.text for p in c.parts] or ["unit grids inside the region (not a case count)"]}
            for code, c in COUNTERS[kind].items()]


def scheme_as_dict(*, user: Any, kind: str | None = None) -> dict[str, Any]:
    """The current scheme: per kind its indicators and counters, and the grade bands."""
    kinds = [parse_kind(kind)] if kind else visible_kinds(user)
    if kind:
        viewer_mode(user, kind)
    entries, grades = [], []
    for k in kinds:
        indicators, grades = scheme_load(k)
        entries.append({"kind": k, "label": str(SubjectKind(k).label), "indicators": [i.as_dict() for i in indicators],
                        "counters": counters_as_dicts(k)})
    if not kinds:
        raise Forbidden(_("You may not see this evaluation."))
    return {"kinds": entries, "grades": [g.as_dict() for g in grades]}


def snapshot_as_dict(snapshot: Snapshot, rows: int | None = None) -> dict[str, Any]:
    return {"id": snapshot.pk, "kind": snapshot.kind, "month": f"{snapshot.month:%Y-%m}", "start": snapshot.start,
            "end": snapshot.end, "evaluated_at": snapshot.evaluated_at, "published_at": snapshot.published_at,
            "published_by": snapshot.published_by_label,
            "rows": rows if rows is not None else getattr(snapshot, "row_count", None) or snapshot.rows.count()}


def result_as_dict(result: EvaluationResult) -> dict[str, Any]:
    """A result as plain data (the API's shape)."""
    snapshot = None
    if result.snapshot is not None:
        snapshot = snapshot_as_dict(Snapshot.objects.get(pk=result.snapshot.id), rows=len(result.rows))
    labels = dict(result.counters)
    counters = [dict(c, label=labels.get(c["code"], c["label"])) for c in counters_as_dicts(result.kind)
                if c["code"] in labels]
    return {
        "kind": result.kind, "start": result.start, "end": result.end, "generated_at": result.generated_at,
        "region": result.region, "published": result.snapshot is not None, "snapshot": snapshot,
        "indicators": [i.as_dict() for i in result.indicators], "grades": [g.as_dict() for g in result.grades],
        "counters": counters,
        "rows": [{"rank": r.rank, "subject_id": r.subject_id, "code": r.code, "name": r.name, "counters": r.counters,
                  "values": r.values, "scores": r.scores, "composite": r.composite, "grade": r.grade,
                  "grade_colour": r.grade_colour} for r in result.rows],
    }
