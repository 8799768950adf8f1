"""What every operation of the OpenAPI document carries, added in one place as views are routed.

Generated clients need, for each operation: tags by resource, a one-line summary, the error
answers it can give with the one error body (``ErrorSchema``) and an example of its answer.
``complete`` adds them to what flask-smorest stored for a view; the operationId is named by
hand on each view (``@blp.doc(operationId="createConsent")``), since only a person can say
what an operation does. The error answers follow the web layer: every operation can answer
401 (no or a bad token) and 403 (a role that may not); one under an id, 404; one that reads a
body or query, 422; a write, 409 (a state that forbids it, or the same ``Idempotency-Key``
still running) and 422 (the key reused with another body). Examples are built from the answer's
schema: a field's ``metadata["example"]`` when it has one, otherwise a value of its type and
its validators (the first choice of a ``OneOf``, the lower bound of a ``Range``).

May import: ``web.schemas``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from registry.web.schemas import ErrorSchema

ERROR_ANSWERS = {
    401: "Not signed in: no token, or an unknown, expired or revoked one",
    403: "Signed in, but the caller's role may not do this",
    404: "No such record, or not one the caller may see (the two are not told apart)",
    409: "The record's state forbids this now, or the same Idempotency-Key is still running",
    422: "Invalid fields (unknown ones included), or an Idempotency-Key reused with another body",
}
WRITES = {"post", "put", "patch", "delete"}
# the resource an operation belongs to, by the first segment of its path after /api/v1/
TAG_OF_SEGMENT = {"me": "accounts", "users": "accounts"}
TAG_DESCRIPTIONS = {
    "accounts": "The caller's account; users and their first API token",
    "productions": "Productions, pitches and concepts, and their members",
    "performers": "Performers, their personal data and their representatives",
    "consents": "Consents: scoped, versioned, revocable, with signed receipts",
    "requests": "Use requests: ask before replicating, altering or re-using a performer",
    "models": "Enhancement models: training sources, clearances, status",
    "replicas": "Digital replicas an allowed replica.create request permits",
    "tools": "GenAI tools and their reviewed data terms (T4)",
    "pipelines": "Vendor pipelines: ordered stages of registered tools",
    "declarations": "GenAI use declarations, their triage, clearance and generated assets",
    "deliverables": "The final-cut check: which delivered files are cleared",
    "audit": "The tamper-evident audit trail and its checks",
    "notifications": "The caller's in-app notifications",
    "reminders": "Reminder deliveries (e-mail and webhooks)",
    "calendar": "The caller's private calendar feed",
    "keys": "Public keys for verifying receipts offline",
}
_ID_PREFIXES = {
    "user": "usr",
    "production": "prd",
    "performer": "prf",
    "consent": "cns",
    "request": "req",
    "decision": "dec",
    "model": "mdl",
    "approval": "apr",
    "tool": "tool",
    "pipeline": "pipe",
    "asset": "ast",
    "check": "chk",
    "delivery": "dlv",
}
_ID_BODY = "01jd3kqz8w5h6t2m4n7p9r0sxa"
_MOMENT = "2026-03-02T09:30:00+00:00"
_DEPTH = 6


def resource_tag(path: str) -> str:
    """The resource a path belongs to: ``/api/v1/consents/<id>/amend`` is ``consents``."""
    segments = [s for s in path.removeprefix("/api/v1").split("/") if s]
    if "deliverables" in segments:
        return "deliverables"
    first = segments[0] if segments else "api"
    return TAG_OF_SEGMENT.get(first, first)


def _sample_id(name: str, owner: str) -> str:
    stem = name.removesuffix("_ids").removesuffix("_id") if name != "id" else owner
    prefix = next((p for key, p in _ID_PREFIXES.items() if key in stem.lower()), "id")
    return f"{prefix}_{_ID_BODY}"


def _choice(field: fields.Field[Any]) -> Any:
    for check in field.validators:
        if isinstance(check, validate.OneOf):
            return next(iter(check.choices))
    return None


def _sample(field: fields.Field[Any], name: str, owner: str, depth: int) -> Any:
    if "example" in field.metadata:
        return field.metadata["example"]
    if depth > _DEPTH:
        return None
    if isinstance(field, fields.Pluck):
        return _sample_id(field.field_name, owner)
    if isinstance(field, fields.Nested):
        inner = example_of(field.schema, depth + 1)
        return [inner] if field.many else inner
    if isinstance(field, fields.List):
        return [_sample(field.inner, name.removesuffix("s"), owner, depth + 1)]
    if isinstance(field, fields.Dict):
        key_field = field.key_field
        if key_field is None or field.value_field is None:
            return {}
        key = _choice(key_field)
        if key is None:
            return {}
        return {key: _sample(field.value_field, str(key), owner, depth + 1)}
    choice = _choice(field)
    if choice is not None:
        return choice
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.Number):
        low = next((v.min for v in field.validators if isinstance(v, validate.Range)), None)
        value = low if low is not None else 1
        return float(value) if isinstance(field, fields.Float) else int(value)
    if isinstance(field, fields.DateTime):
        return _MOMENT
    if isinstance(field, fields.Date):
        return _MOMENT[:10]
    if isinstance(field, fields.Email):
        return "name@example.com"
    if isinstance(field, fields.Url):
        return "https://example.com/terms"
    if name == "id" or name.endswith(("_id", "_ids")):
        return _sample_id(name, owner)
    if "sha256" in name:
        return "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    if isinstance(field, fields.String):
        return name.replace("_", " ")
    return None


def example_of(schema: Schema | type[Schema], depth: int = 0) -> dict[str, Any]:
    """An example of what ``schema`` dumps, field by field."""
    instance = schema() if isinstance(schema, type) else schema
    owner = type(instance).__name__.removesuffix("Schema")
    return {
        field.data_key or name: _sample(field, name, owner, depth)
        for name, field in instance.dump_fields.items()
    }


_ERROR_EXAMPLES = {
    401: ("Unauthorized", "Sign in: send an API token as a Bearer token."),
    403: ("Forbidden", "Your role may not do this."),
    404: ("Not Found", "No such record."),
    409: ("Conflict", "This consent is revoked: it cannot be amended."),
    422: ("Unprocessable Entity", "Some fields are invalid."),
}


def _error_answer(code: int) -> dict[str, Any]:
    status, message = _ERROR_EXAMPLES[code]
    example: dict[str, Any] = {"code": code, "status": status, "message": message}
    if code == 422:
        example["errors"] = {"expires_at": ["Must be after signed_at."]}
    return {
        "schema": ErrorSchema,
        "description": ERROR_ANSWERS[code],
        "content_type": "application/json",
        "example": example,
    }


def _errors_of(method: str, path: str, doc: Mapping[str, Any]) -> list[int]:
    codes = [401, 403]
    if "<" in path:
        codes.append(404)
    if method in WRITES:
        codes.append(409)
    if method in WRITES or doc.get("arguments"):
        codes.append(422)
    return codes


def nullable_nested(
    converter: Any, field: fields.Field[Any], ret: dict[str, Any]
) -> dict[str, Any]:
    """A nested object that may be null as ``allOf: [$ref], nullable: true``: apispec's
    ``anyOf: [{type: object, nullable: true}, $ref]`` reads as "any object" to client generators.
    (An attribute function of apispec's marshmallow converter: it may change ``ret`` in place.)"""
    choices = ret.get("anyOf")
    if isinstance(field, fields.Nested) and isinstance(choices, list) and len(choices) == 2:
        refs = [c for c in choices if "$ref" in c]
        if len(refs) == 1 and {"type": "object", "nullable": True} in choices:
            del ret["anyOf"]
            return {"allOf": refs, "nullable": True}
    return {}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def complete(doc: dict[str, Any], method: str, path: str) -> None:
    """Add the summary, error answers and example of one operation to flask-smorest's doc."""
    docstring = doc.setdefault("docstring", {})
    if docstring.get("summary"):
        docstring["summary"] = _one_line(docstring["summary"])
    responses: dict[Any, list[Any]] = doc.setdefault("response", {}).setdefault("responses", {})
    for code in _errors_of(method, path, doc):
        given = responses.get(code) or responses.get(str(code))
        if not given:
            responses[code] = [_error_answer(code)]
            continue
        for answer in given:  # an answer documented without a body gets the error body
            if isinstance(answer, dict) and "schema" not in answer:
                answer["schema"] = ErrorSchema
    for code in doc.get("success_status_codes", []):
        for answer in responses.get(code, []):
            documented = isinstance(answer, dict) and answer.get("schema") is not None
            if documented and "example" not in answer and "examples" not in answer:
                answer["example"] = example_of(answer["schema"])
