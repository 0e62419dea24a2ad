"""Fixtures of the Open311 conformance tests: exposed services, an integration account's api_key, schemas."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from cityops.open311.models import Open311Service
from cityops.open311.services import open311_services_expose
from cityops.org.models import Role
from cityops.testing import factories as f

SHARED = Path(__file__).resolve().parents[3] / "shared" / "open311"
SCHEMAS = SHARED / "schemas"
FIXTURES = SHARED / "fixtures"

ATTRIBUTES = [
    {"variable": True, "code": "SIZE", "datatype": "singlevaluelist", "required": True, "order": 1,
     "description": "How much garbage?", "values": [{"key": "small", "name": "A bag"}, {"key": "large", "name": "A heap"}]},
    {"variable": True, "code": "NOTE", "datatype": "string", "required": False, "order": 2, "description": "Anything else"},
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(fast_password_hashing):
    """Every test here uses the shared fast hasher."""


@pytest.fixture
def services(city):
    """The common classes exposed; 06010 (exposed garbage) carries a service definition; 06028 is hidden."""
    open311_services_expose(actor="test")
    Open311Service.objects.filter(service_code="06010").update(attributes=ATTRIBUTES, name_en="Exposed garbage")
    Open311Service.objects.filter(service_code="06028").update(exposed=False)
    return {s.service_code: s for s in Open311Service.objects.all()}


@pytest.fixture
def integration(city):
    """An integration account (acceptor of the whole city) whose tokens Open311 clients use as api_key."""
    return f.make_user("open311_client", Role.ACCEPTOR, scope_region=city.city)


@pytest.fixture
def api_key(api_token, integration):
    """A valid api_key with cases:write (the Bearer token's plaintext)."""
    return api_token(integration, "cases:write").removeprefix("Bearer ")


def public_case(city, **fields):
    """A citizen report as the portal files it: source citizen, with a tracking code (the portal's key)."""
    from cityops.intake.services import tracking_code_new

    fields.setdefault("source", "citizen")
    fields.setdefault("tracking_code", tracking_code_new())
    return f.make_case(city, **fields)


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


@pytest.fixture(scope="session")
def validate():
    """Validate a JSON body against one of the shared GeoReport schemas (relative $refs resolved)."""
    registry = Registry().with_resources(
        (p.name, Resource.from_contents(_schema(p.name), default_specification=DRAFT4)) for p in SCHEMAS.glob("*.json")
    )

    def check(body, schema_name: str) -> None:
        validator = Draft4Validator(_schema(schema_name), registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, [e.message for e in errors]

    return check


def parse_xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)
