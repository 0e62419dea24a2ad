"""The statistics API (/api/v1/analytics): who may ask, what comes back, and 422 on bad parameters."""

from __future__ import annotations

import pytest
from h3.api import basic_int as h3

from cityops.cases.models import CaseState
from tests.analytics.conftest import EAST_1, WEST_1

BASE = "/api/v1/analytics"
MARCH = "start=2026-03-01&end=2026-03-31"


@pytest.fixture
def history(put):
    put((2026, 3, 2, 9), state=CaseState.CLOSED)
    put((2026, 3, 2, 0, 30))  # Monday 00:30 local
    put((2026, 3, 3, 9), point=WEST_1, catalog_class="matter:09006")
    put((2026, 2, 10, 9))


def get(client, user, path):
    client.force_login(user)
    return client.get(f"{BASE}{path}")


def test_stats_by_class_with_comparisons(client, history, staff):
    response = get(client, staff["leader"], f"/stats?dimension=class&{MARCH}")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert body["previous_period"] == {"start": "2026-02-01", "end": "2026-02-28"}
    garbage = body["rows"][0]
    assert (garbage["code"], garbage["reported"], garbage["closed"], garbage["previous"]) == ("matter:06010", 2, 1, 1)
    assert garbage["change_previous"] == 100.0 and garbage["closing_rate"] == 100.0
    assert body["total"]["reported"] == 3


def test_stats_drill_into_a_district_and_filter_by_class(client, history, staff):
    body = get(client, staff["admin"], f"/stats?dimension=region&region=510104&{MARCH}").json()
    assert body["level"] == "street" and [(r["code"], r["reported"]) for r in body["rows"]] == [("510104001", 2)]
    body = get(client, staff["admin"], f"/stats?dimension=district&class=matter:09006&{MARCH}").json()
    assert [(r["code"], r["reported"]) for r in body["rows"]] == [("510105", 1)]
    body = get(client, staff["admin"], f"/stats?dimension=grid&limit=1&{MARCH}").json()
    assert (len(body["rows"]), body["left_off"], body["total"]["reported"]) == (1, 1, 3)


def test_heat_hotspots_top_places_and_top_classes(client, history, staff):
    heat = get(client, staff["admin"], f"/heat?{MARCH}").json()
    assert heat["cells"][0][0] == 1 and heat["cells"][0][9] == 1 and heat["total"] == 3
    spots = get(client, staff["admin"], f"/hotspots?resolution=10&{MARCH}").json()
    assert spots["type"] == "FeatureCollection" and spots["resolution"] == 10
    cells = {f["properties"]["cell"]: f["properties"]["count"] for f in spots["features"]}
    assert cells == {h3.int_to_str(h3.latlng_to_cell(EAST_1[1], EAST_1[0], 10)): 2,
                     h3.int_to_str(h3.latlng_to_cell(WEST_1[1], WEST_1[0], 10)): 1}
    assert get(client, staff["admin"], f"/hotspots?zoom=13&{MARCH}").json()["resolution"] == 8
    places = get(client, staff["admin"], f"/top-places?level=street&{MARCH}").json()
    assert [(p["code"], p["count"]) for p in places] == [("510104001", 2), ("510105001", 1)]
    top = get(client, staff["admin"], f"/top-classes?limit=1&granularity=month&{MARCH}").json()
    assert top["buckets"] == ["2026-03-01"] and [(c["code"], c["series"]) for c in top["classes"]] == [
        ("matter:06010", [2])]


def test_forecast_endpoint(client, history, staff):
    body = get(client, staff["admin"], "/forecast?end=2026-03-31&level=district").json()
    assert body["as_of"] == "2026-03-31" and body["days"][0] == "2026-04-01"
    assert [r["code"] for r in body["regions"]] == ["510104", "510105"]
    east = body["regions"][0]
    assert (east["history_days"], east["last_week"], east["method"]) == (50, 0, "holt_winters")  # from 10 February
    assert len(east["daily"]) == 7 and all(v >= 0 for v in east["daily"])


