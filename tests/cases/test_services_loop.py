"""The closed loop through the services: report → close, and every special action on the way."""

from __future__ import annotations

import pytest

from cityops.cases import services as s
from cityops.cases.models import Case, CaseRequest, CaseState, RequestKind, RequestState, VoidReason
from cityops.cases.services import StaleVersion
from cityops.cases.workflow import IllegalTransition
from cityops.core.errors import Conflict, InvalidInput
from cityops.testing import factories as f
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import EAST_POINT, drive, report


def actions(case: Case) -> list[str]:
    return list(case.events.order_by("at", "id").values_list("action", flat=True))


def test_a_report_goes_the_whole_loop_to_closed_with_one_event_per_step(cast):
    case = report(cast)
    assert (case.state, case.version, case.proposed_department) == (CaseState.REPORTED, 1, cast["dept_east"])
    case = drive(case, cast, CaseState.VERIFYING)
    case = s.case_verify(case=case, actor=cast["inspector"], version=case.version, confirmed=True)
    case = drive(case, cast, CaseState.CLOSED)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at is not None
    assert case.department == cast["dept_east"] and case.result == "清运完毕"
    assert actions(case) == ["case.reported", "case.sent_to_verify", "case.verified", "case.registered",
                             "case.dispatched", "case.handled", "case.sent_to_check", "case.checked", "case.closed"]
    assert case.version == 9
    assert case.events.get(action="case.dispatched").actor == cast["dispatcher"]


def test_a_refuted_verification_sends_the_report_back_to_the_acceptor(cast):
    case = drive(report(cast), cast, CaseState.VERIFYING)
    case = s.case_verify(case=case, actor=cast["inspector"], version=case.version, confirmed=False, note="现场无垃圾")
    assert case.state == CaseState.REPORTED
    assert case.events.last().action == "case.verification_refuted"


def test_a_failed_check_sends_the_case_back_as_counted_rework(cast):
    case = drive(report(cast), cast, CaseState.CHECKING)
    case = s.case_check(case=case, actor=cast["inspector"], version=case.version, passed=False, note="未清理干净")
    assert (case.state, case.rework_count, case.department) == (CaseState.DISPATCHED, 1, cast["dept_east"])
    assert case.events.last().action == "case.rework"
    assert drive(case, cast, CaseState.CLOSED).state == CaseState.CLOSED


def test_dispatching_to_another_department_than_the_proposal_counts_as_an_override(cast):
    case = drive(report(cast), cast, CaseState.REGISTERED)
    west = cast["other_handler"].department
    case = s.case_dispatch(case=case, actor=cast["dispatcher"], version=case.version, department="WEST-CG")
    assert (case.department, case.dispatch_overridden) == (west, True)
    assert case.events.last().data == {"department": "WEST-CG", "overridden": True, "proposed": "EAST-CG"}


def test_dispatch_without_a_proposal_needs_a_department(cast, city):
    case = report(cast, point=(104.0075, 30.0175), catalog_class="matter:06012")  # no rule for this class
    case = drive(case, cast, CaseState.REGISTERED)
    with pytest.raises(InvalidInput) as refused:
        s.case_dispatch(case=case, actor=cast["dispatcher"], version=case.version)
    assert refused.value.field == "department"


def test_registering_a_class_configured_for_auto_dispatch_dispatches_it_to_the_proposal(cast, garbage):
    garbage.auto_dispatch = True
    garbage.save()
    case = drive(report(cast), cast, CaseState.ACCEPTED)
    case = s.case_register(case=case, actor=cast["shift_leader"], version=case.version)
    assert (case.state, case.department) == (CaseState.DISPATCHED, cast["dept_east"])
    event = case.events.last()
    assert (event.action, event.actor_label, event.data["auto"]) == ("case.dispatched", "auto-dispatch", True)


