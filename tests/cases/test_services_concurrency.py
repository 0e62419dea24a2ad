"""Two dispatchers acting on one case at the same moment: exactly one wins, the other gets 409 (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cityops.cases import services as s
from cityops.cases.models import Case, CaseState
from cityops.core.errors import Conflict
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, report


# serialized_rollback: the catalogue the migrations load comes back for this test after an earlier test's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_at_once_exactly_one_succeeds(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: row locks and their race only exist on PostgreSQL")
    case = drive(report(cast), cast, CaseState.REGISTERED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def dispatch() -> None:
        try:
            barrier.wait()
            s.case_dispatch(case=case, actor=cast["dispatcher"], version=case.version)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "stale_version"]
    stored = Case.objects.get(pk=case.pk)
    assert (stored.state, stored.events.filter(action="case.dispatched").count()) == (CaseState.DISPATCHED, 1)
