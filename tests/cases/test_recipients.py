"""Who is concerned, read from the workflow's transition table, in a bounded number of queries."""

from __future__ import annotations

import pytest

from cityops.cases.models import CaseState
from cityops.cases.recipients import acting_rows, ancestor_paths, recipients_for_case
from cityops.notify.models import NotificationKind
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.notice_cast import *  # noqa: F403  (the cast, people, committed)
from tests.cases.workflow_cast import drive, report

S = CaseState


@pytest.mark.parametrize(("state", "roles"), [
    (S.REPORTED, {Role.ACCEPTOR}), (S.VERIFYING, {Role.INSPECTOR}), (S.ACCEPTED, {Role.SHIFT_LEADER}),
    (S.REGISTERED, {Role.DISPATCHER}), (S.DISPATCHED, {Role.HANDLER}), (S.HANDLED, {Role.ACCEPTOR}),
    (S.CHECKING, {Role.INSPECTOR}), (S.CHECKED, {Role.SHIFT_LEADER}), (S.SUSPENDED, {Role.SHIFT_LEADER}),
    (S.CLOSED, set()), (S.VOIDED, set()),
])
def test_the_people_a_state_waits_for_come_from_the_transition_table(state, roles):
    assert {role for row in acting_rows(state) for role in row.roles} == roles


def test_ancestor_paths_are_every_scope_containing_a_path():
    assert ancestor_paths("/510100/510104/") == ["/510100/", "/510100/510104/"]
    assert ancestor_paths("") == []


def test_finding_recipients_takes_the_same_few_queries_however_many_staff_there_are(
        people, city, django_assert_max_num_queries):
    case = drive(report(people), people, S.DISPATCHED)
    for i in range(30):
        f.make_user(f"more_handler_{i}", Role.HANDLER, department=people["dept_east"])
        f.make_user(f"far_dispatcher_{i}", Role.DISPATCHER, scope_region=city.districts[1])
    with django_assert_max_num_queries(2):
        users = recipients_for_case(case=case, kind=NotificationKind.OVERDUE)
    assert len(users) == 31


def test_inactive_users_are_not_told(people):
    case = drive(report(people), people, S.DISPATCHED)
    people["handler"].is_active = False
    people["handler"].save()
    assert recipients_for_case(case=case, kind=NotificationKind.OVERDUE) == []