def test_pass_down_accepts_only_a_sub_unit_of_the_responsible_department(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    with pytest.raises(InvalidInput) as refused:
        s.case_pass_down(case=case, actor=cast["handler"], version=case.version, unit="WEST-CG")
    assert refused.value.field == "unit"


def test_handling_needs_a_result(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    with pytest.raises(InvalidInput) as refused:
        s.case_handle(case=case, actor=cast["handler"], version=case.version, result="  ")
    assert refused.value.field == "result"


def test_an_approved_extension_adds_time_and_is_counted(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    due = case.due_at
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.EXTENSION, reason="需要吊车", extra_minutes=120)
    decided = s.case_request_decide(request=request, actor=cast["dispatcher"], approve=True, note="同意")
    case.refresh_from_db()
    assert decided.state == RequestState.APPROVED and decided.decided_by == cast["dispatcher"]
    assert (case.state, case.extension_count) == (CaseState.DISPATCHED, 1)
    assert case.due_at > due
    assert actions(case)[-2:] == ["case.extension_requested", "case.extended"]


def test_an_approved_return_sends_the_case_back_to_dispatch_without_department(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.RETURN, reason="不属于本单位")
    s.case_request_decide(request=request, actor=cast["dispatcher"], approve=True)
    case.refresh_from_db()
    assert (case.state, case.return_count, case.department) == (CaseState.REGISTERED, 1, None)
    assert case.events.last().data["department"] == "EAST-CG"


def test_suspension_and_resume(cast):
    case = drive(report(cast), cast, CaseState.SUSPENDED)
    assert case.state == CaseState.SUSPENDED
    case = s.case_resume(case=case, actor=cast["shift_leader"], version=case.version)
    assert (case.state, case.department) == (CaseState.DISPATCHED, cast["dept_east"])
    assert actions(case)[-3:] == ["case.suspension_requested", "case.suspended", "case.resumed"]


def test_an_approved_void_request_voids_the_case_with_its_reason(cast):
    case = drive(report(cast), cast, CaseState.VOIDED)
    assert (case.state, case.void_reason) == (CaseState.VOIDED, VoidReason.INVALID)
    assert case.current_stage == "" and case.due_at is None


def test_a_rejected_request_only_records_the_decision(cast):
    case = report(cast)
    request = s.case_request_create(case=case, actor=cast["acceptor"], version=case.version, kind=RequestKind.VOID,
                                    reason="疑似重复", void_reason=VoidReason.DUPLICATE)
    s.case_request_decide(request=request, actor=cast["shift_leader"], approve=False, note="不是重复")
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert CaseRequest.objects.get(pk=request.pk).state == RequestState.REJECTED
    assert case.events.last().action == "case.request_rejected"
    with pytest.raises(Conflict):
        s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True)


def test_only_one_request_of_a_kind_waits_at_a_time(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    s.case_request_create(case=case, actor=cast["handler"], version=None, kind=RequestKind.EXTENSION, reason="a",
                          extra_minutes=60)
    with pytest.raises(Conflict, match="already waiting"):
        s.case_request_create(case=case, actor=cast["handler"], version=None, kind=RequestKind.EXTENSION,
                              reason="b", extra_minutes=60)
    s.case_request_create(case=case, actor=cast["handler"], version=None, kind=RequestKind.RETURN, reason="c")


@pytest.mark.parametrize(("kind", "terms", "field"), [
    (RequestKind.EXTENSION, {}, "extra_minutes"), (RequestKind.EXTENSION, {"extra_minutes": 0}, "extra_minutes"),
    (RequestKind.VOID, {"void_reason": "bored"}, "void_reason"), ("holiday", {}, "kind"),
])
def test_a_request_with_missing_terms_is_refused_naming_the_field(cast, kind, terms, field):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    with pytest.raises(InvalidInput) as refused:
        s.case_request_create(case=case, actor=cast["handler"], version=None, kind=kind, reason="r", **terms)
    assert refused.value.field == field


def test_a_pending_request_is_cancelled_once_the_case_moves_on(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    request = s.case_request_create(case=case, actor=cast["handler"], version=None, kind=RequestKind.EXTENSION,
                                    reason="a", extra_minutes=60)
    drive(Case.objects.get(pk=case.pk), cast, CaseState.HANDLED)
    assert CaseRequest.objects.get(pk=request.pk).state == RequestState.CANCELLED


def test_merging_voids_the_duplicate_as_duplicate_linked_to_its_master(cast):
    master = report(cast)
    result = s.case_report(actor=cast["acceptor"], source="hotline", catalog_class="matter:06010",
                           description="又有人反映这里有垃圾", lon=EAST_POINT[0], lat=EAST_POINT[1])
    assert result.duplicates == [master]
    duplicate = s.case_merge(case=result.case, master=master, actor=cast["acceptor"], version=result.case.version)
    assert (duplicate.state, duplicate.void_reason, duplicate.master) == (CaseState.VOIDED, "duplicate", master)
    assert master.events.last().action == "case.duplicate_merged"
    with pytest.raises(InvalidInput):
        s.case_merge(case=master, master=master, actor=cast["acceptor"], version=None)


def test_a_self_handled_report_is_created_and_closed_at_once(cast):
    result = s.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06010",
                           description="小广告", lon=EAST_POINT[0], lat=EAST_POINT[1], self_handled=True,
                           result="已当场清除")
    case = result.case
    assert (case.state, case.is_self_handled, case.result) == (CaseState.CLOSED, True, "已当场清除")
    assert actions(case) == ["case.reported", "case.self_handled"]


def test_only_an_inspector_reports_a_self_handled_case(cast):
    from cityops.core.errors import Forbidden

    with pytest.raises(Forbidden):
        s.case_report(actor=cast["acceptor"], source="hotline", catalog_class="matter:06010", description="x",
                      lon=EAST_POINT[0], lat=EAST_POINT[1], self_handled=True)


def test_urging_flags_the_case_and_keeps_its_state(cast):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    case = s.case_urge(case=case, actor=cast["leader"], version=case.version, note="尽快处理")
    assert (case.state, case.is_urged) == (CaseState.DISPATCHED, True)


def test_a_closed_case_is_never_reopened_a_recurrence_is_a_linked_new_case(cast):
    closed = drive(report(cast), cast, CaseState.CLOSED)
    with pytest.raises(IllegalTransition):
        s.case_dispatch(case=closed, actor=cast["dispatcher"], version=closed.version)
    again = report(cast, recurrence_of=closed)
    assert again.pk != closed.pk and again.recurrence_of == closed and again.state == CaseState.REPORTED
    with pytest.raises(InvalidInput) as refused:
        report(cast, recurrence_of=again)
    assert refused.value.field == "recurrence_of"


def test_a_stale_version_is_refused_with_409_and_changes_nothing(cast):
    case = report(cast)
    s.case_accept(case=case, actor=cast["acceptor"], version=1)
    with pytest.raises(StaleVersion) as refused:
        s.case_urge(case=case, actor=cast["leader"], version=1)
    assert refused.value.status == 409
    case.refresh_from_db()
    assert (case.version, case.is_urged) == (2, False)


def test_the_same_idempotency_key_returns_the_same_case(cast):
    first = s.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06010",
                          description="垃圾", lon=EAST_POINT[0], lat=EAST_POINT[1], idempotency_key="k-1")
    again = s.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06010",
                          description="垃圾", lon=EAST_POINT[0], lat=EAST_POINT[1], idempotency_key="k-1")
    other = s.case_report(actor=cast["acceptor"], source="hotline", catalog_class="matter:06010",
                          description="垃圾", lon=EAST_POINT[0], lat=EAST_POINT[1], idempotency_key="k-1")
    assert (first.created, again.created, other.created) == (True, False, True)
    assert again.case.pk == first.case.pk and other.case.pk != first.case.pk
    assert Case.objects.count() == 2


