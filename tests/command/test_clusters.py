"""Clustered open cases for the one map: exact counts, points vs clusters by zoom, filters, scope, validation."""

from __future__ import annotations

import pytest

from cityops.command import selectors
from cityops.core.errors import Forbidden, InvalidInput
from cityops.org.models import Role
from cityops.testing import factories as f

from .conftest import CITY_BBOX

CLUSTERS = "/api/v1/command/clusters"
BBOX = (104.0, 30.0, 104.04, 30.03)  # narrow enough for zoom 17 (0.044° across at most)


def clusters(user, zoom=14, **params):
    return selectors.case_clusters(user=user, bbox=BBOX, zoom=zoom, filters=selectors.map_filters(params))


def numbers(result) -> set[str]:
    return {p["number"] for p in result["points"]}


def test_a_far_zoom_gathers_the_whole_city_in_one_cluster_with_its_states_and_overdue(cast, handmade):
    result = clusters(cast["leader"], zoom=10)
    assert result["mode"] == "clusters" and result["points"] == []
    [cluster] = result["clusters"]
    assert (cluster["count"], cluster["overdue"]) == (6, 1)
    assert cluster["states"] == {"reported": 4, "registered": 1, "dispatched": 1}
    assert cluster["dominant_state"] == "reported"
    assert (result["total"], result["overdue"]) == (6, 1)


def test_closed_and_voided_cases_never_appear(cast, handmade):
    result = clusters(cast["leader"], zoom=17)
    assert handmade["e_closed"].number not in numbers(result)
    assert handmade["e_voided"].number not in numbers(result)
    assert result["total"] == 6


def test_a_closer_zoom_splits_the_districts_and_shows_a_small_cell_as_its_cases(cast, handmade):
    result = clusters(cast["leader"], zoom=14)
    [east] = result["clusters"]
    assert east["count"] == 4 and east["states"] == {"reported": 2, "registered": 1, "dispatched": 1}
    assert 104.0025 <= east["lon"] <= 104.0027 and east["bbox"] == [104.0025, 30.0175, 104.0027, east["bbox"][3]]
    assert numbers(result) == {handmade["w_rep1"].number, handmade["w_rep2"].number}


def test_a_cell_of_three_cases_is_returned_as_exactly_those_three(cast, handmade):
    result = clusters(cast["leader"], zoom=14, state="reported,registered")
    expected = {handmade[k].number for k in ("e_rep1", "e_rep2", "e_reg", "w_rep1", "w_rep2")}
    assert result["clusters"] == [] and numbers(result) == expected


def test_at_close_zoom_every_case_is_a_point_with_its_state_class_and_overdue_flag(cast, handmade):
    result = clusters(cast["leader"], zoom=17)
    assert result["mode"] == "points" and result["clusters"] == []
    by_number = {p["number"]: p for p in result["points"]}
    point = by_number[handmade["e_disp"].number]
    assert (point["state"], point["overdue"], point["class"]["code"]) == ("dispatched", True, "06010")
    assert (point["lon"], point["lat"]) == (104.0027, 30.0175)


