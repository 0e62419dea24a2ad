"""The transition table, exhaustively: every row from every state either moves the case or is refused by name."""

from __future__ import annotations

import pytest

from cityops.cases.models import Case, CaseEvent, CaseState
from cityops.cases.workflow import TRANSITIONS, IllegalTransition, check_allowed, state_label, transition
from cityops.testing.factories import make_case
from tests.cases.workflow_cast import *  # noqa: F403

MOVES = [(name, state) for name in TRANSITIONS for state in CaseState.values]
ALLOWED = [(name, state) for name, state in MOVES if state in TRANSITIONS[name].sources]
REFUSED = [(name, state) for name, state in MOVES if state not in TRANSITIONS[name].sources]


def test_the_table_names_a_known_target_and_at_least_one_source_for_every_row():
    for row in TRANSITIONS.values():
        assert row.sources and row.sources <= set(CaseState.values), row.name
        assert row.target is None or row.target in CaseState.values, row.name
        assert row.event.startswith("case."), row.name


def test_closed_and_voided_cases_never_move_again():
    for row in TRANSITIONS.values():
        assert CaseState.CLOSED not in row.sources and CaseState.VOIDED not in row.sources, row.name


def test_every_state_but_the_terminal_ones_has_a_way_out():
    leaving = {state for row in TRANSITIONS.values() if row.target for state in row.sources if row.target != state}
    assert leaving == set(CaseState.values) - {CaseState.CLOSED, CaseState.VOIDED}


@pytest.mark.parametrize(("name", "state"), REFUSED, ids=[f"{n}-from-{s}" for n, s in REFUSED])
def test_a_move_outside_the_table_is_refused_naming_the_current_state(name, state):
    case = Case(number="2026112100001", state=state)
    with pytest.raises(IllegalTransition) as refused:
        check_allowed(case, name)
    message = refused.value.message
    assert state_label(state) in message
    assert name.replace("_", "-") in message
    assert refused.value.status == 409


@pytest.mark.parametrize(("name", "state"), ALLOWED, ids=[f"{n}-from-{s}" for n, s in ALLOWED])
def test_a_move_in_the_table_changes_the_state_and_writes_one_event(city, name, state):
    case = make_case(city, state=state)
    row = TRANSITIONS[name]
    transition(case, name, actor="test", note="n")
    case.refresh_from_db()
    assert case.state == (row.target or state)
    assert case.version == 2
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_state, event.to_state, event.actor_label) == (row.event, state, case.state, "test")


def test_transition_refuses_and_writes_nothing_for_an_illegal_move(city):
    case = make_case(city, state=CaseState.CLOSED)
    with pytest.raises(IllegalTransition, match="Closed"):
        transition(case, "dispatch", actor="test")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.version == 1
    assert not CaseEvent.objects.filter(case=case).exists()


def test_the_refusal_names_the_target_state_too(city):
    case = Case(number="2026112100001", state=CaseState.REPORTED)
    with pytest.raises(IllegalTransition) as refused:
        check_allowed(case, "close")
    assert "Awaiting acceptance" in refused.value.message and "Closed" in refused.value.message