def test_a_handler_sees_only_their_department(client, history, put, staff):
    put((2026, 3, 5, 9), point=WEST_1, department=staff["handler"].department, state=CaseState.DISPATCHED)
    body = get(client, staff["handler"], f"/stats?dimension=district&{MARCH}").json()
    assert [(r["code"], r["reported"]) for r in body["rows"]] == [("510105", 1)]
    spots = get(client, staff["handler"], f"/hotspots?{MARCH}").json()
    assert sum(f["properties"]["count"] for f in spots["features"]) == 1


def test_a_district_leader_cannot_see_or_drill_into_another_district(client, history, staff):
    body = get(client, staff["west_leader"], f"/stats?dimension=district&{MARCH}").json()
    assert [r["code"] for r in body["rows"]] == ["510105"]
    assert get(client, staff["west_leader"], f"/stats?region=510104&{MARCH}").status_code == 404


@pytest.mark.parametrize("path", ["/stats", "/heat", "/hotspots", "/top-places", "/top-classes", "/forecast"])
def test_inspectors_get_403_and_anonymous_callers_401(client, staff, path):
    assert get(client, staff["inspector"], path).status_code == 403
    assert get(client, staff["nobody"], path).status_code == 403
    client.logout()
    assert client.get(f"{BASE}{path}").status_code == 401


@pytest.mark.parametrize(("query", "field"), [
    ("/stats?dimension=colour", "dimension"),
    ("/stats?start=2026-03-10&end=2026-03-01", "start"),
    ("/stats?start=2025-01-01&end=2026-03-01", "end"),
    ("/stats?start=March", "start"),
    ("/stats?class=matter:99999", "class"),
    ("/stats?source=fax", "source"),
    ("/stats?region=000", "region"),
    ("/stats?department=NOPE", "department"),
    ("/stats?region=51%0004", "region"),  # PostgreSQL refuses a NUL byte in a query
    ("/stats?department=D%00", "department"),
    ("/stats?limit=0", "limit"),
    ("/heat?end=2026-02-30", "end"),
    ("/stats?start=0001-01-01&end=0001-01-05", "end"),  # the comparison periods would fall before year 1
    ("/heat?start=9999-12-31&end=9999-12-31", "end"),  # the period's end instant would pass year 9999
    ("/forecast?end=9999-12-31", "end"),
    ("/forecast?end=0001-01-01", "end"),
    ("/hotspots?resolution=12", "resolution"),
    ("/hotspots?zoom=x", "zoom"),
    ("/hotspots?limit=0", "limit"),
    ("/top-places?level=planet", "level"),
    ("/top-places?limit=500", "limit"),
    ("/top-classes?granularity=day", "granularity"),
    ("/forecast?level=grid", "level"),
    ("/forecast?limit=99", "limit"),
])
def test_bad_parameters_answer_422_naming_the_field(client, staff, query, field):
    response = get(client, staff["admin"], query)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


def test_an_api_token_needs_the_cases_read_scope(client, history, staff, api_token):
    ok = client.get(f"{BASE}/heat?{MARCH}", HTTP_AUTHORIZATION=api_token(staff["leader"], "cases:read"))
    assert ok.status_code == 200 and ok.json()["total"] == 3
    refused = client.get(f"{BASE}/heat?{MARCH}", HTTP_AUTHORIZATION=api_token(staff["leader"], "geo:read"))
    assert refused.status_code == 403


def test_openapi_lists_every_analytics_path(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {f"/api/v1/analytics/{name}" for name in (
        "stats", "heat", "hotspots", "top-places", "top-classes", "forecast")} <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/analytics/stats"]["get"]["parameters"]}
    assert {"dimension", "start", "end", "region", "class", "source", "department", "limit"} <= parameters
