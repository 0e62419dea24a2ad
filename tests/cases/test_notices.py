"""Each case event notifies exactly the people it concerns, once the change commits — and nobody for a rollback."""

from __future__ import annotations

import pytest
from django.db import transaction

from cityops.cases import services as s
from cityops.cases.models import CaseState, RequestKind, VoidReason
from cityops.catalog.models import CatalogClass
from cityops.core.errors import Conflict
from cityops.notify.models import Notification, NotificationKind
from tests.cases.notice_cast import *  # noqa: F403  (the cast, people, committed)
from tests.cases.notice_cast import told
from tests.cases.workflow_cast import WEST_POINT, drive, report

K = NotificationKind
EAST_GRID_2 = (104.0150, 30.0175)  # 东区网格2: nobody is assigned to it


def test_dispatch_tells_the_handlers_of_the_department_with_a_link_to_the_case(people, committed):
    case = drive(report(people), people, CaseState.REGISTERED)
    with committed():
        case = s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version)
    assert told() == ["handler"]
    note = Notification.objects.get()
    assert (note.kind, note.case, note.url) == (K.NEW_TASK, case, f"/console/cases/{case.number}/")
    assert case.number in note.title and note.read_at is None


def test_automatic_dispatch_at_registration_tells_the_handlers(people, committed):
    case = drive(report(people), people, CaseState.ACCEPTED)
    CatalogClass.objects.filter(pk=case.catalog_class_id).update(auto_dispatch=True)
    with committed():
        case = s.case_register(case=case, actor=people["shift_leader"], version=case.version)
    assert case.state == CaseState.DISPATCHED
    assert told(K.NEW_TASK, case) == ["handler"]


def test_send_to_verify_tells_the_grids_inspector_only(people, committed):
    case = report(people, actor="acceptor")
    with committed():
        s.case_send_to_verify(case=case, actor=people["acceptor"], version=case.version)
    assert told() == ["grid_inspector"]


def test_a_grid_without_an_inspector_falls_back_to_the_inspectors_whose_scope_holds_it(people, committed):
    case = report(people, actor="acceptor", point=EAST_GRID_2)
    with committed():
        s.case_send_to_verify(case=case, actor=people["acceptor"], version=case.version)
    assert told() == ["inspector", "street_inspector"]


def test_send_to_check_tells_the_grids_inspector(people, committed):
    case = drive(report(people), people, CaseState.HANDLED)
    with committed():
        s.case_send_to_check(case=case, actor=people["acceptor"], version=case.version)
    assert told(K.NEW_TASK) == ["grid_inspector"]


def test_urging_a_dispatched_case_tells_its_handlers_and_not_the_leader(people, committed):
    case = drive(report(people), people, CaseState.DISPATCHED)
    s.case_pass_down(case=case, actor=people["handler"], version=case.version, unit=people["sub_unit"])
    case.refresh_from_db()
    with committed():
        s.case_urge(case=case, actor=people["leader"], version=case.version)
    assert told(K.URGED) == ["handler", "sub_handler"]


def test_urging_a_case_waiting_for_registration_tells_the_shift_leaders_in_scope(people, committed):
    case = drive(report(people), people, CaseState.ACCEPTED)
    with committed():
        s.case_urge(case=case, actor=people["leader"], version=case.version)
    assert told(K.URGED) == ["city_shift_leader", "shift_leader"]


def test_merging_tells_the_duplicates_reporter_the_master_number(people, committed):
    master = report(people)
    duplicate = report(people, actor="street_inspector", description="同一处垃圾")
    with committed():
        s.case_merge(case=duplicate, master=master, actor=people["acceptor"], version=duplicate.version)
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.case) == (people["street_inspector"], K.MERGED, duplicate)
    assert duplicate.number in note.title and master.number in note.title
    assert note.url == f"/console/cases/{master.number}/"


def test_merging_a_report_the_acceptor_made_tells_nobody(people, committed):
    master = report(people)
    duplicate = report(people, actor="acceptor", source="hotline")
    with committed():
        s.case_merge(case=duplicate, master=master, actor=people["acceptor"], version=duplicate.version)
    assert told() == []


