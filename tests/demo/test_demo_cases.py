"""The demo's historical cases: every state, overdue and reworked ones, histories the workflow table allows."""

from __future__ import annotations

from collections import Counter

import pytest

from cityops.cases.models import (
    Case,
    CaseEvent,
    CaseRequest,
    CaseStageClock,
    CaseState,
    RequestKind,
    VoidReason,
)
from cityops.cases.workflow import TRANSITIONS
from cityops.catalog.models import CatalogClass
from cityops.demo.build import build_demo
from cityops.demo.cases import AUTO_DISPATCH, default_case_count

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small demo city with 60 cases, built once for the module and rolled back after it."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(grids=100, seed=0, cases=60)
        transaction.set_rollback(True)


def test_the_demo_has_cases_in_every_state(demo):
    states = Counter(Case.objects.values_list("state", flat=True))
    assert set(states) == set(CaseState.values)
    assert states.most_common(1)[0][0] == CaseState.CLOSED
    assert demo.cases == sum(states.values()) >= 60


def test_some_demo_cases_are_overdue_reworked_urged_and_merged(demo):
    assert Case.objects.filter(is_overdue=True, state__in=[CaseState.DISPATCHED, CaseState.REPORTED]).exists()
    assert Case.objects.filter(rework_count__gt=0).exists()
    assert Case.objects.filter(is_urged=True).exists()
    assert Case.objects.filter(is_self_handled=True, state=CaseState.CLOSED).exists()
    assert Case.objects.filter(void_reason=VoidReason.DUPLICATE, master__isnull=False).exists()
    assert Case.objects.filter(dispatch_overridden=True).exists()
    assert Case.objects.filter(handling_unit__isnull=False).exists()


def test_demo_requests_were_decided_by_their_approvers(demo):
    kinds = set(CaseRequest.objects.filter(state="approved").values_list("kind", flat=True))
    assert {RequestKind.VOID, RequestKind.EXTENSION, RequestKind.RETURN, RequestKind.SUSPENSION} <= kinds
    for request in CaseRequest.objects.select_related("decided_by"):
        assert request.decided_by.username in {"dispatcher", "shiftleader"}


def test_demo_cases_ran_the_real_clocks(demo):
    closed = Case.objects.filter(state=CaseState.CLOSED, is_self_handled=False)
    assert CaseStageClock.objects.filter(case__in=closed, done_at__isnull=False).count() >= 5 * closed.count()
    assert CaseStageClock.objects.filter(on_time=False).exists()


def test_auto_dispatch_classes_skip_the_dispatcher(demo):
    assert set(CatalogClass.objects.filter(auto_dispatch=True).values_list("code", flat=True)) == AUTO_DISPATCH


def test_every_demo_history_replays_through_the_transition_table(demo):
    moves = {(source, t.target) for t in TRANSITIONS.values() if t.target for source in t.sources}
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("at", "id"):
        events.setdefault(event.case_id, []).append(event)
    for case in Case.objects.all():
        history = events[case.id]
        assert (history[0].action, history[0].from_state, history[0].to_state) == (
            "case.reported", "", CaseState.REPORTED)
        state = CaseState.REPORTED
        for event in history[1:]:
            assert event.from_state == state, (case.number, event.action)
            if event.to_state != event.from_state:
                assert (event.from_state, event.to_state) in moves, (case.number, event.action)
            state = event.to_state
        assert state == case.state, case.number


def test_every_demo_step_was_taken_by_a_person_of_the_right_role(demo):
    system = {"auto-dispatch", "sla-clock"}
    steps = CaseEvent.objects.exclude(actor_label__in=system).exclude(action="case.duplicate_merged")
    assert not steps.filter(actor__isnull=True).exists()
    assert not steps.filter(actor__username="admin").exists()


def test_the_default_case_count_is_a_thousand_for_the_default_city():
    assert default_case_count(2500) == 1000
    assert default_case_count(100) == 40


def test_a_share_of_the_inspectors_patrol_their_own_grids_until_now(demo):
    from datetime import timedelta

    from django.utils import timezone

    from cityops.geo.models import Region
    from cityops.tracking.models import PositionPing

    pings = PositionPing.objects.select_related("user")
    assert demo.position_pings == pings.count() > 0
    walkers = {p.user for p in pings}
    assert all(u.has_role("inspector") for u in walkers)
    latest = max(p.at for p in pings)
    assert timezone.now() - latest < timedelta(minutes=10)
    for user in walkers:
        own = set(Region.objects.filter(inspectors=user).values_list("pk", flat=True))
        assert {p.grid_id for p in pings if p.user == user} <= own


def test_a_repeat_report_of_a_problem_at_the_city_edge_stays_inside_the_city(demo):
    """A citizen's repeat report lies near the first one, never outside the service area (a refused report)."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from cityops.demo.cases import _DemoCases
    from cityops.geo.models import Level, Region

    west = Region.objects.filter(level=Level.GRID).order_by("min_lon").first()
    master = Case.objects.filter(state=CaseState.REPORTED).first()
    Case.objects.filter(pk=master.pk).update(lon=west.min_lon + 1e-6, lat=(west.min_lat + west.max_lat) / 2)
    master.refresh_from_db()
    builder = _DemoCases(rng=random.Random(0), now=timezone.now())
    for _i in range(10):
        builder.report_duplicate(master, timezone.now() - timedelta(days=1))
    assert Case.objects.filter(master=master).count() == 10
