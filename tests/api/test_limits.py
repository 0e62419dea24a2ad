"""Inputs the published schema forbids are refused (422 naming the field), never clamped or coerced silently."""

from __future__ import annotations

import pytest
from django.test import Client

from cityops.cases.models import CaseState
from cityops.testing import factories as f

API = "/api/v1"


@pytest.fixture
def admin(personas, api_token, fast_password_hashing):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = api_token(personas["admin"], "catalog:read", "cases:read", "cases:write")
    return client


def field_of(response) -> str:
    assert response.status_code == 422, response.content
    return response.json()["field"]


def test_a_catalogue_page_larger_than_the_maximum_is_refused_not_clamped(admin):
    assert field_of(admin.get(f"{API}/catalog/classes", {"limit": 500})) == "limit"
    assert field_of(admin.get(f"{API}/catalog/classes", {"offset": 10**19})) == "offset"


def test_nearby_reports_refuse_a_limit_or_radius_out_of_range(db):
    client = Client()
    assert field_of(client.get(f"{API}/public/nearby", {"lon": 104, "lat": 30, "limit": 1000})) == "limit"
    assert field_of(client.get(f"{API}/public/nearby", {"lon": 104, "lat": 30, "radius": 10})) == "radius"
    assert field_of(client.get(f"{API}/public/nearby", {"lon": 181, "lat": 30})) == "lon"


@pytest.mark.parametrize("confirmed", [0, 1, "yes", "true", None])
def test_a_workflow_boolean_must_be_a_json_boolean(admin, city, confirmed):
    case = f.make_case(city, state=CaseState.VERIFYING)
    response = admin.post(f"{API}/cases/{case.number}/verify", {"version": case.version, "confirmed": confirmed},
                          content_type="application/json")
    assert field_of(response) == "confirmed"
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING


def test_a_version_must_be_a_json_integer(admin, city):
    case = f.make_case(city, state=CaseState.VERIFYING)
    response = admin.post(f"{API}/cases/{case.number}/verify", {"version": True, "confirmed": True},
                          content_type="application/json")
    assert field_of(response) == "version"


def test_an_extension_longer_than_the_service_allows_is_refused_by_the_schema(admin, city):
    case = f.make_case(city, state=CaseState.REPORTED)
    body = {"version": case.version, "kind": "extension", "reason": "天气", "extra_minutes": 60 * 24 * 91}
    assert field_of(admin.post(f"{API}/cases/{case.number}/request", body, content_type="application/json")) \
        == "extra_minutes"


def test_an_unknown_request_kind_is_refused_by_the_schema(admin, city):
    case = f.make_case(city, state=CaseState.REPORTED)
    body = {"version": case.version, "kind": "holiday", "reason": "天气"}
    assert field_of(admin.post(f"{API}/cases/{case.number}/request", body, content_type="application/json")) == "kind"


def test_a_report_outside_the_callers_scope_is_a_declared_404(personas, city, api_token):
    west = next(g for g in city.grids if g.path.startswith(city.districts[1].path))
    body = {"class": "matter:06010", "description": "垃圾", "lon": west.centroid_lon, "lat": west.centroid_lat}
    response = Client().post(f"{API}/cases", body, content_type="application/json",
                             HTTP_AUTHORIZATION=api_token(personas["inspector"], "cases:write"))
    assert response.status_code == 404, response.content
    from cityops.api import api

    assert 404 in api.get_openapi_schema()["paths"]["/api/v1/cases"]["post"]["responses"]


def test_a_local_class_with_an_english_name_too_long_is_refused_not_cut(personas, api_token):
    client = Client(HTTP_AUTHORIZATION=api_token(personas["admin"], "catalog:write"))
    body = {"kind": "matter", "code": "06500", "name": "共享单车乱停", "name_en": "x" * 161}
    assert field_of(client.post(f"{API}/catalog/classes", body, content_type="application/json")) == "name_en"


def test_the_census_form_states_the_cleaners_text_limits():
    from cityops.api import api
    from cityops.assets.validation import TEXT_FIELDS

    props = api.get_openapi_schema()["components"]["schemas"]["ComponentIn"]["properties"]
    assert {k: props[k]["maxLength"] for k in TEXT_FIELDS} == TEXT_FIELDS


def test_an_evaluation_kind_is_published_as_an_enum_and_its_month_as_a_pattern():
    from cityops.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert "inspector" in schemas["SubjectKind"]["enum"]
    assert schemas["PublishIn"]["properties"]["month"]["pattern"]


def test_a_place_search_longer_than_any_name_is_refused(db):
    assert field_of(Client().get(f"{API}/public/places", {"q": "路" * 101})) == "q"
