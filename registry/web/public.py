"""The few public routes: the JWKS for verifying receipts offline, and a health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from registry.appctx import signing_keys
from registry.web.auth import authenticate_page, public

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
    return jsonify({"ok": True})
