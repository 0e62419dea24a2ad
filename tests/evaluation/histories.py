"""A hand-built month of case histories (March 2026, all in 东区网格1) whose every evaluation count is known.

T = Mon 2 March 09:00, T2 = Tue 3 March 09:00, T3 = Wed 4 March 09:00; the evaluation moment NOW = 1 April.
Limits of 06010 (normal, working minutes): accept 30, verify 60, register 30, dispatch 30, handle 240, check
120, close 60 — so a handling started at T is due Mon 14:30, one started at T2 is due Tue 14:30.

| case | history                                                                              |
|------|--------------------------------------------------------------------------------------|
| A    | inspector report, everything at T, closed late at T2                                  |
| B    | dispatched at T, handled late at T2, closed at T2                                    |
| C    | dispatched at T, 480 min extension, handled at T2 (within the extension), checked late at T3 |
| D    | dispatched at T, returned (回退), dispatched again and closed at T                   |
| E    | check failed once (返工), handled again, closed at T                                 |
| F    | registered at T, then voided (作废 after registration)                               |
| G    | registered at T, dispatched late at T2, suspended (挂账) at T2: never overdue        |
| H    | accepted at T, registered late at T2, dispatched at T2, never handled: overdue at NOW  |
| I    | hotline report by the acceptor, sent to verify, verified, closed at T (public report) |
| J    | inspector report voided before registration                                          |
"""

from __future__ import annotations

import pytest

from cityops.cases import services as s
from cityops.cases.models import Case, CaseState, RequestKind
from tests.cases.workflow_cast import drive, local, report

T = local(2026, 3, 2, 9, 0)
T2 = local(2026, 3, 3, 9, 0)
T3 = local(2026, 3, 4, 9, 0)
NOW = local(2026, 4, 1, 9, 0)


def _approve(case: Case, cast, kind: str, *, asker: str, approver: str, at, **terms) -> Case:
    request = s.case_request_create(case=case, actor=cast[asker], version=case.version, kind=kind, reason="理由",
                                    at=at, **terms)
    s.case_request_decide(request=request, actor=cast[approver], approve=True, at=at)
    return Case.objects.get(pk=case.pk)


def _handle(case: Case, cast, at) -> Case:
    return s.case_handle(case=case, actor=cast["handler"], version=case.version, result="清运完毕", at=at)


@pytest.fixture
def march(cast, city):
    """The ten cases of the module docstring, by letter; the inspector is responsible for 东区网格1."""
    city.grids[0].inspectors.add(cast["inspector"])
    c: dict[str, Case] = {}
    a = drive(report(cast, at=T), cast, CaseState.CHECKED, at=T)
    c["A"] = s.case_close(case=a, actor=cast["shift_leader"], version=a.version, at=T2)
    b = drive(report(cast, at=T), cast, CaseState.DISPATCHED, at=T)
    c["B"] = drive(_handle(b, cast, T2), cast, CaseState.CLOSED, at=T2)
    cc = drive(report(cast, at=T), cast, CaseState.DISPATCHED, at=T)
    cc = _approve(cc, cast, RequestKind.EXTENSION, asker="handler", approver="dispatcher", at=T, extra_minutes=480)
    cc = drive(_handle(cc, cast, T2), cast, CaseState.CHECKING, at=T2)
    c["C"] = drive(cc, cast, CaseState.CLOSED, at=T3)
    d = drive(report(cast, at=T), cast, CaseState.DISPATCHED, at=T)
    d = _approve(d, cast, RequestKind.RETURN, asker="handler", approver="dispatcher", at=T)
    c["D"] = drive(d, cast, CaseState.CLOSED, at=T)
    e = drive(report(cast, at=T), cast, CaseState.CHECKING, at=T)
    e = s.case_check(case=e, actor=cast["inspector"], version=e.version, passed=False, note="未清理", at=T)
    c["E"] = drive(e, cast, CaseState.CLOSED, at=T)
    c["F"] = drive(drive(report(cast, at=T), cast, CaseState.REGISTERED, at=T), cast, CaseState.VOIDED, at=T)
    g = drive(report(cast, at=T), cast, CaseState.REGISTERED, at=T)
    c["G"] = drive(g, cast, CaseState.SUSPENDED, at=T2)
    h = drive(report(cast, at=T), cast, CaseState.ACCEPTED, at=T)
    c["H"] = drive(h, cast, CaseState.DISPATCHED, at=T2)
    i = drive(report(cast, actor="acceptor", source="hotline", at=T), cast, CaseState.VERIFYING, at=T)
    c["I"] = drive(i, cast, CaseState.CLOSED, at=T)
    c["J"] = drive(report(cast, at=T), cast, CaseState.VOIDED, at=T)
    return c
