"""Which SMS and e-mails case events queue: the citizen's updates and the staff's pressing notifications."""

from __future__ import annotations

from django.core import mail

from cityops.cases import services as s
from cityops.cases.models import Case, CaseState
from cityops.notify.models import OutboxMessage
from cityops.notify.outbox import outbox_deliver_due
from tests.cases.notice_cast import *  # noqa: F403  (the cast, people, committed)
from tests.cases.workflow_cast import drive, report


def messages(channel: str | None = None) -> list[tuple[str, str, str]]:
    rows = OutboxMessage.objects.order_by("id")
    if channel:
        rows = rows.filter(channel=channel)
    return [(m.channel, m.recipient, m.template_key) for m in rows]


def citizen(case_contact: str) -> list[str]:
    return list(OutboxMessage.objects.filter(recipient=case_contact).order_by("id")
                .values_list("template_key", flat=True))


def test_a_citizen_with_a_phone_hears_of_receipt_acceptance_dispatch_and_close(people, committed):
    with committed():
        case = report(people, reporter_name="王女士", reporter_contact="138 0013 8000")
        Case.objects.filter(pk=case.pk).update(tracking_code="QX7P2K9M")
    with committed():
        drive(case, people, CaseState.CLOSED)
    assert citizen("13800138000") == ["citizen.received", "citizen.accepted", "citizen.dispatched",
                                      "citizen.closed"]
    received, *_rest, closed = OutboxMessage.objects.filter(recipient="13800138000").order_by("id")
    assert received.channel == "sms" and "QX7P2K9M" in received.body and "/portal/track/QX7P2K9M/" in received.body
    assert "清运完毕" in closed.body  # the result


def test_a_citizen_with_an_e_mail_gets_e_mails_delivered_by_the_worker(people, committed, settings):
    settings.LANGUAGE_CODE = "en"
    with committed():
        case = report(people, reporter_contact="resident@example.org")
    with committed():
        drive(case, people, CaseState.DISPATCHED)
    assert citizen("resident@example.org") == ["citizen.received", "citizen.accepted", "citizen.dispatched"]
    assert {m.language for m in OutboxMessage.objects.all()} == {"en"}
    outbox_deliver_due(worker_id="w")
    assert [m.to for m in mail.outbox] == [["resident@example.org"]] * 3
    assert mail.outbox[0].subject == f"Your report was received: {case.number}"


def test_a_report_without_a_usable_contact_sends_nothing_to_the_citizen(people, committed):
    with committed():
        report(people, reporter_contact="ask at the kiosk")
        report(people)
    assert not OutboxMessage.objects.filter(template_key__startswith="citizen.").exists()


def test_a_rolled_back_report_tells_the_citizen_nothing(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report(people, reporter_contact="13800138000")
    assert not OutboxMessage.objects.exists()  # its transaction never committed


def test_staff_with_a_phone_get_an_sms_for_a_new_task_and_an_e_mail_when_they_have_an_address(people, committed):
    handler = people["handler"]
    handler.phone, handler.email = "13900000001", "handler@example.org"
    handler.save()
    case = drive(report(people), people, CaseState.REGISTERED)
    with committed():
        s.case_dispatch(case=case, actor=people["dispatcher"], version=case.version)
    mine = [m for m in messages() if m[1] in ("13900000001", "handler@example.org")]
    assert mine == [("email", "handler@example.org", "staff.new_task"), ("sms", "13900000001", "staff.new_task")]
    sms = OutboxMessage.objects.get(recipient="13900000001")
    assert case.number in sms.body and sms.case_id == case.pk


def test_staff_get_no_sms_for_a_deadline_warning_only_an_e_mail(people, committed):
    from datetime import timedelta

    from cityops.cases.jobs import raise_deadline_warnings
    from tests.cases.workflow_cast import local

    acceptor = people["acceptor"]
    acceptor.phone, acceptor.email = "13900000002", "acceptor@example.org"
    acceptor.save()
    report(people, at=local(2026, 3, 2, 9, 0))
    with committed():
        assert raise_deadline_warnings(now=local(2026, 3, 2, 9, 0) + timedelta(minutes=24)) == 1
    assert messages() == [("email", "acceptor@example.org", "staff.deadline_warning")]
