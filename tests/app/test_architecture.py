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
    "public.ready",
    "accounts.login",
    "reminders_calendar.feed",  # the private calendar URL: its token is the credential
    "accounts.welcome",  # an invitation's link: its token is the credential
    "accounts.reset_password",  # a password reset link: its token is the credential
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


TRANSACTION_CALLS = {"commit", "rollback", "begin", "begin_nested"}
# The one helper, and the key store, which keeps its own connection on purpose (its data must
# never share a transaction with the main database).
MAY_COMMIT = {"registry/transactions.py", "registry/performers/keystore.py"}


def _runtime_imports(tree: ast.Module) -> list[str]:
    """The registry modules a file imports when it runs (``if TYPE_CHECKING:`` blocks aside)."""
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("registry"):
            if node.module == "registry":
                found.extend(f"registry.{a.name}" for a in node.names)
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("registry"))
    return found


def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for file in sorted((ROOT / "registry").rglob("*.py")):
        out.append((str(file.relative_to(ROOT)), ast.parse(file.read_text())))
    assert len(out) > 100
    return out


def _transaction_calls(tree: ast.Module) -> list[str]:
    return [
        f"{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TRANSACTION_CALLS
    ]


def test_only_the_unit_of_work_commits_begins_or_rolls_back() -> None:
    """``registry.transactions.unit_of_work`` is the one place that ends a transaction: every
    module of ``registry/`` but it (and the key store's own connection) is checked."""
    offenders = [
        f"{name}:{call}"
        for name, tree in _modules()
        if name not in MAY_COMMIT
        for call in _transaction_calls(tree)
    ]
    assert offenders == []


def test_the_check_finds_every_form_a_transaction_call_takes() -> None:
    source = "db.session.commit()\nconn.begin()\nself.s.rollback()\nx.begin_nested()\n"
    assert _transaction_calls(ast.parse(source)) == [
        "1 .commit()",
        "2 .begin()",
        "3 .rollback()",
        "4 .begin_nested()",
    ]
    assert _transaction_calls(ast.parse('"""commit() in a docstring"""\nbegin = 1\n')) == []


# What each feature may import (the packages' docstrings say the same); the composition root
# (app, cli, demo, tables, config, extensions, appctx, transactions) wires them together.
BASE = {"core", "extensions", "transactions", "appctx"}
MAY_IMPORT = {
    "core": set(),
    "rules": set(),
    "receipts": {"core", "appctx"},
    "web": BASE | {"rules"},
    "audit": BASE | {"receipts", "web"},
    "accounts": BASE | {"audit", "web"},
    "approvals": BASE | {"audit", "web", "performers"},
    "productions": BASE | {"audit", "web", "accounts", "rules"},
    "performers": BASE | {"audit", "web", "accounts", "productions"},
    "consents": BASE
    | {"audit", "web", "accounts", "productions", "performers", "receipts", "rules"},
    "reminders": BASE | {"audit", "web", "accounts", "productions", "performers", "consents"},
    "gate": BASE
    | {"audit", "web", "accounts", "productions", "performers", "consents", "receipts"}
    | {"rules", "approvals", "reminders"},
    "triage": BASE
    | {"audit", "web", "accounts", "productions", "performers", "receipts", "rules"}
    | {"approvals", "reminders", "gate"},
    "jobs": BASE | {"reminders", "audit", "web"},
}


def test_every_feature_imports_only_what_it_may() -> None:
    offenders = []
    for name, tree in _modules():
        parts = name.split("/")
        if len(parts) < 3 or parts[1] not in MAY_IMPORT:
            continue
        feature = parts[1]
        for module in _runtime_imports(tree):
            target = module.split(".")[1]
            if target != feature and target not in MAY_IMPORT[feature]:
                offenders.append(f"{name} imports {module}")
    assert offenders == []


def test_the_gate_services_depend_one_way() -> None:
    """Inside the gate: enhancement_models < use_requests < replicas. A feature's services
    (and the bridge) use another's tables, never the services of one above it."""
    order = ["enhancement_models", "use_requests", "replicas"]
    offenders = []
    for name, tree in _modules():
        parts = name.split("/")
        if parts[:2] != ["registry", "gate"] or len(parts) < 4 or parts[2] not in order:
            continue
        if parts[3] in ("pages.py", "forms.py", "demo.py", "api.py"):
            continue  # presentation may compose the features it shows
        rank = order.index(parts[2])
        for module in _runtime_imports(tree):
            bits = module.split(".")
            if len(bits) > 2 and bits[1] == "gate" and bits[2] in order:
                other = order.index(bits[2])
                if other > rank and not module.endswith(".models"):
                    offenders.append(f"{name} imports {module}")
    assert offenders == []


def test_jobs_are_handed_the_app_and_never_create_one() -> None:
    for name, tree in _modules():
        if name.startswith("registry/jobs/"):
            assert "registry.app" not in _runtime_imports(tree), name
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
            names |= {
                a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
            }
            assert "create_app" not in names, name


def test_every_module_says_what_it_is_for_and_every_package_what_it_may_import() -> None:
    for name, tree in _modules():
        doc = ast.get_docstring(tree)
        assert doc, f"{name} has no docstring"
        parts = name.split("/")
        if name.endswith("__init__.py") and len(parts) == 3 and parts[1] in MAY_IMPORT:
            assert "May import" in doc, f"{name} does not say what it may import"


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
