"""POST requests: api_key, form fields, attributes, errors; the case enters the one queue with source open311."""

from __future__ import annotations

import pytest

from cityops.cases.models import Case, CaseState
from tests.open311.conftest import parse_xml

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


@pytest.fixture
def form(city, services, api_key):
    grid = city.grids[0]
    return {"api_key": api_key, "service_code": "06013", "lat": str(grid.centroid_lat), "long": str(grid.centroid_lon),
            "address_string": "东区一街道 8 号", "description": "路面有坑", "email": "li@example.org",
            "first_name": "Li", "last_name": "Lei", "phone": "13800000000", "device_id": "dev-1",
            "media_url": "https://example.org/p.jpg"}


def test_post_creates_a_case_from_open311_and_returns_its_id(client, form, validate):
    response = client.post(URL, form)
    assert response.status_code == 200, response.content
    body = response.json()
    case = Case.objects.get(number=body[0]["service_request_id"])
    assert body[0]["token"] == case.number and case.number in body[0]["service_notice"]
    assert case.source == "open311" and case.state == CaseState.REPORTED
    assert case.catalog_class.code == "06013" and case.address == "东区一街道 8 号"
    assert case.reporter_contact == "li@example.org" and case.reporter_name == "Li Lei"
    assert case.description.startswith("路面有坑") and "https://example.org/p.jpg" in case.description
    assert case.events.filter(action="case.reported").exists()
    # What was created is readable right away and valid GeoReport.
    validate(client.get(f"/open311/v2/requests/{case.number}.json").json(), "requests.json")


def test_post_takes_the_phone_when_no_email_is_given(client, form):
    form.pop("email")
    number = client.post(URL, form).json()[0]["service_request_id"]
    assert Case.objects.get(number=number).reporter_contact == "13800000000"


def test_post_answers_in_xml(client, form):
    root = parse_xml(client.post("/open311/v2/requests.xml", form))
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert Case.objects.filter(number=number, source="open311").exists()
    assert root.findtext("request/token") == number


def test_post_without_description_uses_the_service_name(client, form):
    form.pop("description")
    number = client.post(URL, form).json()[0]["service_request_id"]
    assert Case.objects.get(number=number).description.startswith("道路破损")


def test_post_records_the_attributes_of_the_service_definition(client, form):
    form.update({"service_code": "06010", "attribute[SIZE]": "large", "attribute[NOTE]": "三袋"})
    number = client.post(URL, form).json()[0]["service_request_id"]
    description = Case.objects.get(number=number).description
    assert "SIZE: large" in description and "NOTE: 三袋" in description


@pytest.mark.parametrize(("attrs", "field"), [
    ({}, "SIZE"), ({"attribute[SIZE]": "huge"}, "huge"), ({"attribute[SIZE]": "small", "attribute[COLOR]": "x"}, "COLOR"),
])
def test_post_refuses_bad_attributes(client, form, attrs, field):
    form.update({"service_code": "06010", **attrs})
    response = client.post(URL, form)
    assert response.status_code == 400
    assert field in response.json()[0]["description"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_api_key_is_403(client, form, fmt):
    form.pop("api_key")
    response = client.post(f"/open311/v2/requests.{fmt}", form)
    assert response.status_code == 403
    assert not Case.objects.exists()
    if fmt == "xml":
        assert parse_xml(response).findtext("error/code") == "403"
    else:
        assert response.json()[0]["code"] == 403


def test_post_with_a_wrong_api_key_is_403(client, form):
    form["api_key"] = form["api_key"][:-2] + "xx"
    assert client.post(URL, form).status_code == 403
    form["api_key"] = "garbage"
    assert client.post(URL, form).status_code == 403


def test_post_with_a_key_lacking_cases_write_is_403(client, form, api_token, integration):
    form["api_key"] = api_token(integration, "cases:read").removeprefix("Bearer ")
    assert client.post(URL, form).status_code == 403


def test_post_with_a_key_of_a_user_who_may_not_report_is_403(client, form, api_token, personas):
    form["api_key"] = api_token(personas["handler"], "cases:write").removeprefix("Bearer ")
    assert client.post(URL, form).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize("code", ["99999", "06028", ""])
def test_post_with_an_unknown_hidden_or_missing_service_code_is_400(client, form, code):
    form["service_code"] = code
    response = client.post(URL, form)
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


@pytest.mark.parametrize(("lat", "long"), [("abc", "104.005"), ("95", "104.005"), ("30.015", "-181"), ("", ""),
                                           ("30.015", "nan")])
def test_post_with_bad_coordinates_is_400(client, form, lat, long):
    form.update({"lat": lat, "long": long})
    response = client.post(URL, form)
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_post_outside_the_service_area_is_400(client, form):
    form.update({"lat": "39.9", "long": "116.4"})
    response = client.post(URL, form)
    assert response.status_code == 400
    assert "outside" in response.json()[0]["description"]
    assert not Case.objects.exists()


def test_post_needs_no_csrf_token(form, services):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, form)
    assert response.status_code == 200


def test_other_methods_are_refused(client, services):
    assert client.put(URL).status_code == 405
    assert client.post("/open311/v2/services.json").status_code == 405
