"""Workflow actions over HTTP: every action's can / can't / not-found trio, versions, states, requests, the loop."""

from __future__ import annotations

import pytest

from cityops.cases import services
from cityops.cases.models import Case, CaseRequest, CaseState, RequestKind, RequestState
from cityops.testing.factories import make_department
from tests.cases.api_support import EAST, GARBAGE, WEST

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"
S = CaseState


def post(client, url: str, body: dict, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def report(cast, point=EAST, who="inspector") -> Case:
    return services.case_report(actor=cast[who], source="inspector", catalog_class=GARBAGE, description="路边堆放垃圾",
                                lon=point[0], lat=point[1]).case


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def advance(case: Case, cast, state: str, department: str = "EAST-CG") -> Case:
    """Push a reported case through the services up to `state`."""
    steps = [
        (S.ACCEPTED, lambda c: services.case_accept(case=c, actor=cast["acceptor"], version=c.version)),
        (S.REGISTERED, lambda c: services.case_register(case=c, actor=cast["shift_leader"], version=c.version)),
        (S.DISPATCHED, lambda c: services.case_dispatch(case=c, actor=cast["admin"], version=c.version,
                                                        department=department)),
        (S.HANDLED, lambda c: services.case_handle(case=c, actor=cast["admin"], version=c.version, result="已清运")),
        (S.CHECKING, lambda c: services.case_send_to_check(case=c, actor=cast["acceptor"], version=c.version)),
        (S.CHECKED, lambda c: services.case_check(case=c, actor=cast["admin"], version=c.version, passed=True)),
    ]
    if state == S.VERIFYING:
        return services.case_send_to_verify(case=case, actor=cast["acceptor"], version=case.version)
    if state == S.SUSPENDED:
        case = advance(case, cast, S.DISPATCHED, department)
        request = services.case_request_create(case=case, actor=cast["admin"], version=case.version,
                                               kind=RequestKind.SUSPENSION, reason="施工中")
        services.case_request_decide(request=request, actor=cast["admin"], approve=True)
        return fresh(case)
    for _target, step in steps:
        if case.state == state:
            break
        case = step(case)
    assert case.state == state
    return fresh(case)


@pytest.fixture
def sub_unit(cast, city):
    return make_department("EAST-CG-1", "东区城管一所", parent=cast["east_dept"], region=city.districts[0])


# action, the state it starts from, who may, who may not (403, but sees the case), extra body
TRIOS = [
    ("send-to-verify", S.REPORTED, "acceptor", "dispatcher", {}),
    ("verify", S.VERIFYING, "inspector", "acceptor", {"confirmed": True}),
    ("accept", S.REPORTED, "acceptor", "inspector", {}),
    ("register", S.ACCEPTED, "shift_leader", "acceptor", {}),
    ("dispatch", S.REGISTERED, "dispatcher", "shift_leader", {"department": "EAST-CG"}),
    ("pass-down", S.DISPATCHED, "handler", "dispatcher", {"unit": "EAST-CG-1"}),
    ("handle", S.DISPATCHED, "handler", "inspector", {"result": "已清运"}),
    ("send-to-check", S.HANDLED, "acceptor", "handler", {}),
    ("check", S.CHECKING, "inspector", "acceptor", {"passed": True}),
    ("close", S.CHECKED, "shift_leader", "acceptor", {}),
    ("urge", S.REPORTED, "leader", "inspector", {}),
    ("resume", S.SUSPENDED, "shift_leader", "dispatcher", {}),
]
EXPECTED = {"send-to-verify": S.VERIFYING, "verify": S.ACCEPTED, "accept": S.ACCEPTED, "register": S.REGISTERED,
            "dispatch": S.DISPATCHED, "pass-down": S.DISPATCHED, "handle": S.HANDLED, "send-to-check": S.CHECKING,
            "check": S.CHECKED, "close": S.CLOSED, "urge": S.REPORTED, "resume": S.DISPATCHED}


@pytest.mark.parametrize(("action", "state", "who", "_other", "extra"), TRIOS, ids=[t[0] for t in TRIOS])
def test_the_right_role_takes_the_action(as_user, cast, sub_unit, action, state, who, _other, extra):
    case = advance(report(cast), cast, state)
    response = post(as_user(who), f"{URL}/{case.number}/{action}", {"version": case.version, "note": "好", **extra})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == EXPECTED[action] and body["version"] == case.version + 1
    assert fresh(case).state == EXPECTED[action]


@pytest.mark.parametrize(("action", "state", "_who", "other", "extra"), TRIOS, ids=[t[0] for t in TRIOS])
def test_another_role_gets_403_and_nothing_changes(as_user, cast, sub_unit, action, state, _who, other, extra):
    case = advance(report(cast), cast, state)
    response = post(as_user(other), f"{URL}/{case.number}/{action}", {"version": case.version, **extra})
    assert response.status_code == 403, response.content
    assert fresh(case).version == case.version


@pytest.mark.parametrize(("action", "state", "_who", "_other", "extra"), TRIOS, ids=[t[0] for t in TRIOS])
def test_a_case_of_the_other_district_is_404_and_an_unknown_number_too(as_user, cast, sub_unit, action, state, _who,
                                                                       _other, extra):
    case = advance(report(cast), cast, state)
    client = as_user("west_inspector")
    assert post(client, f"{URL}/{case.number}/{action}", {"version": case.version, **extra}).status_code == 404
    assert post(client, f"{URL}/2099010199999/{action}", {"version": 1, **extra}).status_code == 404
    assert fresh(case).version == case.version


class TestVersionsAndStates:
    def test_a_stale_version_is_409_stale_version(self, as_user, cast):
        case = report(cast)
        response = post(as_user("acceptor"), f"{URL}/{case.number}/accept", {"version": case.version - 1 or 99})
        assert response.status_code == 409 and response.json()["code"] == "stale_version"
        assert fresh(case).state == S.REPORTED

    def test_two_acceptors_acting_on_the_same_version_one_wins(self, as_user, cast):
        case = report(cast)
        client = as_user("acceptor")
        first = post(client, f"{URL}/{case.number}/accept", {"version": case.version})
        second = post(client, f"{URL}/{case.number}/send-to-verify", {"version": case.version})
        assert (first.status_code, second.status_code) == (200, 409)
        assert second.json()["code"] == "stale_version"

    def test_an_action_the_state_does_not_allow_is_409_naming_the_state(self, as_user, cast):
        case = report(cast)
        response = post(as_user("shift_leader"), f"{URL}/{case.number}/close", {"version": case.version})
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "illegal_transition" and str(S.REPORTED.label) in body["detail"]

    def test_a_body_without_version_is_422(self, as_user, cast):
        case = report(cast)
        response = post(as_user("acceptor"), f"{URL}/{case.number}/accept", {"note": "x"})
        assert response.status_code == 422 and "version" in [e["field"] for e in response.json()["errors"]]

    def test_an_unknown_department_for_dispatch_is_422(self, as_user, cast):
        case = advance(report(cast), cast, S.REGISTERED)
        response = post(as_user("dispatcher"), f"{URL}/{case.number}/dispatch",
                        {"version": case.version, "department": "NOPE"})
        assert response.status_code == 422 and response.json()["field"] == "department"

    def test_a_failed_check_sends_the_case_back_as_rework(self, as_user, cast):
        case = advance(report(cast), cast, S.CHECKING)
        body = post(as_user("inspector"), f"{URL}/{case.number}/check",
                    {"version": case.version, "passed": False, "note": "仍有垃圾"}).json()
        assert body["state"] == S.DISPATCHED and body["counters"]["rework"] == 1


class TestMerge:
    def test_an_acceptor_merges_a_duplicate_into_its_master(self, as_user, cast):
        master, duplicate = report(cast), report(cast)
        body = post(as_user("acceptor"), f"{URL}/{duplicate.number}/merge",
                    {"version": duplicate.version, "master": master.number}).json()
        assert body["state"] == S.VOIDED and body["master"] == master.number and body["void_reason"] == "duplicate"
        assert as_user("acceptor").get(f"{URL}/{master.number}").json()["merged_duplicates"] == [duplicate.number]

    def test_an_inspector_may_not_merge(self, as_user, cast):
        master, duplicate = report(cast), report(cast)
        response = post(as_user("inspector"), f"{URL}/{duplicate.number}/merge",
                        {"version": duplicate.version, "master": master.number})
        assert response.status_code == 403

    def test_an_unknown_or_invisible_master_is_422_naming_master(self, as_user, cast):
        case = report(cast)
        west = report(cast, point=WEST, who="west_inspector")
        client = as_user("inspector")
        cast["inspector"].role_assignments.create(role="acceptor")
        for number in ("2099010199999", west.number):
            response = post(client, f"{URL}/{case.number}/merge", {"version": case.version, "master": number})
            assert response.status_code == 422 and response.json()["field"] == "master"


class TestRequests:
    def test_a_handler_asks_for_an_extension_and_the_dispatcher_approves(self, as_user, cast):
        case = advance(report(cast), cast, S.DISPATCHED)
        asked = post(as_user("handler"), f"{URL}/{case.number}/request",
                     {"version": case.version, "kind": "extension", "reason": "需要调配设备", "extra_minutes": 120})
        assert asked.status_code == 201, asked.content
        request_id = asked.json()["request"]["id"]
        assert asked.json()["request"]["state"] == "pending" and asked.json()["case"]["version"] == case.version + 1
        decided = post(as_user("dispatcher"), f"{URL}/requests/{request_id}/decide", {"approve": True, "note": "同意"})
        assert decided.status_code == 200, decided.content
        assert decided.json()["request"]["state"] == "approved"
        assert decided.json()["case"]["counters"]["extension"] == 1

    def test_a_request_can_cannot_and_not_found(self, as_user, cast):
        case = advance(report(cast), cast, S.DISPATCHED)
        body = {"version": case.version, "kind": "return", "reason": "不属于本部门"}
        assert post(as_user("inspector"), f"{URL}/{case.number}/request", body).status_code == 403
        assert post(as_user("other_handler"), f"{URL}/{case.number}/request", body).status_code == 404
        assert post(as_user("handler"), f"{URL}/{case.number}/request", {**body, "kind": "holiday"}).status_code == 422
        assert post(as_user("handler"), f"{URL}/{case.number}/request", body).status_code == 201
        again = post(as_user("handler"), f"{URL}/{case.number}/request", {**body, "version": case.version + 1})
        assert again.status_code == 409  # one pending request of a kind at a time

    def test_decide_can_cannot_and_not_found(self, as_user, cast):
        case = advance(report(cast), cast, S.DISPATCHED)
        request = services.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                               kind=RequestKind.RETURN, reason="不属于本部门")
        url = f"{URL}/requests/{request.pk}/decide"
        assert post(as_user("inspector"), url, {"approve": True}).status_code == 403
        assert post(as_user("west_inspector"), url, {"approve": True}).status_code == 404
        assert post(as_user("dispatcher"), f"{URL}/requests/999999/decide", {"approve": True}).status_code == 404
        response = post(as_user("dispatcher"), url, {"approve": True})
        assert response.status_code == 200 and response.json()["case"]["state"] == S.REGISTERED
        assert CaseRequest.objects.get(pk=request.pk).state == RequestState.APPROVED
        assert post(as_user("dispatcher"), url, {"approve": True}).status_code == 409  # decided already

    def test_a_handler_whose_case_was_returned_still_learns_its_new_state(self, as_user, cast):
        case = advance(report(cast), cast, S.DISPATCHED)
        request = services.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                               kind=RequestKind.RETURN, reason="不属于本部门")
        services.case_request_decide(request=request, actor=cast["dispatcher"], approve=True)
        # The department no longer holds the case: the handler's scope does not reach it any more.
        assert as_user("handler").get(f"{URL}/{case.number}").status_code == 404


