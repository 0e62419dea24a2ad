"""A change of the working calendar moves the open stage clocks it touches: a yearly arrangement imported or entered
in the admin, or an override, recomputes each open working-time clock from its start, limit, extensions and
suspensions, with one `case.clock_recomputed` event per case; closed cases and natural-minute clocks stay.

2027 is past chinesecalendar 1.11, so before an arrangement its days follow the law: 5–8 Feb 2027 (除夕 to 初三)
are off. The test arrangement makes 5–12 Feb days off and Sunday 14 Feb a make-up working day.
"""

from __future__ import annotations

import time_machine
from django.db import transaction

from cityops.cases import services as s
from cityops.cases.jobs import mark_overdue
from cityops.cases.models import Case, CaseEvent, CaseState, RequestKind
from cityops.catalog.models import Urgency
from cityops.core.calendar_file import read_arrangement_text
from cityops.core.models import AuditEvent, CalendarOverride, DayKind
from cityops.core.services import arrangement_import, calendar_dates_changed
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, local, report

ARRANGEMENT_2027 = """\
date,kind,name
2027-01-01,holiday,元旦
2027-02-05..2027-02-12,holiday,春节
2027-02-14,workday,春节
"""


def import_2027(actor="command:calendar-import"):
    return arrangement_import(rows=read_arrangement_text(ARRANGEMENT_2027), actor=actor)


def handle_clock(case: Case):
    return case.clocks.get(stage="handle", done_at__isnull=True)


def override(day, kind=DayKind.HOLIDAY, actor="test"):
    """An override saved the way the admin saves one: the row, then the recompute in the same transaction."""
    with transaction.atomic():
        CalendarOverride.objects.create(date=day.date(), kind=kind)
        return calendar_dates_changed(dates=[day.date()], actor=actor, reason="test override")


@time_machine.travel(local(2027, 1, 15, 10, 0), tick=False)
def test_an_import_moves_the_open_clocks_it_touches_with_an_event_and_leaves_closed_cases_alone(cast):
    at = local(2027, 2, 4, 16, 30)  # Thursday; 06010 handling is 240 working minutes
    open_case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    closed = drive(report(cast, at=at), cast, CaseState.CLOSED, at=at)
    closed_clocks = list(closed.clocks.values_list("id", "deadline"))
    # By the law: 60 minutes on Thursday, then Friday (除夕), the weekend and Monday (初三) are off.
    assert open_case.due_at == local(2027, 2, 9, 11, 30)

    result = import_2027()

    assert result.cases_recomputed == 1
    open_case.refresh_from_db()
    # The arrangement: days off to Friday 12 Feb, Sunday 14 Feb is worked.
    assert handle_clock(open_case).deadline == open_case.due_at == local(2027, 2, 14, 11, 30)
    assert open_case.warn_at == local(2027, 2, 14, 10, 42)  # 80 % of 240 = 192 minutes
    event = CaseEvent.objects.get(case=open_case, action="case.clock_recomputed")
    assert event.actor_label == "command:calendar-import"
    assert event.data["stage"] == "handle" and event.data["reason"] == "holiday arrangement 2027"
    assert event.data["before"]["deadline"] == local(2027, 2, 9, 11, 30).isoformat()
    assert event.data["after"]["deadline"] == local(2027, 2, 14, 11, 30).isoformat()
    assert AuditEvent.objects.get(action="cases.clocks.recomputed").data["cases"] == 1
    assert list(closed.clocks.values_list("id", "deadline")) == closed_clocks
    assert not CaseEvent.objects.filter(case=closed, action="case.clock_recomputed").exists()
    assert open_case.version == Case.objects.get(pk=open_case.pk).version  # no 409 for someone mid-action


@time_machine.travel(local(2027, 1, 15, 10, 0), tick=False)
def test_a_re_import_that_changes_nothing_recomputes_nothing(cast):
    at = local(2027, 2, 4, 16, 30)
    drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    import_2027()
    assert import_2027().cases_recomputed == 0
    assert CaseEvent.objects.filter(action="case.clock_recomputed").count() == 1


