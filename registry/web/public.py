"""The few public routes: the JWKS for verifying receipts offline, and health for load
balancers: ``/healthz`` (the process answers) and ``/readyz`` (the database answers, its
migrations are at the head this code expects, the keys load). Both answer fast, never cached.
``JWKS_DOC`` documents the JWKS in the API's OpenAPI document (``web.blueprint.RegistryApi``).

May import: ``core``, ``extensions``, ``appctx``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.appctx import signing_keys
from registry.extensions import db
from registry.transactions import discard
from registry.web.auth import authenticate_page, public

JWKS_PATH = "/.well-known/jwks.json"
_JWK = {
    "type": "object",
    "required": ["kty", "crv", "x", "kid", "alg", "use"],
    "properties": {
        "kty": {"type": "string", "enum": ["OKP"]},
        "crv": {"type": "string", "enum": ["Ed25519"]},
        "x": {"type": "string", "description": "The public key, base64url"},
        "kid": {"type": "string", "description": "The key id a receipt's header names"},
        "alg": {"type": "string", "enum": ["EdDSA"]},
        "use": {"type": "string", "enum": ["sig"]},
    },
}
JWKS_DOC: dict[str, Any] = {
    "get": {
        "operationId": "getJwks",
        "tags": ["keys"],
        "summary": "The public keys that verify receipts offline (a JWK Set, current key first).",
        "description": "Public: no token needed. Cached for five minutes; a rotated-out key "
        "stays listed so that old receipts still verify.",
        "security": [],
        "responses": {
            "200": {
                "description": "The JWK Set",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["keys"],
                            "properties": {"keys": {"type": "array", "items": _JWK}},
                        },
                        "example": {
                            "keys": [
                                {
                                    "kty": "OKP",
                                    "crv": "Ed25519",
                                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                                    "kid": "sig-2026-03",
                                    "alg": "EdDSA",
                                    "use": "sig",
                                }
                            ]
                        },
                    }
                },
            }
        },
    }
}

bp = Blueprint("public", __name__)
bp.before_request(authenticate_page)


@bp.route("/.well-known/jwks.json")
@public
def jwks() -> Any:
    response = jsonify(signing_keys().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/healthz")
@public
def health() -> Any:
    """Alive: the process answers (nothing else is touched)."""
    return jsonify({"ok": True})


def _head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    found = current_app.extensions.get("registry.migration_heads")
    if found is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        found = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["registry.migration_heads"] = found
    return set(found)


@bp.route("/readyz")
@public
def ready() -> Any:
    """Ready: the database answers, its schema is at the migrations' head, the keys load.
    503 naming what is not ready, otherwise 200."""
    checks: dict[str, str] = {}
    try:
        applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
        heads = _head_revisions()
        checks["database"] = "ok"
        checks["migrations"] = (
            "ok" if applied == heads else f"at {sorted(applied)}, not {sorted(heads)}"
        )
    except SQLAlchemyError as exc:
        checks["database"] = f"unavailable ({type(exc).__name__})"
        checks["migrations"] = "unknown"
    finally:
        discard()
    try:
        keys = signing_keys()
        checks["keys"] = "ok" if keys.current_kid in keys.private else "no current signing key"
    except Exception as exc:  # any failure to load keys means not ready
        checks["keys"] = f"unavailable ({type(exc).__name__})"
    ready = all(value == "ok" for value in checks.values())
    return jsonify({"ready": ready, "checks": checks}), 200 if ready else 503
