"""The OpenAPI document is fit for generated clients: it validates, and every operation has a
unique lowerCamelCase operationId, tags of a listed resource, a one-line summary, the error
answers it can give with the one error body, and an example of its answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from tests.factories import bearer, make_user

METHODS = {"get", "post", "put", "patch", "delete"}
ERROR = "#/components/schemas/Error"


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    body = answer.json
    assert isinstance(body, dict)
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _schema_ref(document: dict[str, Any], answer: dict[str, Any]) -> str | None:
    if "$ref" in answer:  # a shared answer (components/responses)
        answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    ref = answer["content"]["application/json"]["schema"].get("$ref")
    return str(ref) if ref else None


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)  # raises on any violation of the OpenAPI 3.0 schema


def test_every_operation_has_a_unique_camel_case_operation_id(document: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op in _operations(document)]
    assert len(ids) >= 60
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", i) for i in ids)
    assert len(set(ids)) == len(ids)
    by_path = {(m, p): op["operationId"] for m, p, op in _operations(document)}
    # the names API.md and the pipeline client use
    assert by_path["post", "/api/v1/consents"] == "createConsent"
    assert by_path["post", "/api/v1/requests"] == "askUseRequest"
    assert by_path["get", "/api/v1/requests/{request_id}"] == "getUseRequest"
    assert by_path["post", "/api/v1/declarations"] == "declareGenAiUse"
    assert by_path["post", "/api/v1/productions/{production_id}/deliverables/check"] == (
        "checkDeliverables"
    )
    assert by_path["get", "/.well-known/jwks.json"] == "getJwks"


def test_every_operation_has_a_resource_tag_and_a_one_line_summary(
    document: dict[str, Any],
) -> None:
    listed = {tag["name"]: tag.get("description") for tag in document["tags"]}
    assert all(listed.values())
    for method, path, op in _operations(document):
        assert len(op["tags"]) == 1 and op["tags"][0] in listed, (method, path)
        assert op.get("summary") and "\n" not in op["summary"], (method, path)
    tags = {(m, p): op["tags"][0] for m, p, op in _operations(document)}
    assert tags["get", "/api/v1/consents/{consent_id}/versions"] == "consents"
    assert tags["get", "/api/v1/me"] == "accounts"
    assert tags["get", "/api/v1/pipelines"] == "pipelines"
    # only tags that some operation uses are listed
    assert set(listed) == set(tags.values())


def test_every_operation_documents_its_error_answers_with_the_error_body(
    document: dict[str, Any],
) -> None:
    for method, path, op in _operations(document):
        if path.startswith("/.well-known/"):
            continue
        expected = {"401", "403"}
        if "{" in path:
            expected.add("404")
        if method != "get":
            expected |= {"409", "422"}
        if "parameters" in op and any(p["in"] == "query" for p in op["parameters"]):
            expected.add("422")
        assert expected <= set(op["responses"]), (method, path, sorted(op["responses"]))
        for code in expected:
            assert _schema_ref(document, op["responses"][code]) == ERROR, (method, path, code)


def test_every_operation_has_an_example_of_its_answer(document: dict[str, Any]) -> None:
    for method, path, op in _operations(document):
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, (method, path)
        for code in success:
            content = op["responses"][code].get("content", {})
            if "application/json" not in content:
                continue  # a file download
            assert "example" in content["application/json"], (method, path, code)
    created = document["paths"]["/api/v1/consents"]["post"]["responses"]["201"]
    example = created["content"]["application/json"]["example"]
    assert example["status"] in {"pending", "active", "expired", "revoked", "superseded"}
    assert example["performer_id"].startswith("prf_")


def test_the_facts_objects_are_typed_from_the_rules_vocabulary(document: dict[str, Any]) -> None:
    from registry.rules.vocabulary import DECLARATION_FACTS, PRINCIPLES

    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        for prop, spec in schema.get("properties", {}).items():
            if name == "Error" and prop == "errors":
                continue  # messages by field name: the fields are the body's own
            if spec.get("type") == "object":
                assert "properties" in spec or "additionalProperties" in spec, (name, prop)
                assert spec.get("additionalProperties") != {}, (name, prop)
    facts = schemas["Declaration"]["properties"]["facts"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[facts]["properties"]) == set(DECLARATION_FACTS)
    assert set(schemas[facts]["required"]) == set(DECLARATION_FACTS)
    principles = schemas["Declaration"]["properties"]["principles"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[principles]["properties"]) == set(PRINCIPLES)
    request_facts = schemas["RequestIn"]["properties"]["facts"]
    assert "$ref" in request_facts or "allOf" in request_facts


def test_the_jwks_is_documented_as_public_and_matches_what_is_served(
    document: dict[str, Any], client: FlaskClient
) -> None:
    op = document["paths"]["/.well-known/jwks.json"]["get"]
    assert op["security"] == []
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    served = client.get("/.well-known/jwks.json").json
    assert served is not None
    key_schema = schema["properties"]["keys"]["items"]
    for key in served["keys"]:
        assert set(key_schema["required"]) <= set(key)
        for field, spec in key_schema["properties"].items():
            assert key[field] in spec.get("enum", [key[field]])


def test_an_answered_error_matches_the_documented_error_body(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    _, token = make_user("auditor")
    refused = client.post("/api/v1/consents", json={}, headers=bearer(token))
    assert refused.status_code == 403
    body = refused.json
    assert body is not None
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) <= set(body) <= set(error["properties"])
    invalid = client.get("/api/v1/consents?per_page=0", headers=bearer(make_user("admin")[1]))
    assert invalid.status_code == 422
    assert invalid.json is not None
    assert all(isinstance(m, list) for m in invalid.json["errors"].values())
