"""Property-based fuzzing of GeoReport v2 (schemathesis over the Open311 site's Swagger, in process, bounded).

Every operation of the published description is called with generated input, valid and invalid: the answer is
never a 5xx and always JSON or XML (the spec's error list included), never an HTML page. Bodies are checked
against the shared JSON Schemas by the other tests: the Swagger types `description` and `keywords` of a
service as strings only, where the schemas (and real cities) allow null.
"""

from __future__ import annotations

import traceback

import pytest

schemathesis = pytest.importorskip("schemathesis")  # a test dependency (pyproject's `test` extra)

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import content_type_conformance  # noqa: E402

from tests.open311.conftest import SHARED, public_case  # noqa: E402

pytestmark = pytest.mark.django_db

SPEC = SHARED / "spec" / "georeport_v2_localhost_patched.swagger.yaml"
MAX_EXAMPLES = 20
APP = get_wsgi_application()


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: the WSGI handler would otherwise close the test's connection after each call
    (on PostgreSQL, its transaction with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_the_test_connection")
def test_georeport_answers_every_generated_request_without_a_server_error(city, services, api_key):
    public_case(city, state="closed", result="已清运")
    public_case(city, state="reported")
    failures = []
    for result in schemathesis.openapi.from_path(str(SPEC)).get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            try:
                _fuzz(operation, mode, api_key)
            except Unsatisfiable:
                pass  # nothing about the operation's input can be made invalid
            except Exception as exc:  # collected, so one run reports every operation that fails
                failures.append(f"{operation.label} [{mode.value}]: {''.join(traceback.format_exception_only(exc))}")
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, mode: GenerationMode, api_key: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        if case.method == "POST" and isinstance(case.body, dict) and mode == GenerationMode.POSITIVE:
            case.body["api_key"] = api_key  # reach the form checks, not only the api_key refusal
        case.call_and_validate(app=APP, checks=[not_a_server_error, content_type_conformance])

    run()