@time_machine.travel(local(2027, 1, 15, 10, 0), tick=False)
def test_a_natural_minute_clock_is_not_touched(cast):
    at = local(2027, 2, 4, 16, 30)
    urgent = drive(report(cast, at=at, urgency=Urgency.objects.get(code="urgent")), cast, CaseState.DISPATCHED, at=at)
    due = urgent.due_at
    import_2027()
    urgent.refresh_from_db()
    assert urgent.due_at == due
    assert not CaseEvent.objects.filter(case=urgent, action="case.clock_recomputed").exists()


def _extended_and_suspended(cast) -> Case:
    """Dispatched Mon 1 Mar 2027 09:00 (due 14:30), extended by 120 at 09:30, suspended 10:00, resumed Wed 10:00."""
    at = local(2027, 3, 1, 9, 0)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.EXTENSION, reason="r", extra_minutes=120, at=local(2027, 3, 1, 9, 30))
    s.case_request_decide(request=request, actor=cast["dispatcher"], approve=True, at=local(2027, 3, 1, 9, 30))
    case.refresh_from_db()
    request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                    kind=RequestKind.SUSPENSION, reason="r", at=local(2027, 3, 1, 10, 0))
    s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True, at=local(2027, 3, 1, 10, 0))
    case.refresh_from_db()
    return s.case_resume(case=case, actor=cast["shift_leader"], version=case.version, at=local(2027, 3, 3, 10, 0))


@time_machine.travel(local(2027, 2, 20, 10, 0), tick=False)
def test_a_day_off_inside_a_past_suspension_does_not_move_the_deadline(cast):
    case = _extended_and_suspended(cast)
    # 60 minutes used before the pause, 120 + 240 - 60 = 300 left from Wednesday 10:00.
    assert case.due_at == local(2027, 3, 3, 16, 30)
    assert override(local(2027, 3, 2)) == 0  # Tuesday, wholly inside the suspension
    case.refresh_from_db()
    assert case.due_at == handle_clock(case).deadline == local(2027, 3, 3, 16, 30)


@time_machine.travel(local(2027, 2, 20, 10, 0), tick=False)
def test_a_day_off_after_the_resume_moves_the_deadline_by_the_replayed_history(cast):
    case = _extended_and_suspended(cast)
    assert override(local(2027, 3, 3)) == 1  # Wednesday, the day of the resume
    case.refresh_from_db()
    # The 300 minutes left count from Thursday 08:30: 210 in the morning, 90 after lunch.
    assert case.due_at == handle_clock(case).deadline == local(2027, 3, 4, 15, 0)
    # The warning: 80 % of 360 = 288 from the start (Mon 15:18), moved by the paused 810 working minutes.
    assert case.warn_at == local(2027, 3, 4, 13, 48)  # Mon 15:18 + 132 + 450 (Tue) + 228 on Thursday


@time_machine.travel(local(2027, 3, 2, 12, 0), tick=False)
def test_an_overdue_flag_the_new_deadline_no_longer_justifies_is_dropped(cast):
    at = local(2027, 3, 1, 9, 0)  # Monday; due 14:30 that day
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    assert mark_overdue(now=local(2027, 3, 2, 12, 0)) >= 1
    case.refresh_from_db()
    assert case.is_overdue
    assert override(local(2027, 3, 1)) == 1  # Monday off: the clock counts from Tuesday 08:30
    case.refresh_from_db()
    assert case.due_at == local(2027, 3, 2, 14, 0)
    assert not case.is_overdue


@time_machine.travel(local(2027, 3, 8, 10, 0), tick=False)
def test_a_deadline_moved_into_the_past_is_flagged_overdue_by_the_sla_worker(cast):
    at = local(2027, 3, 5, 16, 0)  # Friday: 90 minutes, then Monday 08:30 + 150 = 11:00
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    assert case.due_at == local(2027, 3, 8, 11, 0)
    assert override(local(2027, 3, 6), kind=DayKind.WORKDAY) == 1  # Saturday worked: due Saturday 11:00
    case.refresh_from_db()
    assert case.due_at == local(2027, 3, 6, 11, 0) and not case.is_overdue
    assert mark_overdue(now=local(2027, 3, 8, 10, 0)) == 1
    case.refresh_from_db()
    assert case.is_overdue


