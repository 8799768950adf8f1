"""Fuzz every documented operation with schemathesis, in process, authenticated as each role.

As an admin, no response may be a server error or break the schema the OpenAPI document gives
for it; as each other role (who mostly meets refusals), no response may be a server error.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories import bearer, make_production, make_user

EXAMPLES_PER_OPERATION = {"admin": 25}
EXAMPLES_OTHERWISE = 8  # per operation, for each role but admin: they mostly meet 403 and 404


@pytest.mark.parametrize("role", ["admin", "talent_rep", "vfx_lead", "legal", "auditor"])
def test_no_server_errors_and_documented_responses(ctx: Flask, role: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", ctx)
    user, token = make_user(role)
    make_production(members=(user,))
    checks: list[Any] = [not_a_server_error]
    if role == "admin":
        checks += [response_schema_conformance, status_code_conformance]
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION.get(role, EXAMPLES_OTHERWISE),
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(
                headers=bearer(token),
                checks=checks,
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
