"""A NUL character anywhere in a request is refused with a 4xx naming where, before it can reach PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityops.cases.models import Case, CaseEvent, CaseState
from cityops.org.models import ApiToken, Role
from cityops.testing import factories as f


@pytest.fixture
def staff_client(client, personas):
    client.force_login(personas["dispatcher"])
    return client


def test_a_nul_in_an_api_query_is_a_422_naming_the_parameter(staff_client):
    response = staff_client.get("/api/v1/cases", {"region": "5101\x0004"})
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "detail": "region must not contain NUL characters.",
                               "field": "region"}


def test_a_nul_in_a_json_body_is_a_422_naming_the_field_whether_raw_or_escaped(staff_client):
    for body in ('{"description": "垃圾\\u0000"}', '{"description": "垃圾\x00"}'):
        response = staff_client.post("/api/v1/cases", body, content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == "description"


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


# The API parses any non-form body as JSON, whatever its declared type: the guard must not trust Content-Type.
BODY_TYPES = ["text/plain", "application/octet-stream", "application/json; charset=utf-8", ""]


@pytest.fixture
def acceptor(city, fast_password_hashing):
    return f.make_user("acceptor", Role.ACCEPTOR, scope_region=city.city)


@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_a_report_with_a_nul_in_any_body_type_is_a_422_and_no_case(client, acceptor, content_type):
    client.force_login(acceptor)
    body = json.dumps({"class": "matter:06010", "description": "a\u0000b", "lon": 104.005, "lat": 30.015})
    response = client.post("/api/v1/cases", body, content_type=content_type)
    assert response.status_code == 422 and response.json()["field"] == "description"
    assert not Case.objects.exists()


@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_accepting_with_a_nul_in_the_note_is_a_422_and_nothing_changes(client, city, acceptor, content_type):
    case = f.make_case(city)
    events = CaseEvent.objects.filter(case=case).count()
    client.force_login(acceptor)
    body = json.dumps({"version": case.version, "note": "ok\u0000"})
    response = client.post(f"/api/v1/cases/{case.number}/accept", body, content_type=content_type)
    assert response.status_code == 422 and response.json()["field"] == "note"
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED and CaseEvent.objects.filter(case=case).count() == events


@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_a_token_named_with_a_nul_is_a_422_and_no_token(client, personas, content_type):
    client.force_login(personas["admin"])
    body = json.dumps({"name": "ci\u0000", "scopes": ["cases:read"]})
    response = client.post("/api/v1/org/tokens", body, content_type=content_type)
    assert response.status_code == 422 and response.json()["field"] == "name"
    assert not ApiToken.objects.exists()


def test_a_nul_deep_in_a_json_body_is_named_by_its_path(staff_client):
    body = '{"items": [{"note": "x"}, {"note": "y\\u0000"}]}'
    response = staff_client.post("/api/v1/cases", body, content_type="text/plain")
    assert response.status_code == 422 and response.json()["field"] == "items.1.note"


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(staff_client):
    # "\\u0000" in JSON is a backslash followed by "u0000": six harmless characters, passed to the view.
    body = '{"description": "C:\\\\u0000"}'
    response = staff_client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 422 and "must not contain NUL" not in response.content.decode()


def test_a_nul_in_an_urlencoded_body_of_any_method_is_refused(staff_client):
    response = staff_client.generic("PUT", "/api/v1/cases", "note=a%00b",
                                    content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422 and response.json()["field"] == "note"


def test_a_nul_in_a_multipart_text_field_is_refused_but_file_parts_are_binary(staff_client):
    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8\x00\x00binary", content_type="image/jpeg")
    response = staff_client.post("/api/v1/cases/X/photos", {"phase": "before\x00", "file": photo})
    assert response.status_code == 422 and response.json()["field"] == "phase"
    photo.seek(0)
    response = staff_client.post("/api/v1/cases/X/photos", {"phase": "before", "file": photo})
    assert response.status_code != 422 or "NUL" not in response.content.decode()
