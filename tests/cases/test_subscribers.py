"""Each case event reaches an explicit list of subscribers, in a fixed order, once its change commits; a failing
subscriber costs neither the others their turn nor the case its change."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import transaction

from cityops.cases import services as s
from cityops.cases import subscribers
from cityops.cases.jobs import raise_deadline_warnings
from cityops.cases.models import Case, CaseState
from cityops.catalog.models import CatalogClass
from cityops.notify.models import Notification, OutboxMessage
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, local, report

MONDAY_9 = local(2026, 3, 2, 9, 0)  # 受理 due 09:30, warning at 09:24


@pytest.fixture
def heard(monkeypatch):
    """A subscriber added at the end of the list that records each batch of events it is given (actions)."""
    batches: list[list[str]] = []
    listening = [
        *subscribers._SUBSCRIBERS,
        ("test.recorder", lambda events: batches.append([e.action for e in events])),
    ]
    monkeypatch.setattr(subscribers, "_SUBSCRIBERS", listening)
    return batches


def test_the_subscribers_are_the_staff_notices_the_citizen_messages_and_the_status_callbacks_in_that_order():
    assert subscribers.case_event_subscribers() == [
        "cases.staff_notices",
        "cases.citizen_messages",
        "intake.status_callbacks",
    ]


def test_subscribing_again_under_a_known_name_keeps_its_place(monkeypatch):
    monkeypatch.setattr(subscribers, "_SUBSCRIBERS", [("a", print), ("b", print)])
    subscribers.case_event_subscribe("a", repr)
    assert subscribers._SUBSCRIBERS == [("a", repr), ("b", print)]


def test_a_subscriber_hears_of_the_events_of_a_change_in_order_only_once_it_commits(
    cast, heard, django_capture_on_commit_callbacks
):
    case = drive(report(cast), cast, CaseState.ACCEPTED)
    CatalogClass.objects.filter(pk=case.catalog_class_id).update(auto_dispatch=True)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        s.case_register(case=case, actor=cast["shift_leader"], version=case.version)
    assert heard == []
    for callback in callbacks:
        callback()
    assert heard == [["case.registered"], ["case.dispatched"]]


def test_a_rolled_back_change_reaches_no_subscriber(cast, heard, django_capture_on_commit_callbacks):
    case = report(cast)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            s.case_accept(case=case, actor=cast["acceptor"], version=case.version)
            raise RuntimeError("the surrounding request failed")
    assert heard == []


def test_the_sla_jobs_marks_reach_the_subscribers_as_one_batch(
    cast, heard, django_capture_on_commit_callbacks
):
    report(cast, at=MONDAY_9)
    report(cast, at=MONDAY_9)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert raise_deadline_warnings(now=MONDAY_9 + timedelta(minutes=24)) == 2
    assert heard == [["case.deadline_warning", "case.deadline_warning"]]


def test_a_failing_subscriber_neither_stops_the_others_nor_undoes_the_change(
    cast, heard, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(events):
        raise RuntimeError("subscriber down")

    monkeypatch.setattr(subscribers, "_SUBSCRIBERS", [("test.broken", broken), *subscribers._SUBSCRIBERS])
    case = drive(report(cast, reporter_contact="13800138000"), cast, CaseState.REGISTERED)
    heard.clear()
    with caplog.at_level(logging.ERROR, logger="cityops.cases.subscribers"):
        with django_capture_on_commit_callbacks(execute=True):
            s.case_dispatch(case=case, actor=cast["dispatcher"], version=case.version)
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPATCHED
    assert heard == [["case.dispatched"]]
    assert Notification.objects.filter(recipient=cast["handler"], case=case).exists()  # staff notices ran
    assert OutboxMessage.objects.filter(recipient="13800138000", template_key="citizen.dispatched").exists()
    assert "test.broken failed" in caplog.text
