"""`cityops seed-cases`: valid, numbered, located cases in a realistic mix of states, with the history the services
would have written (events with actors, stage clocks) and the evaluation facts a rebuild gives."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from cityops.cases.duplicates import h3_cell_of
from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CaseStageClock, CaseState
from cityops.cases.numbering import local_day, next_case_number
from cityops.cases.sla import STAGE_OF, add_minutes
from cityops.cases.workflow import TRANSITIONS
from cityops.catalog.models import Stage
from cityops.core import worktime
from cityops.core.models import CalendarOverride
from cityops.demo.seeding import _Calendar, seed_cases
from cityops.evaluation.facts import case_facts_rebuild_all, case_facts_refresh
from cityops.evaluation.models import CaseFact, FactWatermark
from cityops.geo.locate import locate_or_raise
from cityops.org.models import Role, User
from cityops.testing.factories import make_case

pytestmark = pytest.mark.django_db(transaction=False)

EVENT_OF = {t.event: t for t in TRANSITIONS.values()}


@pytest.fixture
def seeded(city):
    report = seed_cases(count=500, open_count=100, seed=1, days=10, batch=200)
    return report, list(Case.objects.select_related("grid"))


def _events_by_case() -> dict[int, list[CaseEvent]]:
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.order_by("at", "id"):
        events[event.case_id].append(event)
    return events


def _clocks_by_case() -> dict[int, list[CaseStageClock]]:
    clocks: dict[int, list[CaseStageClock]] = defaultdict(list)
    for clock in CaseStageClock.objects.order_by("started_at", "id"):
        clocks[clock.case_id].append(clock)
    return clocks


def test_seeding_600_cases_writes_600_cases_with_unique_numbers_of_their_day(seeded):
    report, cases = seeded
    assert report.cases == len(cases) == 600
    assert len({c.number for c in cases}) == 600
    for case in cases:
        assert case.number[:8] == f"{local_day(case.reported_at):%Y%m%d}" and len(case.number) == 13


def test_every_seeded_case_lies_in_the_city_in_the_regions_locate_finds(seeded):
    _report, cases = seeded
    for case in cases:
        where = locate_or_raise(case.lon, case.lat)
        assert (case.grid_id, case.community_id, case.street_id, case.district_id) == (
            where.grid.id, where.community.id, where.street.id, where.district.id)
        assert case.region_path == case.grid.path
        assert case.h3_cell == h3_cell_of(case.lon, case.lat)


def test_seeded_cases_are_mostly_closed_with_some_in_open_states_overdue_and_reworked(seeded):
    _report, cases = seeded
    states = Counter(c.state for c in cases)
    assert states.most_common(1)[0][0] == CaseState.CLOSED
    assert len(set(states) & OPEN_STATES) >= 5
    assert states[CaseState.VOIDED] > 0
    assert any(c.is_overdue for c in cases if c.is_open)
    assert any(c.rework_count for c in cases)
    assert Counter(c.source for c in cases).most_common(1)[0][0] == "inspector"


def test_seeded_timestamps_are_consistent(seeded):
    _report, cases = seeded
    now = timezone.now()
    for case in cases:
        assert case.reported_at <= case.updated_at <= now
        assert (case.closed_at is not None) == (case.state == CaseState.CLOSED)
        if case.is_open:
            assert case.due_at is not None and case.due_at > case.reported_at
            if case.state != CaseState.SUSPENDED:
                assert case.is_overdue == (case.due_at < now)


def test_each_seeded_history_replays_the_transition_table_up_to_the_case_state(seeded):
    _report, cases = seeded
    events = _events_by_case()
    for case in cases:
        first, *rest = events[case.id]
        assert (first.action, first.to_state, first.at) == ("case.reported", CaseState.REPORTED, case.reported_at)
        state = CaseState.REPORTED
        for event in rest:
            row = EVENT_OF[event.action]
            assert event.from_state == state and state in row.sources
            assert event.to_state == (row.target or state)
            state = event.to_state
        assert state == case.state
        assert case.version == len(rest) + 1
        assert len({e.at for e in events[case.id]}) == len(events[case.id])  # no two steps at the same moment


def test_every_step_has_an_actor_holding_the_role_of_the_step(seeded):
    users = {u.id: u for u in User.objects.all()}
    for event in CaseEvent.objects.exclude(action__in=["case.reported", "case.handled", "case.extension_requested",
                                                       "case.return_requested", "case.suspension_requested"]):
        actor = users[event.actor_id]
        assert actor.has_role(*EVENT_OF[event.action].roles), (event.action, actor.username)
        assert event.actor_label == actor.username


def test_a_city_without_staff_gets_a_small_staff_per_district_with_unusable_passwords(seeded, city):
    for role in (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.INSPECTOR):
        staff = User.objects.filter(role_assignments__role=role)
        assert {u.scope_region_id for u in staff} == {d.id for d in city.districts}
        assert all(not u.has_usable_password() and u.username.startswith("seed-") for u in staff)


def test_existing_staff_act_and_no_seed_staff_is_created(personas):
    seed_cases(count=200, seed=2, days=5)
    dispatches = CaseEvent.objects.filter(action="case.dispatched")
    assert dispatches.exists()
    # The only dispatcher (of the east district) covers no western case, so every district falls back to them.
    assert set(dispatches.values_list("actor_id", flat=True)) == {personas["dispatcher"].id}
    assert not User.objects.filter(username="seed-dispatcher-" + personas["dispatcher"].scope_region.code).exists()
    assert User.objects.filter(username__startswith="seed-acceptor-").exists()  # nobody held that role


def test_stage_clocks_follow_the_policy_and_the_working_time_calendar(seeded):
    _report, cases = seeded
    resumed = set(CaseEvent.objects.filter(action="case.resumed").values_list("case_id", flat=True))
    for clock in CaseStageClock.objects.exclude(case_id__in=resumed):
        assert clock.deadline == add_minutes(clock.started_at, clock.minutes_allowed + clock.extended_minutes,
                                             clock.basis)
        if clock.done_at is not None:
            assert clock.on_time == (clock.done_at <= clock.deadline)
        else:
            assert clock.on_time is None


def test_a_case_has_one_clock_per_stage_round_and_an_open_case_one_running_clock(seeded):
    _report, cases = seeded
    clocks = _clocks_by_case()
    for case in cases:
        running = [c for c in clocks[case.id] if c.done_at is None]
        if case.is_open:
            assert len(running) == 1
            assert running[0].deadline == case.due_at
            assert running[0].stage == STAGE_OF.get(case.state, Stage.HANDLE)  # a suspended case pauses 处置
            assert (running[0].paused_at is not None) == (case.state == CaseState.SUSPENDED)
        else:
            assert running == [] and case.due_at is None and not case.is_overdue
        rounds = Counter(c.stage for c in clocks[case.id])
        assert [c.round for c in clocks[case.id] if c.stage == Stage.HANDLE] == list(range(1, rounds[Stage.HANDLE] + 1))


def _assert_rounds_follow_reworks_and_returns(cases: list[Case]) -> None:
    """A rework adds a 处置 and a 核查 round; a return (回退) goes back to 派遣, so it adds a 处置 round too."""
    clocks = _clocks_by_case()
    for case in cases:
        stages = Counter(c.stage for c in clocks[case.id])
        assert stages[Stage.HANDLE] == 1 + case.rework_count + case.return_count, case.number
        assert stages[Stage.CHECK] == 1 + case.rework_count, case.number
        assert stages[Stage.DISPATCH] == 1 + case.return_count, case.number


def test_a_rework_runs_a_second_round_of_handling_and_checking(seeded):
    _report, cases = seeded
    reworked = [c for c in cases if c.rework_count and c.state == CaseState.CLOSED]
    assert reworked
    _assert_rounds_follow_reworks_and_returns(reworked)


def test_a_case_returned_and_then_reworked_has_three_rounds_of_handling(city):
    # Seeded "now" pinned to the day this mix first showed up: one case there is returned once, then reworked once.
    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.get_default_timezone())
    seed_cases(count=500, open_count=100, seed=1, days=10, batch=200, now=now)
    both = list(Case.objects.filter(state=CaseState.CLOSED, rework_count__gt=0, return_count__gt=0))
    assert both
    _assert_rounds_follow_reworks_and_returns(both)
    assert any(c.return_count + c.rework_count == 2 for c in both)


def test_extensions_returns_and_suspensions_appear_in_a_small_share(city):
    seed_cases(count=1500, seed=3, days=20)
    cases = Case.objects.all()
    assert 0 < cases.filter(extension_count__gt=0).count() < 150
    assert 0 < cases.filter(return_count__gt=0).count() < 100
    assert CaseEvent.objects.filter(action="case.suspended").exists()
    assert CaseEvent.objects.filter(action="case.resumed").exists()
    extended = CaseStageClock.objects.filter(extended_minutes__gt=0)
    assert extended.exists() and set(extended.values_list("stage", flat=True)) == {Stage.HANDLE}


def test_the_open_cases_are_all_open_spread_over_states_with_a_share_overdue(city):
    now = timezone.now()
    seed_cases(count=0, open_count=400, seed=4, now=now)
    cases = list(Case.objects.all())
    assert len(cases) == 400 and all(c.is_open for c in cases)
    states = Counter(c.state for c in cases)
    assert states.most_common(1)[0][0] == CaseState.DISPATCHED and len(states) >= 6
    overdue = sum(c.is_overdue for c in cases)
    assert 0.1 * len(cases) < overdue < 0.6 * len(cases)
    assert all(now - timedelta(days=30) < c.reported_at <= now for c in cases)


def test_the_seeded_facts_equal_a_rebuild_from_the_clocks_and_events(seeded):
    fields = [f.attname for f in CaseFact._meta.concrete_fields if f.name != "built_at"]
    seeded_facts = set(CaseFact.objects.values_list(*fields))
    assert len(seeded_facts) == 600
    case_facts_rebuild_all()
    assert set(CaseFact.objects.values_list(*fields)) == seeded_facts


def test_the_fact_watermark_stands_at_the_last_event_so_a_refresh_has_nothing_to_do(seeded):
    assert FactWatermark.objects.get(pk=1).last_event_id == CaseEvent.objects.aggregate(m=Max("id"))["m"]
    assert case_facts_refresh() == 0


def test_the_fast_calendar_gives_the_working_time_calendars_answers(db):
    CalendarOverride.objects.create(date=timezone.localdate() - timedelta(days=3), kind="holiday")
    CalendarOverride.objects.create(date=timezone.localdate() - timedelta(days=10), kind="workday",
                                    office_hours="09:00-11:00")
    worktime.clear_caches()
    now = timezone.now()
    calendar, rng = _Calendar(now), random.Random(7)
    for _i in range(1500):
        start = now - timedelta(minutes=rng.uniform(-3000, 60 * 1440))
        if rng.random() < 0.3:
            start = start.replace(hour=rng.choice([8, 11, 12, 13, 17]), minute=rng.choice([0, 30]), second=0,
                                  microsecond=0)
        minutes = rng.choice([1, 15, 60, 210, 240, 480, 2000])
        assert calendar.add(start, minutes, "working") == worktime.add_working_minutes(start, minutes)
        end = start + timedelta(minutes=rng.uniform(0, 9000))
        assert calendar.between(start, end, "working") == worktime.working_minutes_between(start, end)


def test_new_reports_continue_the_numbers_after_seeding(seeded):
    _report, cases = seeded
    today = timezone.now()
    last_today = max(int(c.number) for c in cases if c.number[:8] == f"{local_day(today):%Y%m%d}")
    assert int(next_case_number(today)) == last_today + 1


def test_a_case_inserted_after_seeding_gets_a_fresh_id(seeded, city):
    _report, cases = seeded
    assert make_case(city).id > max(c.id for c in cases)


def test_the_same_seed_gives_the_same_cases(city):
    now = timezone.now()
    seed_cases(count=30, open_count=5, seed=5, days=3, now=now)
    first = list(Case.objects.order_by("id").values_list("lon", "state", "catalog_class_id", "due_at"))
    Case.objects.all().delete()
    seed_cases(count=30, open_count=5, seed=5, days=3, now=now)
    assert list(Case.objects.order_by("id").values_list("lon", "state", "catalog_class_id", "due_at")) == first


def test_the_command_reports_its_rate(city):
    out = StringIO()
    call_command("seed_cases", count=20, open=5, days=2, stdout=out)
    assert Case.objects.count() == 25
    assert "cases/s" in out.getvalue()


def test_the_command_refuses_a_database_without_grids(db):
    with pytest.raises(CommandError, match="No unit grids"):
        call_command("seed_cases", count=5)


def test_the_command_refuses_nothing_to_seed(city):
    with pytest.raises(CommandError, match="--count and --open"):
        call_command("seed_cases", count=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel loaders need PostgreSQL")
# Rolled back by serialisation: a plain flush re-creates the content types under new ids, and the browser and
# concurrency tests that reload the migrated database afterwards would collide with them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_loaders_on_postgresql_number_each_day_once_and_build_true_facts(city):
    report = seed_cases(count=400, open_count=40, seed=6, days=8, batch=50, jobs=2, defer_indexes=True)
    numbers = list(Case.objects.values_list("number", flat=True))
    assert report.cases == len(numbers) == 440 and len(set(numbers)) == 440
    fields = [f.attname for f in CaseFact._meta.concrete_fields if f.name != "built_at"]
    seeded_facts = set(CaseFact.objects.values_list(*fields))
    case_facts_rebuild_all()
    assert set(CaseFact.objects.values_list(*fields)) == seeded_facts
    assert make_case(city).id > max(c.id for c in Case.objects.all()[:1000] if c.number in numbers)


def test_seeding_rolls_the_evaluation_months_up_again(seeded):
    from cityops.evaluation.models import FactRollupMonth

    assert FactRollupMonth.objects.exists()
