"""The SLA worker's deadline warnings and overdue marks notify whoever the case waits for, once per event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from cityops.cases import services as s
from cityops.cases.jobs import mark_overdue, raise_deadline_warnings
from cityops.cases.models import CaseState
from cityops.notify.models import Notification, NotificationKind
from tests.cases.notice_cast import *  # noqa: F403  (the cast, people, committed)
from tests.cases.notice_cast import told
from tests.cases.workflow_cast import drive, local, report

K = NotificationKind
MONDAY_9 = local(2026, 3, 2, 9, 0)  # 受理 due 09:30, warning at 09:24


def test_a_deadline_warning_tells_the_acceptors_of_a_waiting_report(people, committed):
    case = report(people, at=MONDAY_9)
    with committed():
        assert raise_deadline_warnings(now=local(2026, 3, 2, 9, 24)) == 1
    assert told(K.DEADLINE_WARNING, case) == ["acceptor"]
    note = Notification.objects.get()
    assert case.number in note.title and "2026-03-02 09:30" in note.title


def test_an_overdue_report_is_announced_once(people, committed):
    case = report(people, at=MONDAY_9)
    with committed():
        mark_overdue(now=local(2026, 3, 2, 9, 31))
        mark_overdue(now=local(2026, 3, 2, 9, 45))
    assert told(K.OVERDUE, case) == ["acceptor"]


def test_an_overdue_dispatched_case_tells_the_department_and_its_acting_sub_unit(people, committed):
    case = drive(report(people, at=MONDAY_9), people, CaseState.DISPATCHED, at=MONDAY_9)
    s.case_pass_down(case=case, actor=people["handler"], version=case.version, unit=people["sub_unit"], at=MONDAY_9)
    with committed():
        assert mark_overdue(now=MONDAY_9 + timedelta(days=30)) == 1
    assert told(K.OVERDUE) == ["handler", "sub_handler"]


def test_a_batch_of_cases_in_different_states_tells_each_its_own_people(people, committed):
    waiting = report(people, at=MONDAY_9)
    registered = drive(report(people, at=MONDAY_9), people, CaseState.REGISTERED, at=MONDAY_9)
    verifying = drive(report(people, at=MONDAY_9, actor="acceptor"), people, CaseState.VERIFYING, at=MONDAY_9)
    with committed():
        assert mark_overdue(now=MONDAY_9 + timedelta(days=30)) == 3
    assert told(K.OVERDUE, waiting) == ["acceptor"]
    assert told(K.OVERDUE, registered) == ["dispatcher"]  # no department yet: only the region's dispatcher
    assert told(K.OVERDUE, verifying) == ["grid_inspector"]


def test_a_worker_batch_that_rolls_back_tells_nobody(people, committed):
    report(people, at=MONDAY_9)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        assert mark_overdue(now=local(2026, 3, 2, 10, 0)) == 1
        raise RuntimeError("the worker died before its commit")
    assert told() == []
