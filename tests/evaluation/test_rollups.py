"""Monthly rollups of settled facts (evaluation.rollups): the same numbers as counting every fact live, faster.

Every comparison evaluates a kind twice — with the rollups and with `rollups=False` (everything live) — for whole
months, several months and periods with partial months at either edge.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from cityops.cases import services as s
from cityops.cases.models import CaseState
from cityops.demo.seeding import seed_cases
from cityops.evaluation import rollups
from cityops.evaluation.counters import COUNTERS, overdue
from cityops.evaluation.counting import evaluation_counts
from cityops.evaluation.facts import case_facts_rebuild_all, case_facts_refresh
from cityops.evaluation.models import CaseFact, FactRollup, FactRollupMonth, SubjectKind
from cityops.evaluation.params import period_bounds
from cityops.evaluation.rollups import fact_rollups_refresh, month_range, period_split
from tests.cases.workflow_cast import drive
from tests.evaluation.histories import NOW, T3

KINDS = SubjectKind.values
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
MARCH_PERIODS = [MARCH, (dt.date(2026, 1, 1), dt.date(2026, 4, 30)), (dt.date(2026, 3, 2), dt.date(2026, 3, 31)),
                 (dt.date(2026, 2, 15), dt.date(2026, 4, 10)), (dt.date(2026, 3, 1), dt.date(2026, 3, 3)),
                 (dt.date(2026, 3, 3), dt.date(2026, 3, 31))]  # the rollup minus 1–2 March: subjects of T only drop


def plain(counts: dict[int, dict[str, int]]) -> dict[int, dict[str, int]]:
    return {subject: dict(values) for subject, values in counts.items()}


def assert_same(kind: str, start: dt.date, end: dt.date, now: dt.datetime, subject_ids: list[int] | None = None):
    rolled = plain(evaluation_counts(kind, start, end, now=now, subject_ids=subject_ids))
    live = plain(evaluation_counts(kind, start, end, now=now, subject_ids=subject_ids, rollups=False))
    assert rolled == live, (kind, start, end)
    return rolled


def rolled_months(period: str, start: dt.date, end: dt.date) -> list[dt.date]:
    return period_split(period, *period_bounds(start, end)).rolled


def test_settled_facts_do_not_depend_on_the_evaluation_moment(cast, march):
    # The only now-dependent predicate is `overdue`, and it excludes closed and voided cases.
    assert "NOT (AND: ('state__in', [CaseState.CLOSED, CaseState.VOIDED]))" in str(overdue(NOW))
    case_facts_refresh()
    settled = CaseFact.objects.filter(state__in=["closed", "voided"])
    moments = (T3 - timedelta(days=400), T3, NOW, NOW + timedelta(days=400))
    for kind in KINDS:
        for counter in COUNTERS[kind].values():
            for part in counter.parts:
                kept = {frozenset(settled.filter(part.where(m)).values_list("pk", flat=True)) for m in moments}
                assert len(kept) == 1, (kind, counter.code)
                if str(part.where(T3)) != str(part.where(NOW)):
                    assert "open_deadline" in str(part.where(NOW)), (kind, counter.code)


def test_the_layout_fits_the_rollup_columns_and_gives_every_part_one_column():
    for (_subject, _period), slots in rollups.LAYOUT.items():
        assert [s.column for s in slots] == list(range(len(slots)))
        assert len(slots) <= rollups.COLUMNS
    parts = sum(len(c.parts) for counters in COUNTERS.values() for c in counters.values())
    assert len(rollups.SLOT_OF) == parts


@pytest.mark.parametrize("kind", KINDS)
def test_rollups_give_the_live_numbers_of_the_hand_built_march(cast, march, kind):
    case_facts_refresh()
    assert fact_rollups_refresh() >= 2
    assert rolled_months("registered_at", *MARCH) == [dt.date(2026, 3, 1)]
    for start, end in MARCH_PERIODS:
        for now in (NOW, T3, NOW + timedelta(days=365)):
            assert_same(kind, start, end, now)


def test_the_open_cases_of_a_rolled_up_month_are_counted_live(cast, march):
    case_facts_refresh()
    fact_rollups_refresh()
    counts = assert_same("department", *MARCH, NOW)
    east = counts[cast["dept_east"].pk]
    # H (overdue, open) and G (suspended) are not in the rollup, yet they count.
    assert (east["overdue_open"], east["suspended"], east["registered"]) == (1, 1, 8)
    assert not FactRollup.objects.filter(subject="department", c00__gt=8).exists()


def test_a_rollup_is_read_for_a_fresh_month(cast, march):
    case_facts_refresh()
    fact_rollups_refresh()
    dept = cast["dept_east"].pk
    FactRollup.objects.filter(period="registered_at", subject="department", subject_id=dept).update(c00=100)
    assert evaluation_counts("department", *MARCH, now=NOW)[dept]["registered"] == 100 + 2  # + G and H, live
    assert evaluation_counts("department", *MARCH, now=NOW, rollups=False)[dept]["registered"] == 8


def test_a_case_settled_after_the_rollup_makes_its_month_stale_until_the_refresh(cast, march):
    case_facts_refresh()
    fact_rollups_refresh()
    h = march["H"]
    drive(s.case_handle(case=h, actor=cast["handler"], version=h.version, result="清运完毕", at=T3), cast,
          CaseState.CLOSED, at=T3)
    case_facts_refresh()
    assert rolled_months("registered_at", *MARCH) == []  # stale: counted live, still right
    before = assert_same("department", *MARCH, NOW)
    assert before[cast["dept_east"].pk]["closed"] == 7
    assert fact_rollups_refresh() >= 1
    assert rolled_months("registered_at", *MARCH) == [dt.date(2026, 3, 1)]
    assert assert_same("department", *MARCH, NOW) == before
    assert fact_rollups_refresh() == 0  # nothing changed since: nothing rebuilt


def test_a_change_of_the_counters_layout_invalidates_the_old_rollups(cast, march, monkeypatch):
    case_facts_refresh()
    fact_rollups_refresh()
    FactRollup.objects.filter(subject="department").update(c00=100)  # wrong on purpose: proves what is read
    monkeypatch.setattr(rollups, "LAYOUT_HASH", "another-layout")
    assert rolled_months("registered_at", *MARCH) == []
    assert_same("department", *MARCH, NOW)
    assert fact_rollups_refresh() >= 2  # a new layout rebuilds every month
    assert set(FactRollupMonth.objects.values_list("layout", flat=True)) == {"another-layout"}
    assert rolled_months("registered_at", *MARCH) == [dt.date(2026, 3, 1)]
    assert assert_same("department", *MARCH, NOW)[cast["dept_east"].pk]["registered"] == 8


def test_grid_inspectors_are_read_through_the_current_assignment(cast, march, city):
    case_facts_refresh()
    fact_rollups_refresh()
    inspector, successor = cast["inspector"], cast["dispatcher"]
    city.grids[0].inspectors.remove(inspector)
    city.grids[0].inspectors.add(successor)
    counts = assert_same("inspector", *MARCH, NOW)
    assert counts[successor.pk]["grid_registered"] == 8 and counts[inspector.pk].get("grid_registered", 0) == 0


def test_a_full_rebuild_of_the_facts_rolls_every_month_up_again(cast, march):
    case_facts_refresh()
    fact_rollups_refresh()
    first = FactRollupMonth.objects.get(period="registered_at", month=dt.date(2026, 3, 1)).as_of
    case_facts_rebuild_all()
    again = FactRollupMonth.objects.get(period="registered_at", month=dt.date(2026, 3, 1)).as_of
    assert again > first
    assert rolled_months("registered_at", *MARCH) == [dt.date(2026, 3, 1)]
    for kind in KINDS:
        assert_same(kind, *MARCH, NOW)


def test_the_rollup_command_builds_every_month(cast, march):
    out = StringIO()
    call_command("evaluation_rollup", stdout=out)
    assert "monthly rollups built" in out.getvalue()
    assert FactRollupMonth.objects.filter(period="reported_at", month=dt.date(2026, 3, 1)).exists()
    call_command("evaluation_rollup", "--changed", stdout=out)
    assert "0 monthly rollups built" in out.getvalue()


def test_an_edge_month_mostly_inside_the_period_is_its_rollup_minus_the_days_outside(cast, march):
    case_facts_refresh()
    fact_rollups_refresh()
    split = period_split("reported_at", *period_bounds(dt.date(2026, 3, 3), dt.date(2026, 3, 31)))
    assert split.rolled == [dt.date(2026, 3, 1)] and split.minus_ranges
    counts = assert_same("inspector", dt.date(2026, 3, 3), dt.date(2026, 3, 31), NOW)
    assert cast["acceptor"].pk not in counts  # its only report (I) is of 2 March


def test_a_month_without_a_rollup_is_counted_live(cast, march):
    assert rolled_months("registered_at", *MARCH) == []
    assert_same("shift_leader", *MARCH, NOW)


# --- a random seeded history over several months ---------------------------------------------------------------


@pytest.fixture
def seeded(city):
    now = timezone.now()
    seed_cases(count=240, open_count=30, seed=7, days=100, batch=100, now=now)
    # The seeder writes facts directly: a full rollup afterwards, as `cityops evaluation-rollup` does.
    fact_rollups_refresh(full=True)
    return now


def _periods(now: dt.datetime) -> list[tuple[dt.date, dt.date]]:
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    earlier = (previous - timedelta(days=1)).replace(day=1)
    return [
        (earlier, previous - timedelta(days=1)),  # one whole month
        (earlier.replace(day=1) - timedelta(days=45), this_month - timedelta(days=1)),  # edges + whole months
        (earlier, today),  # whole months and the current (partial) month
        (earlier + timedelta(days=3), previous + timedelta(days=9)),  # no whole month at all
        (today - timedelta(days=120), today),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_rollups_give_the_live_numbers_of_a_seeded_history(seeded, kind):
    assert CaseFact.objects.filter(state__in=["closed", "voided"]).count() >= 200
    assert FactRollupMonth.objects.filter(period="registered_at").count() >= 3
    assert rolled_months("registered_at", *_periods(seeded)[0]) and rolled_months("reported_at", *_periods(seeded)[1])
    for start, end in _periods(seeded):
        for now in (seeded, seeded + timedelta(days=30)):
            assert_same(kind, start, end, now)


def test_rollups_restricted_to_a_few_subjects_give_the_live_numbers(seeded):
    from cityops.evaluation.models import CaseFact as F

    start, end = _periods(seeded)[1]
    assert rolled_months("registered_at", start, end)
    departments = list(F.objects.exclude(department=None).values_list("department_id", flat=True).distinct()[:2])
    inspectors = list(F.objects.exclude(reporter=None).values_list("reporter_id", flat=True).distinct()[:3])
    assert_same("department", start, end, seeded, departments)
    assert_same("inspector", start, end, seeded, inspectors)


def test_month_ranges_follow_the_installation_time_zone():
    begin, stop = month_range(dt.date(2026, 3, 1))
    assert (begin.isoformat(), stop.isoformat()) == ("2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00")


# --- quarters and years (summed from the months) ------------------------------------------------------------------


@pytest.fixture
def seeded_years(city):
    now = timezone.make_aware(dt.datetime(2026, 2, 10, 12, 0))
    seed_cases(count=300, open_count=20, seed=11, days=420, batch=150, now=now)
    fact_rollups_refresh(full=True)
    return now


def rolled_spans(period: str, start: dt.date, end: dt.date) -> list[tuple[int, dt.date]]:
    return period_split(period, *period_bounds(start, end)).spans


YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
SPAN_PERIODS = [
    YEAR_2025,  # one year row
    (dt.date(2025, 4, 1), dt.date(2025, 9, 30)),  # two quarters
    (dt.date(2025, 2, 12), dt.date(2026, 2, 9)),  # a rolling year: edges, months, quarters
    (dt.date(2025, 1, 1), dt.date(2025, 12, 20)),  # quarters, months and a partial month read from its rollup
    (dt.date(2025, 5, 1), dt.date(2025, 6, 30)),  # whole months of one quarter, not the quarter
    (dt.date(2025, 3, 5), dt.date(2025, 7, 3)),  # partial months around a quarter
]


def test_whole_years_and_quarters_are_read_from_their_own_rows(seeded_years):
    y = dt.date
    assert rolled_spans("registered_at", *YEAR_2025) == [(12, y(2025, 1, 1))]
    assert rolled_spans("reported_at", y(2025, 4, 1), y(2025, 9, 30)) == [(3, y(2025, 4, 1)), (3, y(2025, 7, 1))]
    assert rolled_spans("reported_at", y(2025, 2, 12), y(2026, 2, 9)) == [
        (1, y(2025, 2, 1)), (1, y(2025, 3, 1)), (3, y(2025, 4, 1)), (3, y(2025, 7, 1)), (3, y(2025, 10, 1)),
        (1, y(2026, 1, 1))]  # February 2025 is mostly inside (its rollup minus 1–11), February 2026 counted live
    assert rolled_spans("reported_at", y(2025, 5, 1), y(2025, 6, 30)) == [(1, y(2025, 5, 1)), (1, y(2025, 6, 1))]
    assert len(rolled_months("reported_at", *YEAR_2025)) == 12


@pytest.mark.parametrize("kind", KINDS)
def test_rollups_over_quarters_and_years_give_the_live_numbers(seeded_years, kind):
    for start, end in SPAN_PERIODS:
        for now in (seeded_years, seeded_years + timedelta(days=40)):
            assert_same(kind, start, end, now)


def test_a_stale_month_invalidates_its_quarter_and_year_until_the_refresh(seeded_years):
    y = dt.date
    begin, stop = month_range(y(2025, 5, 1))
    CaseFact.objects.filter(state__in=["closed", "voided"], registered_at__gte=begin,
                            registered_at__lt=stop).update(built_at=timezone.now())  # as if settled just now
    # Wrong on purpose (proves they are not read while stale, and rebuilt): the rows of May's quarter and year.
    stale = FactRollup.objects.filter(Q(span=12, month=y(2025, 1, 1)) | Q(span=3, month=y(2025, 4, 1)),
                                      period="registered_at")
    assert stale.update(c00=10_000) > 0
    assert rolled_spans("registered_at", *YEAR_2025) == [
        (3, y(2025, 1, 1)), (1, y(2025, 4, 1)), (1, y(2025, 6, 1)), (3, y(2025, 7, 1)), (3, y(2025, 10, 1))]
    assert_same("grid", *YEAR_2025, seeded_years)
    assert fact_rollups_refresh() >= 1  # May (and the months those facts were reported in), quarters, years
    assert not stale.filter(c00=10_000).exists()
    assert rolled_spans("registered_at", *YEAR_2025) == [(12, y(2025, 1, 1))]
    for kind in ("department", "grid", "inspector"):
        assert_same(kind, *YEAR_2025, seeded_years)


def test_a_quarter_or_year_not_over_or_not_wholly_rolled_up_gets_no_row(seeded_years):
    spans = set(FactRollupMonth.objects.filter(period="reported_at", span__gt=1).values_list("span", "month"))
    assert (12, dt.date(2025, 1, 1)) in spans and (3, dt.date(2025, 10, 1)) in spans
    assert (3, dt.date(2026, 1, 1)) not in spans and (12, dt.date(2026, 1, 1)) not in spans  # not over yet
    assert (12, dt.date(2024, 1, 1)) not in spans  # its first months have no fact, hence no rollup
