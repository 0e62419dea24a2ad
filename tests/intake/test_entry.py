"""Intake's one entry point: every channel files its new cases through `report_submit`, with its channel."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cityops
from cityops.cases.models import Case, Source
from cityops.core.errors import InvalidInput
from cityops.intake.entry import report_submit
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.api_support import EAST, GARBAGE

SRC = Path(cityops.__file__).parent
# `cases` itself (its own API and console form) is below intake; every other module files through the entry point.
MAY_CALL_CASE_REPORT = {SRC / "intake" / "entry.py"}


@pytest.fixture
def acceptor(city):
    return f.make_user("acceptor", Role.ACCEPTOR, scope_region=city.city)


def report(actor, **overrides):
    values = {
        "channel": Source.HOTLINE,
        "catalog_class": GARBAGE,
        "description": "路边垃圾堆积",
        "lon": EAST[0],
        "lat": EAST[1],
        "actor": actor,
    }
    return report_submit(**{**values, **overrides})


def test_the_entry_point_files_a_case_with_its_channel_as_source(acceptor):
    result = report(acceptor, channel=Source.OPEN311, reporter_name="王先生")

    case = Case.objects.get(pk=result.case.pk)
    assert result.created
    assert (case.source, case.reporter_name, case.state) == (Source.OPEN311, "王先生", "reported")
    assert case.events.filter(action="case.reported").count() == 1


def test_a_retry_with_the_same_key_answers_the_first_case(acceptor):
    first = report(acceptor, idempotency_key="call-1")
    again = report(acceptor, idempotency_key="call-1")

    assert (again.created, again.case.pk) == (False, first.case.pk)
    assert Case.objects.count() == 1


def test_the_entry_point_refuses_an_unknown_channel(acceptor):
    with pytest.raises(InvalidInput) as refused:
        report(acceptor, channel="carrier_pigeon")

    assert refused.value.field == "source"
    assert not Case.objects.exists()


def test_no_module_above_cases_makes_a_case_but_through_the_entry_point():
    callers = set()
    for path in SRC.rglob("*.py"):
        if (SRC / "cases") in path.parents or path in MAY_CALL_CASE_REPORT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
        }
        if "case_report" in names:
            callers.add(str(path.relative_to(SRC)))
    assert callers == set()
