"""Security headers on every route: each rule of the app is called (as an anonymous caller and
as a signed-in admin, API and pages), and every answer, errors included, carries the policy."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from registry.web.headers import CSP
from tests.factories import bearer, login, make_user

EXPECTED = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _paths(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every rule, its parameters filled with ids that do not exist."""
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(m.group(1)) + "_x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def _check(method: str, path: str, response: Any) -> list[str]:
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    if csp != CSP or "'unsafe-inline'" in csp or "frame-ancestors 'none'" not in csp:
        problems.append("Content-Security-Policy")
    problems += [name for name, value in EXPECTED.items() if headers.get(name) != value]
    if "camera=()" not in headers.get("Permissions-Policy", ""):
        problems.append("Permissions-Policy")
    if not path.startswith("/static/") and headers.get("Cache-Control") != "no-store":
        problems.append("Cache-Control")
    return [f"{method} {path} ({response.status_code}): {p}" for p in problems]


def test_every_route_answers_with_the_security_headers(
    ctx: Flask, app: Flask, client: FlaskClient
) -> None:
    admin, token = make_user("admin")
    signed_in = app.test_client()
    login(signed_in, admin)
    problems: list[str] = []
    calls = 0
    for method, path in _paths(app):
        for caller, headers in ((client, {}), (signed_in, {}), (client, bearer(token))):
            response = caller.open(path, method=method, headers=headers, json={})
            calls += 1
            problems += _check(method, path, response)
    assert calls > 300
    assert problems == []


def test_static_files_may_be_cached_but_carry_the_policy(client: FlaskClient) -> None:
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_only_in_production(app: Flask) -> None:
    from registry.web import headers

    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers
    production = Flask("production-headers")
    production.config.update(ENV="production", HSTS_SECONDS=63072000)
    headers.init_app(production)
    production.add_url_rule("/", "index", lambda: "ok")
    answer = production.test_client().get("/")
    assert answer.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
