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
