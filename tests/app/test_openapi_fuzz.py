"""Fuzz every documented operation with schemathesis, in process and authenticated as an admin.

No response may be a server error or break the schema the OpenAPI document gives for it.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories import bearer, make_production, make_user

EXAMPLES_PER_OPERATION = 25


def test_no_server_errors_and_documented_responses(ctx: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", ctx)
    user, token = make_user("admin")
    make_production(members=(user,))
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(
                headers=bearer(token),
                checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
            )

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises failure groups
            failures[operation.label] = str(exc)[:2000]
    assert operations >= 5
    assert failures == {}


def test_the_openapi_document_lists_the_contract(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    assert document is not None
    paths = set(document["paths"])
    for path in (
        "/api/v1/me",
        "/api/v1/productions",
        "/api/v1/productions/{production_id}/members",
        "/api/v1/audit/verify",
    ):
        assert path in paths
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