def test_too_many_cases_at_close_zoom_are_still_clustered(cast, handmade, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_POINTS", 3)
    result = clusters(cast["leader"], zoom=17)
    assert result["mode"] == "clusters" and result["total"] == 6


def test_the_bbox_limits_what_is_counted(cast, handmade):
    east_only = selectors.case_clusters(user=cast["leader"], bbox=(103.99, 29.99, 104.01, 30.03), zoom=14,
                                        filters=selectors.map_filters({}))
    assert east_only["total"] == 4


def test_a_district_dispatcher_sees_only_their_district(cast, handmade):
    result = clusters(cast["dispatcher"], zoom=10)
    [cluster] = result["clusters"]
    assert cluster["count"] == 4
    assert not numbers(clusters(cast["dispatcher"], zoom=17)) & {handmade["w_rep1"].number, handmade["w_rep2"].number}


@pytest.mark.parametrize(("params", "expected"), [
    ({"state": "reported"}, {"e_rep1", "e_rep2", "w_rep1", "w_rep2"}),
    ({"overdue": "true"}, {"e_disp"}),
    ({"source": "citizen"}, {"w_rep2"}),
    ({"region": "510105"}, {"w_rep1", "w_rep2"}),
    ({"class": "matter:06010", "region": "510104001"}, {"e_rep1", "e_rep2", "e_reg", "e_disp"}),
    ({"class": "06010 暴露垃圾", "state": ["registered", "dispatched"]}, {"e_reg", "e_disp"}),
])
def test_filters_narrow_the_cases(cast, handmade, params, expected):
    result = clusters(cast["leader"], zoom=17, **params)
    assert numbers(result) == {handmade[k].number for k in expected}


def test_the_department_and_time_filters_narrow_the_cases(cast, city, handmade):
    from cityops.cases.models import Case

    Case.objects.filter(pk=handmade["e_disp"].pk).update(department=cast["dept_east"])
    assert numbers(clusters(cast["leader"], zoom=17, department="EAST-CG")) == {handmade["e_disp"].number}
    old = f.make_case(city, reported_at=handmade["e_rep1"].reported_at.replace(year=2020))
    result = clusters(cast["leader"], zoom=17, to="2020-12-31")
    assert numbers(result) == {old.number}
    assert old.number not in numbers(clusters(cast["leader"], zoom=17, **{"from": "2021-01-01"}))


@pytest.mark.parametrize(("params", "field"), [
    ({"state": "closed"}, "state"),
    ({"source": "pigeon"}, "source"),
    ({"region": "999999"}, "region"),
    ({"from": "yesterday"}, "from"),
])
def test_a_bad_filter_is_refused_naming_it(cast, handmade, params, field):
    with pytest.raises(InvalidInput) as refused:
        clusters(cast["leader"], **params)
    assert refused.value.field == field


@pytest.mark.parametrize("role", ["handler", "inspector", "nobody"])
def test_only_the_centre_staff_may_read_the_map(cast, handmade, role):
    with pytest.raises(Forbidden):
        clusters(cast[role])


@pytest.mark.parametrize("role", ["leader", "dispatcher", "acceptor", "shift_leader", "admin"])
def test_every_centre_role_may_read_the_map(cast, handmade, role):
    assert clusters(cast[role], zoom=10)["total"] in (4, 6)


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_answers_clusters_for_a_bbox_and_zoom(as_user, handmade):
    response = as_user("leader").get(CLUSTERS, {"bbox": CITY_BBOX, "zoom": "10", "state": "reported"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4 and body["mode"] == "clusters"


@pytest.mark.parametrize(("params", "field"), [
    ({"bbox": "1,2,3", "zoom": "12"}, "bbox"),
    ({"bbox": "104.1,30,104.0,30.1", "zoom": "12"}, "bbox"),
    ({"bbox": "104,30,104,30", "zoom": "12"}, "bbox"),
    ({"bbox": "100,25,110,35", "zoom": "14"}, "bbox"),  # 10° across at zoom 14: far more than a screen
    ({"bbox": CITY_BBOX, "zoom": "x"}, "zoom"),
    ({"bbox": CITY_BBOX, "zoom": "21"}, "zoom"),
    ({"bbox": CITY_BBOX, "zoom": "12.5"}, "zoom"),
    ({"bbox": CITY_BBOX, "zoom": "12", "state": "voided"}, "state"),
    ({"bbox": CITY_BBOX, "zoom": "12", "from": "0001-01-01"}, "from"),
    ({"bbox": CITY_BBOX, "zoom": "12", "to": "9999-12-31"}, "to"),
    ({"bbox": CITY_BBOX, "zoom": "12", "overdue": "maybe"}, "overdue"),
    ({"bbox": CITY_BBOX, "zoom": "12", "region": "510104\x00"}, "region"),  # PostgreSQL refuses NUL: never a 500
    ({"bbox": CITY_BBOX, "zoom": "12", "class": "\x00"}, "class"),
])
def test_the_api_refuses_bad_input_with_422_naming_the_field(as_user, handmade, params, field):
    response = as_user("leader").get(CLUSTERS, params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_api_needs_a_bbox_and_a_zoom(as_user, handmade):
    response = as_user("leader").get(CLUSTERS, {"zoom": "12"})
    assert response.status_code == 422 and "bbox" in response.json()["detail"]


@pytest.mark.parametrize("role", ["handler", "inspector"])
def test_the_api_refuses_a_handler_or_an_inspector_with_403(as_user, handmade, role):
    assert as_user(role).get(CLUSTERS, {"bbox": CITY_BBOX, "zoom": "12"}).status_code == 403


def test_the_api_refuses_an_anonymous_caller_with_401(client, handmade):
    assert client.get(CLUSTERS, {"bbox": CITY_BBOX, "zoom": "12"}).status_code == 401


def test_an_api_token_needs_the_cases_read_scope(client, cast, handmade, api_token):
    without = api_token(cast["dispatcher"], "assets:read")
    with_scope = api_token(cast["dispatcher"], "cases:read")
    params = {"bbox": CITY_BBOX, "zoom": "17"}
    assert client.get(CLUSTERS, params, HTTP_AUTHORIZATION=without).status_code == 403
    response = client.get(CLUSTERS, params, HTTP_AUTHORIZATION=with_scope)
    assert response.status_code == 200 and response.json()["total"] == 4


def test_a_west_handler_given_a_centre_role_still_sees_only_their_scope(cast, city, handmade):
    west_watch = f.make_user("west_watch", Role.LEADER, scope_region=city.districts[1])
    assert numbers(clusters(west_watch, zoom=17)) == {handmade["w_rep1"].number, handmade["w_rep2"].number}


def test_the_open_cases_have_their_map_index(db):
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "cases_case")
    assert indexes["command_open_case_map"]["columns"][:2] == ["lon", "lat"]