@time_machine.travel(local(2027, 1, 15, 10, 0), tick=False)
def test_entering_the_arrangement_in_the_admin_recomputes_the_clocks_and_audits_the_days(cast, client):
    from cityops.core.models import HolidayArrangement

    at = local(2027, 2, 4, 16, 30)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    client.force_login(cast["admin"])
    days = [("2027-02-05", "holiday"), ("2027-02-09", "holiday"), ("2027-02-10", "holiday"),
            ("2027-02-11", "holiday"), ("2027-02-12", "holiday"), ("2027-02-14", "workday")]
    data = {"year": "2027", "reference": "test", "note": "", "days-TOTAL_FORMS": str(len(days)),
            "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000"}
    for i, (day, kind) in enumerate(days):
        data.update({f"days-{i}-date": day, f"days-{i}-kind": kind, f"days-{i}-name": "春节"})
    response = client.post("/admin/core/holidayarrangement/add/", data, follow=True)
    assert response.status_code == 200
    assert HolidayArrangement.objects.get(year=2027).days.count() == 6, response.content.decode()[:3000]
    assert "1" in " ".join(str(m) for m in response.context["messages"])
    case.refresh_from_db()
    assert case.due_at == local(2027, 2, 14, 11, 30)
    assert CaseEvent.objects.get(case=case, action="case.clock_recomputed").actor == cast["admin"]
    audit = AuditEvent.objects.get(action="core.holiday_arrangement.days_changed")
    assert audit.data["after"]["2027-02-14"] == ["workday", "春节"]
    assert AuditEvent.objects.filter(action="core.holiday_arrangement.created").exists()


def test_the_admin_refuses_a_day_outside_the_arrangements_year(cast, client):
    from cityops.core.models import HolidayArrangement

    client.force_login(cast["admin"])
    data = {"year": "2027", "reference": "", "note": "", "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2028-02-05", "days-0-kind": "holiday", "days-0-name": ""}
    response = client.post("/admin/core/holidayarrangement/add/", data)
    assert response.status_code == 200
    assert "2027 arrangement can list dates" in response.content.decode()
    assert not HolidayArrangement.objects.exists()


def test_the_recompute_command_fixes_deadlines_computed_before_the_statutory_fallback(cast):
    """Clocks started before the upgrade counted 1 Jan 2027 as a working day; the command moves them once."""
    from io import StringIO

    from django.core.management import call_command

    at = local(2026, 12, 31, 16, 30)  # Thursday; 240 working minutes of handling
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    assert case.due_at == local(2027, 1, 4, 11, 30)  # Friday 1 Jan and the weekend are off
    clock = handle_clock(case)
    Case.objects.filter(pk=case.pk).update(due_at=local(2027, 1, 1, 11, 30))  # what Monday–Friday gave before
    type(clock).objects.filter(pk=clock.pk).update(deadline=local(2027, 1, 1, 11, 30))
    out = StringIO()
    with time_machine.travel(local(2026, 12, 31, 17, 0), tick=False):
        call_command("calendar_recompute", stdout=out)
    assert out.getvalue().startswith("1 open cases' deadlines recomputed")
    case.refresh_from_db()
    assert case.due_at == handle_clock(case).deadline == local(2027, 1, 4, 11, 30)
    assert CaseEvent.objects.get(case=case, action="case.clock_recomputed").actor_label == "command:calendar-recompute"


@time_machine.travel(local(2027, 1, 15, 10, 0), tick=False)
def test_an_override_saved_or_deleted_in_the_admin_moves_the_open_clocks(cast, client):
    at = local(2027, 2, 4, 16, 30)
    case = drive(report(cast, at=at), cast, CaseState.DISPATCHED, at=at)
    client.force_login(cast["admin"])
    response = client.post("/admin/core/calendaroverride/add/",
                           {"date": "2027-02-09", "kind": "holiday", "office_hours": "", "note": "local"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_at == local(2027, 2, 10, 11, 30)  # Tuesday off as well: Wednesday
    override_row = CalendarOverride.objects.get(date="2027-02-09")
    response = client.post(f"/admin/core/calendaroverride/{override_row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_at == local(2027, 2, 9, 11, 30)
    assert CaseEvent.objects.filter(case=case, action="case.clock_recomputed").count() == 2
