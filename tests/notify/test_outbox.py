"""The outbox: written after commit, delivered by the worker with retries and backoff, nothing lost on a restart."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cityops.core.audit import AuditEvent
from cityops.core.jobs import discover_jobs
from cityops.notify import backends
from cityops.notify.models import MessageTemplate, OutboxMessage, OutboxState
from cityops.notify.outbox import backoff, outbox_deliver_due, outbox_enqueue, outbox_retry, render

S = OutboxState
CONTEXT = {"case_number": "C-1", "class_name": "暴露垃圾", "tracking_code": "AB12CD34",
           "track_url": "https://city.example/portal/track/AB12CD34/"}


def enqueue_sms(to: str = "13800000000", **kwargs) -> None:
    kwargs.setdefault("template", "citizen.received")
    kwargs.setdefault("context", CONTEXT)
    outbox_enqueue(channel="sms", to=to, language=kwargs.pop("language", "zh-hans"), **kwargs)


class Boom:
    def send(self, message):
        raise backends.DeliveryError("gateway down")


@pytest.fixture
def broken_sms(monkeypatch):
    real = backends.backend_for
    monkeypatch.setattr("cityops.notify.outbox.backend_for",
                        lambda channel: Boom() if channel == "sms" else real(channel))


def test_a_message_is_written_only_when_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_sms()
    message = OutboxMessage.objects.get()
    assert message.state == S.PENDING and message.recipient == "13800000000"
    assert "AB12CD34" in message.body and message.template_key == "citizen.received"


def test_a_rolled_back_change_sends_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_sms()
            raise RuntimeError("the change failed")
    assert callbacks == [] and not OutboxMessage.objects.exists()


def test_the_worker_sends_due_messages_through_the_console_backend(db, committed, caplog):
    with committed():
        enqueue_sms()
    with caplog.at_level(logging.INFO, logger="cityops.notify.outbox"):
        report = outbox_deliver_due(worker_id="w1")
    message = OutboxMessage.objects.get()
    assert (report.claimed, report.sent) == (1, 1)
    assert message.state == S.SENT and message.sent_at is not None and message.attempts == 1
    assert "SMS to 13800000000" in caplog.text and "AB12CD34" in caplog.text
    assert outbox_deliver_due(worker_id="w1").claimed == 0  # sent once, never again


def test_a_failure_is_retried_with_growing_waits_and_given_up_after_the_last_attempt(db, committed, broken_sms,
                                                                                      settings):
    settings.CITYOPS_OUTBOX_MAX_ATTEMPTS = 3
    with committed():
        enqueue_sms()
    now = timezone.now()
    assert outbox_deliver_due(worker_id="w", now=now).failed == 1
    message = OutboxMessage.objects.get()
    assert message.state == S.FAILED and message.attempts == 1 and "gateway down" in message.last_error
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert outbox_deliver_due(worker_id="w", now=now + timedelta(seconds=30)).claimed == 0  # not due yet

    now += timedelta(minutes=1)
    outbox_deliver_due(worker_id="w", now=now)
    message.refresh_from_db()
    assert message.state == S.FAILED and message.next_attempt_at == now + timedelta(minutes=2)

    now += timedelta(minutes=2)
    assert outbox_deliver_due(worker_id="w", now=now).dead == 1
    message.refresh_from_db()
    assert message.state == S.DEAD and message.attempts == 3
    assert outbox_deliver_due(worker_id="w", now=now + timedelta(days=1)).claimed == 0


def test_the_backoff_doubles_and_is_capped_at_an_hour():
    assert [backoff(n).total_seconds() // 60 for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 60, 60]


def test_an_admin_retry_makes_a_dead_message_due_again_and_is_audited(db, committed, broken_sms, settings, personas):
    settings.CITYOPS_OUTBOX_MAX_ATTEMPTS = 1
    with committed():
        enqueue_sms()
    outbox_deliver_due(worker_id="w")
    assert outbox_retry(messages=OutboxMessage.objects.all(), actor=personas["admin"]) == 1
    assert OutboxMessage.objects.get().state == S.PENDING
    assert AuditEvent.objects.filter(action="notify.outbox.retried").count() == 1


def test_a_worker_restart_in_the_middle_loses_nothing_and_sends_each_message_once(db, committed, monkeypatch):
    with committed():
        for n in range(3):
            enqueue_sms(to=f"1380000000{n}")
    sent: list[str] = []

    class Recording:
        def send(self, message):
            sent.append(message.recipient)

    class Dying:
        def send(self, message):
            raise SystemExit("the worker process is killed mid-send")

    monkeypatch.setattr("cityops.notify.outbox.backend_for", lambda channel: Dying())
    with pytest.raises(SystemExit):
        outbox_deliver_due(worker_id="old", batch=2)
    # The dead worker left its whole batch claimed: 2 rows `sending`, the third untouched.
    assert OutboxMessage.objects.filter(state=S.SENDING).count() == 2

    monkeypatch.setattr("cityops.notify.outbox.backend_for", lambda channel: Recording())
    outbox_deliver_due(worker_id="new")  # within the lease: the claimed rows are not touched yet
    assert sent == ["13800000002"]
    later = timezone.now() + timedelta(minutes=6)
    outbox_deliver_due(worker_id="new", now=later)  # the lease ran out: the new worker takes them over
    outbox_deliver_due(worker_id="new", now=later + timedelta(minutes=10))
    assert sorted(sent) == ["13800000000", "13800000001", "13800000002"]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {S.SENT}


def test_templates_are_chosen_by_language(db):
    _subject, zh = render(key="citizen.received", channel="sms", language="zh-hans", context=CONTEXT)
    _subject, en = render(key="citizen.received", channel="sms", language="en", context=CONTEXT)
    assert "已收到" in zh and "received" in en and "AB12CD34" in zh and "AB12CD34" in en


def test_an_edited_template_is_used_and_renders_plain_text(db):
    MessageTemplate.objects.filter(key="citizen.closed", channel="email", language="en").update(
        subject="Done: {{ case_number }}", body="Result: {{ result }}")
    subject, body = render(key="citizen.closed", channel="email", language="en",
                           context={"case_number": "C-9", "result": "Bins & bags removed"})
    assert (subject, body) == ("Done: C-9", "Result: Bins & bags removed")


def test_default_templates_are_seeded_for_every_event_channel_and_language(db):
    keys = set(MessageTemplate.objects.values_list("key", "channel", "language"))
    for key in ("citizen.received", "citizen.accepted", "citizen.dispatched", "citizen.closed",
                "staff.new_task", "staff.deadline_warning", "staff.overdue", "staff.urged"):
        for channel in ("sms", "email"):
            assert {(key, channel, "zh-hans"), (key, channel, "en")} <= keys


def test_the_worker_runs_the_outbox_every_ten_seconds():
    job = {j.name: j for j in discover_jobs()}["notify.deliver_outbox"]
    assert job.every_seconds == 10


def test_admins_see_failures_with_their_error_and_retry_them_from_the_list(db, committed, broken_sms, client,
                                                                          admin_user):
    with committed():
        enqueue_sms()
    outbox_deliver_due(worker_id="w")
    client.force_login(admin_user)
    page = client.get("/admin/notify/outboxmessage/?state__exact=failed")
    assert page.status_code == 200 and "gateway down" in page.content.decode()
    message = OutboxMessage.objects.get()
    answer = client.post("/admin/notify/outboxmessage/", {"action": "retry_now", "_selected_action": [message.pk]})
    assert answer.status_code == 302
    message.refresh_from_db()
    assert message.state == S.PENDING
    assert client.get(f"/admin/notify/messagetemplate/{MessageTemplate.objects.first().pk}/change/").status_code == 200
