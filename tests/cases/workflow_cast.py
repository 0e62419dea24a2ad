"""The cast and helpers the workflow, service, clock and job tests share (imported by those test modules)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cityops.cases import services as s
from cityops.cases.models import Case, CaseState, RequestKind, VoidReason
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.org.models import Role
from cityops.testing import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
EAST_POINT = (104.0025, 30.0175)  # 东区网格1
WEST_POINT = (104.0225, 30.0175)  # 西区网格1


def local(*args: int) -> datetime:
    """A moment in Shanghai wall-clock time."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """The cast's passwords are hashed on creation; Argon2 would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def garbage(db):
    """Matter 06010 暴露垃圾 (exposed garbage), from the national catalogue loaded by migration."""
    return catalog_class_from_ref("matter:06010")


@pytest.fixture
def cast(personas, city, garbage):
    """The personas plus an acceptor and a shift leader of 东区, and a rule sending 东区 garbage to 东区城管局."""
    east = city.districts[0]
    dept_east = personas["handler"].department
    ResponsibilityRule.objects.create(catalog_class=garbage, region=east, department=dept_east)
    return {
        **personas,
        "acceptor": f.make_user("acceptor", Role.ACCEPTOR, scope_region=east),
        "shift_leader": f.make_user("shift_leader", Role.SHIFT_LEADER, scope_region=east),
        "dept_east": dept_east,
    }


def report(cast, *, actor="inspector", point=EAST_POINT, at=None, **kwargs) -> Case:
    """A fresh 东区 garbage report by the inspector (or `actor`)."""
    lon, lat = point
    kwargs.setdefault("source", "inspector")
    kwargs.setdefault("catalog_class", "matter:06010")
    kwargs.setdefault("description", "路边堆放垃圾")
    return s.case_report(actor=cast[actor], lon=lon, lat=lat, at=at, **kwargs).case


def drive(case: Case, cast, state: str, *, at=None) -> Case:
    """Push `case` (reported) through the services until it reaches `state`."""
    a = cast
    step = {  # the service that takes a case one step forward from each state
        CaseState.REPORTED: lambda c: s.case_accept(case=c, actor=a["acceptor"], version=c.version, at=at),
        CaseState.VERIFYING: lambda c: s.case_verify(case=c, actor=a["inspector"], version=c.version, confirmed=True,
                                                     at=at),
        CaseState.ACCEPTED: lambda c: s.case_register(case=c, actor=a["shift_leader"], version=c.version, at=at),
        CaseState.REGISTERED: lambda c: s.case_dispatch(case=c, actor=a["dispatcher"], version=c.version, at=at),
        CaseState.DISPATCHED: lambda c: s.case_handle(case=c, actor=a["handler"], version=c.version, result="清运完毕",
                                                      at=at),
        CaseState.HANDLED: lambda c: s.case_send_to_check(case=c, actor=a["acceptor"], version=c.version, at=at),
        CaseState.CHECKING: lambda c: s.case_check(case=c, actor=a["inspector"], version=c.version, passed=True,
                                                   at=at),
        CaseState.CHECKED: lambda c: s.case_close(case=c, actor=a["shift_leader"], version=c.version, at=at),
    }
    if state == CaseState.VERIFYING:
        return s.case_send_to_verify(case=case, actor=a["acceptor"], version=case.version, at=at)
    if state == CaseState.VOIDED:
        request = s.case_request_create(case=case, actor=cast["acceptor"], version=case.version, kind=RequestKind.VOID,
                                        reason="无效上报", void_reason=VoidReason.INVALID, at=at)
        s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True, at=at)
        return Case.objects.get(pk=case.pk)
    if state == CaseState.SUSPENDED:
        case = drive(case, cast, CaseState.DISPATCHED, at=at)
        request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                        kind=RequestKind.SUSPENSION, reason="需要大修", at=at)
        s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True, at=at)
        return Case.objects.get(pk=case.pk)
    while case.state != state:
        case = step[case.state](case)
    return case
