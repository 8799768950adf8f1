"""Every route needs authentication except the few public ones named here; rules stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from registry.app import API_BLUEPRINTS, PAGE_BLUEPRINTS
from registry.web.blueprint import ApiBlueprint
from tests.factories import csrf_token

PUBLIC_ENDPOINTS = {
    "static",
    "api-docs.openapi_json",
    "public.jwks",
    "public.health",
    "accounts.login",
    "reminders_calendar.feed",  # the private calendar URL: its token is the credential
}
ROOT = Path(__file__).resolve().parents[2]


def _url(rule: object) -> str:
    path = str(rule)
    for arg in getattr(rule, "arguments", ()):
        path = path.replace(f"<{arg}>", "x-unknown").replace(f"<path:{arg}>", "x-unknown")
    import re

    return re.sub(r"<[^>]+>", "x-unknown", path)


def test_every_non_public_route_refuses_an_anonymous_caller(
    app: Flask, client: FlaskClient
) -> None:
    token = csrf_token(client)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if not url.startswith("/api/") else None
            response = client.open(url, method=method, data=data)
            checked += 1
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url, response.status_code)
                assert response.json is not None and response.json["code"] == 401
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert "/login" in response.headers["Location"], (method, url)
    assert checked >= 10


def test_every_blueprint_installs_an_authentication_hook() -> None:
    from registry.web.auth import authenticate_api, authenticate_page

    for blp in API_BLUEPRINTS:
        assert authenticate_api in blp.before_request_funcs.get(None, []), blp.name
    for bp in PAGE_BLUEPRINTS:
        assert authenticate_page in bp.before_request_funcs.get(None, []), bp.name


def test_the_rules_engine_imports_neither_flask_nor_sqlalchemy() -> None:
    forbidden = {"flask", "sqlalchemy", "flask_sqlalchemy", "flask_smorest", "marshmallow"}
    files = list((ROOT / "registry" / "rules").rglob("*.py"))
    assert files
    for file in files:
        tree = ast.parse(file.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module.startswith("registry") and not node.module.startswith(
                    "registry.rules"
                ):
                    raise AssertionError(f"{file} imports {node.module}")
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{file} imports {name}"


def test_services_never_commit() -> None:
    for file in (ROOT / "registry").rglob("services.py"):
        assert ".commit()" not in file.read_text(), f"{file} commits; the caller commits once"


def test_every_api_route_refuses_unknown_query_parameters_through_its_blueprint(
    app: Flask,
) -> None:
    """API.md: unknown fields are refused. Every /api/v1 route comes from an ``ApiBlueprint``,
    whose parser leaves unknown fields to the schemas (which refuse them)."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api-docs.openapi_json":
            continue
        blueprint = app.blueprints[rule.endpoint.split(".", 1)[0]]
        assert isinstance(blueprint, ApiBlueprint), rule.rule
        checked += 1
    assert checked >= 20
    assert all(isinstance(b, ApiBlueprint) for b in API_BLUEPRINTS)
