"""`cityops seed-cases`: valid, numbered, located cases in a realistic mix of states, with a minimal history."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cityops.cases.duplicates import h3_cell_of
from cityops.cases.management.commands.seed_cases import seed_cases
from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CaseState
from cityops.cases.numbering import local_day, next_case_number
from cityops.geo.locate import locate_or_raise
from cityops.testing.factories import make_case

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def seeded(city):
    report = seed_cases(count=500, seed=1, days=10, batch=200)
    return report, list(Case.objects.select_related("grid"))


def test_seeding_500_cases_writes_500_cases_with_unique_numbers_of_their_day(seeded):
    report, cases = seeded
    assert report.cases == len(cases) == 500
    assert len({c.number for c in cases}) == 500
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
        if case.is_open and case.state != CaseState.SUSPENDED:
            assert case.due_at is not None and case.due_at > case.reported_at
            assert case.is_overdue == (case.due_at < now)


def test_each_seeded_case_has_its_report_event_and_the_event_into_its_state(seeded):
    _report, cases = seeded
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("at", "id"):
        events.setdefault(event.case_id, []).append(event)
    for case in cases:
        first, *rest = events[case.id]
        assert (first.action, first.to_state, first.at) == ("case.reported", CaseState.REPORTED, case.reported_at)
        if case.state == CaseState.REPORTED:
            assert rest == []
        else:
            assert [e.to_state for e in rest] == [case.state]


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
    seed_cases(count=30, seed=5, days=3, now=now)
    first = list(Case.objects.order_by("id").values_list("lon", "state", "catalog_class_id"))
    Case.objects.all().delete()
    seed_cases(count=30, seed=5, days=3, now=now)
    assert list(Case.objects.order_by("id").values_list("lon", "state", "catalog_class_id")) == first


def test_the_command_reports_its_rate(city):
    out = StringIO()
    call_command("seed_cases", count=20, days=2, stdout=out)
    assert Case.objects.count() == 20
    assert "cases/s" in out.getvalue()


def test_the_command_refuses_a_database_without_grids(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No unit grids"):
        call_command("seed_cases", count=5)
