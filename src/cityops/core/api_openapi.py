"""The errors every operation of the API can answer, added to its published OpenAPI schema.

Some refusals come from the API's shared machinery rather than from an endpoint: authentication (401), the
session's CSRF check and the role and scope checks (403), parameter and body validation (422), an unknown
object named in the path (404). Declaring them once here, from the same facts that produce them (the
operation has security, parameters, a body, path parameters), keeps the published schema truthful without
every endpoint repeating them.
"""

from __future__ import annotations

from typing import Any

from cityops.core.api_schemas import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
DESCRIPTIONS = {
    401: "No session and no valid API token (`unauthenticated`).",
    403: "The role, the token's scope or the session's CSRF token refuses it (`forbidden`, `csrf_failed`).",
    404: "An object named in the path does not exist or lies outside the caller's scope (`not_found`).",
    422: "A parameter or the body is refused (`invalid`, `malformed_body`); `field` names it.",
    429: "Too many wrong API tokens from this address or with this prefix (`rate_limited`, with Retry-After).",
}


def add_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error responses to every operation of `schema` (in place) and return it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status in _common_statuses(operation):
                responses.setdefault(status, {"description": DESCRIPTIONS[status],
                                              "content": {"application/json": {"schema": ERROR_REF}}})
    return schema


def _common_statuses(operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    statuses = []
    if operation.get("security"):
        statuses += [401, 403, 429]
    if any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    if parameters or operation.get("requestBody"):
        statuses.append(422)
    return statuses