def test_a_retry_racing_past_the_lookup_returns_the_case_the_first_attempt_created(cast):
    first = s.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06010",
                          description="垃圾", lon=EAST_POINT[0], lat=EAST_POINT[1], idempotency_key="k-2").case
    # The key is not looked up before the insert any more: every retry (racing or not) is caught by the unique
    # (reporter, key) constraint at insert and answered with the first case (tests/cases/test_report_path.py).
    again = s.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06010",
                          description="垃圾", lon=EAST_POINT[0], lat=EAST_POINT[1], idempotency_key="k-2")
    assert (again.created, again.case.pk) == (False, first.pk)


def test_a_point_outside_the_city_is_refused_as_outside_the_service_area(cast):
    with pytest.raises(InvalidInput) as refused:
        report(cast, point=(105.5, 31.0))
    assert refused.value.code == "outside_service_area"
    assert not Case.objects.exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"description": "  "}, "description"), ({"description": "x" * 2001}, "description"),
    ({"source": "pigeon"}, "source"), ({"catalog_class": "matter:99999"}, "catalog_class"),
    ({"urgency": "whenever"}, "urgency"),
])
def test_a_bad_report_is_refused_naming_the_field(cast, fields, field):
    with pytest.raises(InvalidInput) as refused:
        report(cast, **fields)
    assert refused.value.field == field
    assert not Case.objects.exists()


def test_a_retired_class_is_refused(cast, garbage):
    from django.utils import timezone

    garbage.retired_at = timezone.now()
    garbage.save()
    with pytest.raises(InvalidInput, match="retired"):
        report(cast)


def test_a_script_in_the_description_is_stored_as_text(cast):
    case = report(cast, description="<script>alert(1)</script>")
    assert Case.objects.get(pk=case.pk).description == "<script>alert(1)</script>"


def test_a_report_outside_the_reporters_scope_is_refused(cast, city):
    from cityops.core.errors import NotFound
    from tests.cases.workflow_cast import WEST_POINT

    with pytest.raises(NotFound):
        report(cast, point=WEST_POINT)
    assert f  # the factories stay importable for the cast
