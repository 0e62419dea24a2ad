"""Who may act: each action refused with 403 for a wrong role and 404 outside the data scope; allowed_actions."""

from __future__ import annotations

import pytest

from cityops.cases import services as s
from cityops.cases.models import CaseRequest, CaseState, RequestKind
from cityops.cases.workflow import allowed_actions
from cityops.core.errors import Forbidden, NotFound
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import WEST_POINT, drive, report

# action → (the persona allowed to take it, a persona holding a wrong role, a call taking it)
ACTIONS = {
    "send-to-verify": ("acceptor", "inspector", lambda c, a: s.case_send_to_verify(case=c, actor=a, version=None)),
    "verify": ("inspector", "acceptor", lambda c, a: s.case_verify(case=c, actor=a, version=None, confirmed=True)),
    "accept": ("acceptor", "dispatcher", lambda c, a: s.case_accept(case=c, actor=a, version=None)),
    "register": ("shift_leader", "acceptor", lambda c, a: s.case_register(case=c, actor=a, version=None)),
    "dispatch": ("dispatcher", "shift_leader", lambda c, a: s.case_dispatch(case=c, actor=a, version=None)),
    "pass-down": ("handler", "dispatcher", lambda c, a: s.case_pass_down(case=c, actor=a, version=None, unit="X")),
    "handle": ("handler", "inspector", lambda c, a: s.case_handle(case=c, actor=a, version=None, result="ok")),
    "send-to-check": ("acceptor", "handler", lambda c, a: s.case_send_to_check(case=c, actor=a, version=None)),
    "check": ("inspector", "acceptor", lambda c, a: s.case_check(case=c, actor=a, version=None, passed=True)),
    "close": ("shift_leader", "dispatcher", lambda c, a: s.case_close(case=c, actor=a, version=None)),
    "urge": ("leader", "dispatcher", lambda c, a: s.case_urge(case=c, actor=a, version=None)),
    "resume": ("shift_leader", "handler", lambda c, a: s.case_resume(case=c, actor=a, version=None)),
    "request-extension": ("handler", "dispatcher", lambda c, a: s.case_request_create(
        case=c, actor=a, version=None, kind=RequestKind.EXTENSION, reason="r", extra_minutes=60)),
    "request-void": ("acceptor", "handler", lambda c, a: s.case_request_create(
        case=c, actor=a, version=None, kind=RequestKind.VOID, reason="r", void_reason="invalid")),
}


@pytest.fixture
def west_cast(cast, city):
    """A west-district case, and the east cast (a leader of 东区 only, too) who cannot see it."""
    west = report(cast, actor="admin", point=WEST_POINT)
    east_leader = f.make_user("east_leader", Role.LEADER, scope_region=city.districts[0])
    return {**cast, "leader": east_leader}, west


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_is_refused_with_403_for_a_wrong_role(cast, action):
    _right, wrong, call = ACTIONS[action]
    case = report(cast)
    with pytest.raises(Forbidden):
        call(case, cast[wrong])
    with pytest.raises(Forbidden):
        call(case, cast["nobody"])


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_on_a_case_outside_the_scope_is_refused_with_404(west_cast, action):
    cast, west = west_cast
    right, _wrong, call = ACTIONS[action]
    with pytest.raises(NotFound):
        call(west, cast[right])


@pytest.mark.parametrize(("kind", "approver", "wrong"), [
    (RequestKind.EXTENSION, "dispatcher", "shift_leader"), (RequestKind.RETURN, "dispatcher", "handler"),
    (RequestKind.SUSPENSION, "shift_leader", "dispatcher"), (RequestKind.VOID, "shift_leader", "acceptor"),
])
def test_a_decision_needs_the_approver_role_and_the_scope(west_cast, kind, approver, wrong):
    cast, west = west_cast
    east = report(cast)
    with pytest.raises(Forbidden):
        s.case_request_decide(request=CaseRequest.objects.create(case=east, kind=kind, reason="r"),
                              actor=cast[wrong], approve=True)
    with pytest.raises(NotFound):
        s.case_request_decide(request=CaseRequest.objects.create(case=west, kind=kind, reason="r"),
                              actor=cast[approver], approve=True)


