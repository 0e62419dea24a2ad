"""Property-based fuzzing of the published OpenAPI schema (schemathesis, in process, bounded).

Every operation is called with generated input, valid and invalid by the schema, as a scoped staff user and as an
administrator. Checked: no 5xx; the status is one the operation declares; the body conforms to the declared
schema; input the schema forbids is refused (4xx). So the published schema and what the code checks cannot drift
apart without this test failing.

Each operation runs schemathesis' own phases: coverage (boundary values and values just past them, e.g. a
limit of max + 1, lon/lat at 0,0 or ±180) and fuzzing (MAX_EXAMPLES random cases, valid and invalid), derandomised
so every run sends the same inputs. Both callers together take about a minute of CPU. One city is built per
caller rather than per operation: building it dominated the time when each operation was its own pytest test.
Runs on SQLite and PostgreSQL (`make test`); `-m "not fuzz"` leaves it out of a quick local run.
"""

from __future__ import annotations

import os
import traceback

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.feedback import FeedbackSources

# The builder behind `@schema.parametrize()`, called per operation inside one test (see the module docstring);
# not a public name, hence schemathesis pinned below 5 in pyproject.toml.
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from cityops.api import api
from cityops.cases.models import CaseState
from cityops.org.models import TokenScope
from cityops.testing import factories as f

# Per operation; CITYOPS_FUZZ_EXAMPLES=100 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("CITYOPS_FUZZ_EXAMPLES", "6"))
APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema()).exclude(
    # Streams a finished file (xlsx/csv bytes), not JSON; the exports' own tests cover it.
    path_regex=r"/exports/\{[^}]+\}/download$",
).exclude(
    # Signed with a source's HMAC secret: every generated request is 401 before any input is read; signed
    # requests are tested by tests/intake/integrations/test_webhooks*.py.
    path_regex=r"^/api/v1/intake/(detections|hotline/)",
)
if os.environ.get("CITYOPS_FUZZ_PATHS"):  # a regex, to fuzz a few operations deeply by hand
    SCHEMA = SCHEMA.include(path_regex=os.environ["CITYOPS_FUZZ_PATHS"])
# No generated Authorization header: each call sends the caller's real token, so a mutated one never reaches the
# API, and counting it made a valid request look invalid to the negative-data check.
SCHEMA.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none",
                                with_security_parameters=False)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
CALLERS = {"inspector": [s.value for s in TokenScope if s.value.endswith(":read")] + ["cases:write"],
           "admin": [s.value for s in TokenScope]}


@pytest.fixture
def keep_the_test_connection():
    """Called through the WSGI handler, Django closes the database connection at the end of each request (it is
    in a transaction: the test's); on PostgreSQL that ends the test's transaction. Django's test client
    disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@pytest.mark.parametrize("caller", list(CALLERS))
def test_the_api_honours_its_published_schema(caller, city, personas, api_token, fast_password_hashing,
                                              keep_the_test_connection):
    bearer = api_token(personas[caller], *CALLERS[caller])
    # Random path values only ever find 404s; a real case and inspector let the answers' bodies be checked too.
    case = f.make_case(city, state=CaseState.VERIFYING)
    SCHEMA.config.update(parameters={"number": case.number, "username": "inspector"})
    failures = []
    for result in SCHEMA.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, bearer)
        except Unsatisfiable:
            pass  # the operation takes no input that can be made invalid (no parameters, a free string)
        except (Exception, BaseExceptionGroup) as exc:  # collected: one run reports every failing operation
            failures.append(f"{operation.label}: {_summary(exc)}")
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, bearer: str) -> None:
    """Schemathesis' own test of one operation (its coverage phase: boundaries and just past them; then fuzzing)."""

    def run(case) -> None:
        case.call_and_validate(app=APP, headers={"Authorization": bearer}, checks=CHECKS)

    build_operation_test(config=SCHEMA.config, operation=operation, test_func=run, given_kwargs={},
                         feedback=FeedbackSources())()


def _summary(exc: Exception) -> str:
    return "".join(traceback.format_exception_only(exc))[:3000]
