"""schemathesis against /api/v1/openapi.json: generated requests find no server error and no schema violation.

Bounded (GET/POST of the person and deal lists, GET/PATCH of one record, 15 examples each) so that it
stays fast; run it alone with ``pytest -q tests/test_api_schemathesis.py``.
"""

import pytest
from test_api_world import *  # noqa: F403 - the shared fixtures

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_generated_requests_get_documented_answers(api, writer):
    schema = (schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api)
              .include(path_regex=r"^/api/v1/(person|deal)(/\{id\})?$", method=["GET", "POST", "PATCH"]))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate(headers=writer, checks=CHECKS)

        answers_as_documented()