def test_the_grids_own_inspector_may_verify_outside_their_region_scope(cast, city):
    case = drive(report(cast), cast, CaseState.VERIFYING)
    outsider = f.make_user("west_inspector", Role.INSPECTOR, scope_region=city.districts[1])
    with pytest.raises(NotFound):
        s.case_verify(case=case, actor=outsider, version=case.version, confirmed=True)
    case.grid.inspectors.add(outsider)
    done = s.case_verify(case=case, actor=outsider, version=case.version, confirmed=True)
    assert done.state == CaseState.ACCEPTED


def test_an_inspector_who_sees_the_case_only_through_a_department_may_not_check_it(cast):
    case = drive(report(cast), cast, CaseState.CHECKING)
    desk = f.make_user("dept_inspector", Role.INSPECTOR, scope_department=cast["dept_east"])
    with pytest.raises(Forbidden):
        s.case_check(case=case, actor=desk, version=case.version, passed=True)


def test_a_handler_of_another_department_who_sees_the_case_may_not_handle_it(cast, city):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    west_dept = cast["other_handler"].department
    bystander = f.make_user("bystander", Role.HANDLER, scope_region=city.districts[0], department=west_dept)
    with pytest.raises(Forbidden, match="responsible department"):
        s.case_handle(case=case, actor=bystander, version=case.version, result="ok")


def test_a_handler_of_a_sub_unit_handles_once_the_case_is_passed_down_to_it(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    unit = f.make_department("EAST-CG-1", "东区一街道环卫所", parent=cast["dept_east"])
    worker = f.make_user("worker", Role.HANDLER, scope_department=unit, department=unit)
    with pytest.raises(NotFound):
        s.case_handle(case=case, actor=worker, version=case.version, result="ok")
    case = s.case_pass_down(case=case, actor=cast["handler"], version=case.version, unit=unit)
    assert (case.state, case.handling_unit) == (CaseState.DISPATCHED, unit)
    assert s.case_handle(case=case, actor=worker, version=case.version, result="清运完毕").state == CaseState.HANDLED


def test_a_superuser_may_take_any_action(cast):
    root = f.make_user("root", is_superuser=True, is_staff=True)
    case = report(cast)
    case = s.case_accept(case=case, actor=root, version=case.version)
    case = s.case_register(case=case, actor=root, version=case.version)
    assert s.case_dispatch(case=case, actor=root, version=case.version).state == CaseState.DISPATCHED


def test_allowed_actions_lists_what_each_role_may_do_now(cast):
    case = report(cast)
    assert allowed_actions(case=case, user=cast["acceptor"]) == ["send-to-verify", "accept", "merge", "request",
                                                                 "photos"]
    assert allowed_actions(case=case, user=cast["leader"]) == ["urge"]
    assert allowed_actions(case=case, user=cast["dispatcher"]) == []
    case = drive(case, cast, CaseState.DISPATCHED)
    assert allowed_actions(case=case, user=cast["handler"]) == ["pass-down", "handle", "request", "photos"]
    assert allowed_actions(case=case, user=cast["other_handler"]) == ["photos"]


def test_allowed_actions_offers_the_decision_to_the_approver_while_a_request_waits(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    assert "decide" not in allowed_actions(case=case, user=cast["dispatcher"])
    s.case_request_create(case=case, actor=cast["handler"], version=case.version, kind=RequestKind.EXTENSION,
                          reason="材料未到", extra_minutes=120)
    assert "decide" in allowed_actions(case=case, user=cast["dispatcher"])
    assert "decide" not in allowed_actions(case=case, user=cast["shift_leader"])


def test_a_closed_case_offers_no_action(cast):
    case = drive(report(cast), cast, CaseState.CLOSED)
    for persona in ("acceptor", "leader", "shift_leader", "admin"):
        assert allowed_actions(case=case, user=cast[persona]) == []
