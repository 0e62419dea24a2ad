"""A NUL character anywhere in a request is refused with a 4xx naming where, before it can reach PostgreSQL."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def staff_client(client, personas):
    client.force_login(personas["dispatcher"])
    return client


def test_a_nul_in_an_api_query_is_a_422_naming_the_parameter(staff_client):
    response = staff_client.get("/api/v1/cases", {"region": "5101\x0004"})
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "detail": "region must not contain NUL characters.",
                               "field": "region"}


def test_a_nul_in_a_json_body_is_a_422_whether_raw_or_escaped(staff_client):
    for body in ('{"description": "垃圾\\u0000"}', '{"description": "垃圾\x00"}'):
        response = staff_client.post("/api/v1/cases", body, content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == "body"


def test_a_nul_in_a_page_path_or_form_is_a_plain_400(staff_client):
    assert staff_client.get("/console/cases/2026%00/").status_code == 400
    response = staff_client.post("/console/new/", {"description": "a\x00b"})
    assert response.status_code == 400 and "description must not contain NUL" in response.content.decode()


def test_open311_gets_its_error_list(client, db):
    response = client.get("/open311/v2/requests.json", {"service_code": "x\x00"})
    assert response.status_code == 400
    assert json.loads(response.content) == [{"code": 400,
                                              "description": "service_code must not contain NUL characters."}]


def test_requests_without_a_nul_pass_through(staff_client):
    assert staff_client.get("/api/v1/cases", {"region": "510104"}).status_code == 200