def test_the_whole_loop_through_the_api(as_user, cast):
    """From the inspector's report to the shift leader's close, each step by its own role over HTTP."""
    created = post(as_user("inspector"), URL, {"class": GARBAGE, "description": "人行道垃圾堆积", "lon": EAST[0],
                                               "lat": EAST[1]})
    assert created.status_code == 201
    number, version = created.json()["number"], created.json()["version"]
    steps = [
        ("acceptor", "accept", {}), ("shift_leader", "register", {}), ("dispatcher", "dispatch", {"department": "EAST-CG"}),
        ("handler", "handle", {"result": "已清运"}), ("acceptor", "send-to-check", {}),
        ("inspector", "check", {"passed": True}), ("shift_leader", "close", {}),
    ]
    for who, action, extra in steps:
        client = as_user(who)
        assert action in client.get(f"{URL}/{number}").json()["allowed_actions"], (who, action)
        response = post(client, f"{URL}/{number}/{action}", {"version": version, **extra})
        assert response.status_code == 200, (action, response.content)
        version = response.json()["version"]
    detail = as_user("shift_leader").get(f"{URL}/{number}").json()
    assert detail["state"] == S.CLOSED and detail["closed_at"]
    assert all(c["done_at"] for c in detail["clocks"])
    timeline = as_user("shift_leader").get(f"{URL}/{number}/timeline").json()
    assert [e["to_state"] for e in timeline] == [
        "reported", "accepted", "registered", "dispatched", "handled", "checking", "checked", "closed"]
