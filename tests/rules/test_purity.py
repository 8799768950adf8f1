"""The decision engine stays pure: stdlib only, no Flask, no SQLAlchemy, no clock of its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RULES_DIR = Path(__file__).resolve().parents[2] / "registry" / "rules"
MODULES = sorted(RULES_DIR.rglob("*.py"))
FORBIDDEN = {"flask", "sqlalchemy", "flask_sqlalchemy", "marshmallow", "flask_smorest"}
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"}


def _imported_roots(tree: ast.Module) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module == "registry" or node.module.startswith("registry."):
                assert node.module.startswith("registry.rules"), node.module
    return roots


def test_there_are_modules_to_check() -> None:
    assert {p.name for p in MODULES} >= {"__init__.py", "facts.py", "decision.py", "table.py"}


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_imports_neither_flask_nor_sqlalchemy(path: Path) -> None:
    roots = _imported_roots(ast.parse(path.read_text(), filename=str(path)))
    assert not roots & FORBIDDEN, path
    allowed = set(sys.stdlib_module_names) | {"registry", "__future__"}
    assert roots <= allowed, roots - allowed


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_reads_no_clock(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, f"{path.name}:{node.lineno}"


def test_importing_the_engine_loads_no_framework() -> None:
    code = (
        "import sys, registry.rules; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(FORBIDDEN)!r}]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=RULES_DIR.parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
