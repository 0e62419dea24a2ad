"""The evaluation API: scheme, results, drill-down, snapshots; 422 on a bad kind or period, scope 403/404."""

from __future__ import annotations

import pytest

from cityops.evaluation.models import Snapshot

URL = "/api/v1/evaluation"
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def as_user(client, cast):
    def login(name):
        client.force_login(cast[name])
        return client
    return login


def test_the_scheme_lists_indicators_counters_and_grades(as_user):
    body = as_user("leader").get(f"{URL}/scheme", {"kind": "grid"}).json()
    grid = body["kinds"][0]
    assert [i["code"] for i in grid["indicators"]] == ["public_report_rate", "registered_count", "closing_rate",
                                                       "on_time_closing_rate"]
    assert sum(i["weight"] for i in grid["indicators"]) == 100
    assert next(c for c in grid["counters"] if c["code"] == "close_due")["period"] == "registered_at"
    assert [g["grade"] for g in body["grades"]] == ["A", "B", "C", "D", "E"]


def test_results_of_a_period_with_counters_scores_and_grades(as_user, march):
    response = as_user("leader").get(f"{URL}/results", {"kind": "department", **MARCH})
    assert response.status_code == 200, response.content
    body = response.json()
    east = next(r for r in body["rows"] if r["code"] == "EAST-CG")
    assert (east["counters"]["close_due"], east["composite"], east["grade"], body["published"]) == (7, 82.86, "B",
                                                                                                     False)
    west = next(r for r in body["rows"] if r["code"] == "WEST-CG")  # no case in March: unranked
    assert (west["rank"], west["composite"], west["grade"]) == (None, None, "")


def test_results_of_a_published_month_come_from_the_snapshot(as_user, march):
    created = as_user("shift_leader").post(f"{URL}/snapshots", {"kind": "department", "month": "2026-03"},
                                           content_type="application/json")
    assert created.status_code == 201, created.content
    again = as_user("shift_leader").post(f"{URL}/snapshots", {"kind": "department", "month": "2026-03"},
                                         content_type="application/json")
    assert again.status_code == 409
    body = as_user("handler").get(f"{URL}/results", {"kind": "department", "month": "2026-03"}).json()
    assert body["published"] and body["snapshot"]["id"] == Snapshot.objects.get().pk
    assert [r["code"] for r in body["rows"]] == ["EAST-CG"]
    listed = as_user("leader").get(f"{URL}/snapshots").json()
    assert [(s["kind"], s["month"]) for s in listed] == [("department", "2026-03")]


def test_a_dispatcher_may_not_publish(as_user):
    response = as_user("dispatcher").post(f"{URL}/snapshots", {"kind": "grid", "month": "2026-03"},
                                          content_type="application/json")
    assert response.status_code == 403


def test_the_drill_down_returns_case_summaries(as_user, cast, march):
    query = {"kind": "department", "subject": cast["dept_east"].pk, "counter": "overdue_open", **MARCH}
    body = as_user("handler").get(f"{URL}/drilldown", query).json()
    assert body["total"] == 1 and body["items"][0]["number"] == march["H"].number
    assert {"number", "state", "catalog_class", "grid", "due_at"} <= set(body["items"][0])


def test_drilling_into_another_department_is_not_found(as_user, cast, march):
    query = {"kind": "department", "subject": cast["other_handler"].department.pk, "counter": "registered", **MARCH}
    assert as_user("handler").get(f"{URL}/drilldown", query).status_code == 404


def test_an_inspector_asking_for_departments_is_forbidden(as_user):
    assert as_user("inspector").get(f"{URL}/results", {"kind": "department", **MARCH}).status_code == 403


@pytest.mark.parametrize("query, field", [
    ({"kind": "mayor", **MARCH}, "kind"),
    ({"kind": "grid", "start": "2026-03-31", "end": "2026-03-01"}, "start"),
    ({"kind": "grid", "start": "2025-01-01", "end": "2026-03-01"}, "end"),
    ({"kind": "grid", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"kind": "grid", "month": "2026-13"}, "month"),
    ({"kind": "grid", "month": "March"}, "month"),
    ({"kind": "grid", "month": "9999-12"}, "month"),  # its end + 1 day overflows Python's dates
    ({"kind": "grid", "start": "9999-12-01", "end": "9999-12-31"}, "start"),
    ({"kind": "grid", "start": "0001-01-01", "end": "0001-01-31"}, "start"),  # before UTC's year 1 in +08:00
])
def test_a_bad_kind_or_period_is_422_naming_the_field(as_user, query, field):
    response = as_user("leader").get(f"{URL}/results", query)
    assert response.status_code == 422 and response.json()["field"] == field


def test_a_region_code_with_a_nul_byte_is_refused_naming_it(as_user):
    response = as_user("leader").get(f"{URL}/results", {"kind": "grid", "month": "2026-03", "region": "E\x00"})
    assert response.status_code == 422 and response.json()["field"] == "region"


@pytest.mark.parametrize("query, status", [
    ({"month": "9999-12"}, 422),
    ({"month": "2026-03", "offset": "99999999999999999999"}, 422),
    ({"month": "2026-03", "subject": "99999999999999999999"}, 404),
])
def test_the_drill_down_refuses_out_of_range_input(as_user, cast, query, status):
    params = {"kind": "department", "subject": cast["dept_east"].pk, "counter": "registered", **query}
    assert as_user("handler").get(f"{URL}/drilldown", params).status_code == status


def test_publishing_a_month_beyond_the_calendar_is_422(as_user):
    response = as_user("shift_leader").post(f"{URL}/snapshots", {"kind": "grid", "month": "9999-12"},
                                            content_type="application/json")
    assert (response.status_code, response.json()["field"]) == (422, "month")


def test_anonymous_callers_are_refused(client):
    assert client.get(f"{URL}/results", {"kind": "grid"}).status_code == 401