@pytest.mark.parametrize(("kind", "approvers"), [
    (RequestKind.EXTENSION, ["dept_dispatcher", "dispatcher"]),
    (RequestKind.RETURN, ["dept_dispatcher", "dispatcher"]),
    (RequestKind.SUSPENSION, ["city_shift_leader", "shift_leader"]),
])
def test_a_handlers_request_tells_its_approvers_in_scope(people, committed, kind, approvers):
    case = drive(report(people), people, CaseState.DISPATCHED)
    with committed():
        s.case_request_create(case=case, actor=people["handler"], version=case.version, kind=kind, reason="需要更多时间",
                              extra_minutes=60 if kind == RequestKind.EXTENSION else None)
    assert told(K.REQUEST_PENDING) == approvers
    assert Notification.objects.filter(body="需要更多时间").count() == len(approvers)


def test_a_void_request_tells_the_shift_leaders(people, committed):
    case = report(people)
    with committed():
        s.case_request_create(case=case, actor=people["acceptor"], version=case.version, kind=RequestKind.VOID,
                              reason="无效", void_reason=VoidReason.INVALID)
    assert told(K.REQUEST_PENDING) == ["city_shift_leader", "shift_leader"]


@pytest.mark.parametrize(("approve", "word"), [(True, "approved"), (False, "rejected")])
def test_a_decision_tells_the_requester(people, committed, approve, word):
    case = drive(report(people), people, CaseState.DISPATCHED)
    request = s.case_request_create(case=case, actor=people["handler"], version=case.version,
                                    kind=RequestKind.EXTENSION, reason="r", extra_minutes=60)
    with committed():
        s.case_request_decide(request=request, actor=people["dispatcher"], approve=approve, note="同意" if approve else "")
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (people["handler"], K.REQUEST_DECIDED)
    assert word in note.title


def test_the_actor_is_not_told_about_their_own_act(people, committed):
    people["acceptor"].role_assignments.create(role="inspector")
    case = report(people, actor="acceptor")
    case.grid.inspectors.set([people["acceptor"]])
    with committed():
        s.case_send_to_verify(case=case, actor=people["acceptor"], version=case.version)
    assert told() == []


def test_a_rolled_back_change_tells_nobody(people, committed):
    case = drive(report(people), people, CaseState.REGISTERED)
    with committed(), pytest.raises(RuntimeError):
        with transaction.atomic():
            s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version)
            raise RuntimeError("the surrounding request failed")
    assert told() == []


def test_a_refused_action_tells_nobody(people, committed):
    case = drive(report(people), people, CaseState.REGISTERED)
    with committed(), pytest.raises(Conflict):
        s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version - 1)
    assert told() == []


def test_nothing_is_written_before_the_change_commits(people, django_capture_on_commit_callbacks):
    case = drive(report(people), people, CaseState.REGISTERED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version)
    assert len(callbacks) == 1 and told() == []
    callbacks[0]()
    assert told() == ["handler"]


def test_a_failing_notification_does_not_undo_the_committed_change(people, committed, monkeypatch):
    from cityops.cases import notices

    monkeypatch.setattr(notices, "recipients_for_case", lambda **kw: 1 / 0)
    case = drive(report(people), people, CaseState.REGISTERED)
    with committed():
        case = s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version)
    assert case.state == CaseState.DISPATCHED and told() == []


def test_a_case_in_the_other_district_reaches_that_districts_people(people, committed):
    case = report(people, actor="admin", point=WEST_POINT)
    with committed():
        s.case_request_create(case=case, actor=people["admin"], version=case.version, kind=RequestKind.VOID,
                              reason="无效", void_reason=VoidReason.INVALID)
    assert told(K.REQUEST_PENDING) == ["city_shift_leader", "west_shift_leader"]



def test_notifications_are_worded_in_the_platforms_language_whoever_acted(people, committed, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default (the suite itself runs in English)
    case = drive(report(people), people, CaseState.REGISTERED)
    with committed():
        case = s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version)
    assert Notification.objects.get().title.startswith(f"新任务：案件 {case.number}")
