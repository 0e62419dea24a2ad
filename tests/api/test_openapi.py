"""The published OpenAPI schema: one schema per name, and the shared error responses on every operation."""

from __future__ import annotations

from collections import defaultdict

import pytest
from ninja.openapi.schema import OpenAPISchema

from cityops.api import api


def test_no_two_different_schemas_share_a_name(monkeypatch):
    # ninja files every model's definition under its bare class name; a second, different model of the same
    # name silently replaces the first, and the answers of the first model's endpoints then violate the schema.
    seen: dict[str, list[dict]] = defaultdict(list)
    original = OpenAPISchema.add_schema_definitions

    def recording(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            if definition not in seen[name]:
                seen[name].append(definition)
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    OpenAPISchema(api, "/api/v1/")
    clashes = {name: [d.get("properties", {}).keys() for d in defs] for name, defs in seen.items() if len(defs) > 1}
    assert not clashes


@pytest.mark.parametrize("path, method, statuses", [
    ("/api/v1/inspector/tasks/{number}/verify", "post", {401, 403, 404, 422}),
    ("/api/v1/org/me", "get", {401, 403}),
])
def test_shared_refusals_are_declared(path, method, statuses):
    responses = api.get_openapi_schema()["paths"][path][method]["responses"]
    assert statuses <= set(responses)
    assert responses[401]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_the_public_api_declares_no_401():
    responses = api.get_openapi_schema()["paths"]["/api/v1/public/categories"]["get"]["responses"]
    assert 401 not in responses


def _query_param(path: str, name: str) -> dict:
    operation = api.get_openapi_schema()["paths"][path]["get"]
    return next(p["schema"] for p in operation["parameters"] if p["name"] == name)


def _bounds(schema: dict) -> tuple:
    schema = next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)
    return schema.get("minimum", schema.get("exclusiveMinimum")), schema.get("maximum")


@pytest.mark.parametrize("path, name, bounds", [
    ("/api/v1/catalog/classes", "limit", (1, 200)),
    ("/api/v1/cases", "limit", (1, 200)),
    ("/api/v1/cases/queue", "limit", (1, 200)),
    ("/api/v1/catalog/classes", "offset", (0, 1_000_000_000)),
    ("/api/v1/public/nearby", "limit", (1, 200)),
    ("/api/v1/public/nearby", "radius", (50, 3000)),
    ("/api/v1/public/nearby", "lon", (-180, 180)),
    ("/api/v1/assets/nearest", "limit", (1, 100)),
    ("/api/v1/assets/nearest", "radius", (0, 5000)),
    ("/api/v1/geo/locate", "lat", (-90, 90)),
    ("/api/v1/geo/regions", "zoom", (0, 22)),
    ("/api/v1/command/clusters", "zoom", (0, 20)),
    ("/api/v1/command/inspectors", "hours", (1, 72)),
    ("/api/v1/analytics/stats", "limit", (1, 50_000)),
    ("/api/v1/analytics/hotspots", "limit", (1, 5000)),
    ("/api/v1/analytics/top-places", "limit", (1, 100)),
    ("/api/v1/analytics/top-classes", "limit", (1, 50)),
    ("/api/v1/analytics/forecast", "limit", (1, 30)),
])
def test_the_limits_the_code_enforces_are_published(path, name, bounds):
    assert _bounds(_query_param(path, name)) == bounds


@pytest.mark.parametrize("model, field, expected", [
    ("CaseIn", "crs", ["bd09", "gcj02", "wgs84"]),
    ("RequestIn", "kind", ["extension", "return", "suspension", "void"]),
])
def test_choices_are_published_as_enums(model, field, expected):
    schemas = api.get_openapi_schema()["components"]["schemas"]
    prop = schemas[model]["properties"][field]
    ref = prop.get("$ref") or next(s["$ref"] for s in prop.get("allOf", []) if "$ref" in s)
    assert sorted(schemas[ref.rsplit("/", 1)[1]]["enum"]) == expected


@pytest.mark.parametrize("model, field, maximum", [
    ("RequestIn", "extra_minutes", 60 * 24 * 90),
    ("RatingIn", "satisfaction", 5),
])
def test_body_numbers_state_their_range(model, field, maximum):
    prop = api.get_openapi_schema()["components"]["schemas"][model]["properties"][field]
    assert _bounds(prop)[1] == maximum


def test_an_inspector_report_states_its_photo_limit():
    prop = api.get_openapi_schema()["components"]["schemas"]["ReportIn"]["properties"]["photos"]
    assert prop["maxItems"] == 6


def test_the_public_report_form_states_the_coordinate_ranges():
    body = api.get_openapi_schema()["paths"]["/api/v1/public/requests"]["post"]["requestBody"]
    props = body["content"]["multipart/form-data"]["schema"]["properties"]
    assert _bounds(props["lon"]) == (-180, 180) and _bounds(props["lat"]) == (-90, 90)


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/inspector/reports", "/api/v1/public/requests"])
def test_reports_describe_the_rules_checked_against_the_data(path):
    assert "outside_service_area" in api.get_openapi_schema()["paths"][path]["post"]["description"]


def test_the_served_schema_is_the_one_with_the_shared_refusals(client):
    served = client.get("/api/v1/openapi.json").json()
    assert "401" in served["paths"]["/api/v1/org/me"]["get"]["responses"]
    assert "ErrorOut" in served["components"]["schemas"]


@pytest.mark.parametrize("path, statuses", [
    ("/api/v1/assets", {409}),  # the identifier exists already
    ("/api/v1/assets/{ident}/photos", {413, 415}),
    ("/api/v1/org/tokens/{token_id}/revoke", {409}),  # already revoked
])
def test_the_services_conflicts_and_upload_refusals_are_declared(path, statuses):
    assert statuses <= set(api.get_openapi_schema()["paths"][path]["post"]["responses"])
