"""The registry as a package: the lock covers what pyproject.toml declares, and the wheel runs
on its own. The wheel is built from the checkout (sdist first, so ``MANIFEST.in`` is tested too)
and installed with the run lock into a fresh venv outside the checkout (offline, from the cache
that ``make``'s uv filled; from the index only where that cache lacks them). Then, from an empty
folder and in production mode, as the README's production section runs it: migrated, given a
user, served by gunicorn with the shipped settings, and asked.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.databases import temporary_database
from tests.gunicorn import get_status
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "requirements"


def _pins(lock: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", line)
        if found:
            pins.setdefault(found[1].lower().replace("_", "-"), found[2])
    return pins


def _declared(*extras: str) -> list[Requirement]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in extras:
        listed += project["optional-dependencies"][extra]
    return [Requirement(item) for item in listed]


@pytest.mark.parametrize(
    ("lock", "extras"), [("run.txt", ()), ("dev.txt", ("dev",)), ("test.txt", ("dev", "test"))]
)
def test_the_lock_pins_every_declared_dependency_within_its_range(
    lock: str, extras: tuple[str, ...]
) -> None:
    """A dependency added to pyproject.toml without ``make lock`` fails here, by name."""
    pins = _pins(LOCKS / lock)
    wrong = []
    for requirement in _declared(*extras):
        name = requirement.name.lower().replace("_", "-")
        if name not in pins or not requirement.specifier.contains(pins[name], prereleases=True):
            wrong.append(f"{requirement} (locked: {pins.get(name, 'nothing')})")
    assert wrong == [], "run `make lock`: " + "; ".join(wrong)
    assert "--hash=sha256:" in (LOCKS / lock).read_text()


@pytest.mark.parametrize(("smaller", "larger"), [("run.txt", "dev.txt"), ("dev.txt", "test.txt")])
def test_each_lock_holds_the_one_before_with_the_same_pins(smaller: str, larger: str) -> None:
    """``make run`` then ``make test`` in one venv changes no version: the locks agree."""
    inner, outer = _pins(LOCKS / smaller), _pins(LOCKS / larger)
    assert {name: outer.get(name) for name in inner} == inner


def _uv() -> str:
    found = Path(sys.executable).with_name("uv")
    path = str(found) if found.exists() else shutil.which("uv")
    assert path, "uv is not installed (make installs it from requirements/uv.txt)"
    return path


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding the built wheel and the run lock, nothing else."""
    uv = _uv()
    base = tmp_path_factory.mktemp("wheel")
    dist, venv = base / "dist", base / "venv"
    build = [uv, "build", "--offline", "--no-build-isolation", "--python", sys.executable]
    _run([*build, "--out-dir", str(dist), str(ROOT)], cwd=base)
    wheels = list(dist.glob("talent_consent_registry-*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())
    python = str(venv / "bin" / "python")
    _run([uv, "venv", "--offline", "--quiet", "--python", sys.executable, str(venv)], cwd=base)
    install = [uv, "pip", "install", "--quiet", "--python", python]
    locked = ["--require-hashes", "-r", str(LOCKS / "run.txt")]
    try:  # from uv's cache, which `make` filled; else from the index the lock was made from
        _run([*install, "--offline", *locked], cwd=base)
    except AssertionError:
        _run([*install, *locked], cwd=base)
    _run([*install, "--offline", "--no-deps", str(wheels[0])], cwd=base)
    _run([uv, "pip", "check", "--offline", "--python", python], cwd=base)  # the lock suffices
    return venv / "bin"


@pytest.fixture
def production(
    installed: Path, db_kind: str, tmp_path: Path
) -> Iterator[tuple[dict[str, str], Path]]:
    """The environment of a production host and an empty working folder outside the checkout."""
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REGISTRY_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
    }
    with temporary_database(db_kind, tmp_path) as url:
        env.update(
            {
                "PATH": f"{installed}{os.pathsep}{env.get('PATH', '')}",
                "REGISTRY_DATA_DIR": str(tmp_path / "data"),
                "REGISTRY_KEYS_DIR": str(tmp_path / "keys"),
                "REGISTRY_DATABASE_URL": url,
                "REGISTRY_SECRET_KEY": secrets.token_urlsafe(48),
                "WEB_CONCURRENCY": "1",
            }
        )
        # The keys, made once by a development run against the same keys folder (README).
        _run(["registry", "db", "upgrade"], cwd=work, env={**env, "REGISTRY_ENV": "development"})
        yield {**env, "REGISTRY_ENV": "production"}, work


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        return int(r.status), r.read()


@pytest.mark.slow
def test_the_installed_wheel_migrates_creates_a_user_serves_and_answers(
    installed: Path, production: tuple[dict[str, str], Path]
) -> None:
    env, work = production
    package = Path(
        _run(["python", "-c", "import registry; print(registry.__file__)"], cwd=work, env=env)
    ).parent
    assert package.parent.name == "site-packages" and not package.is_relative_to(ROOT)
    for name in ("templates", "static", "migrations", "wsgi.py", "gunicorn.conf.py"):
        assert (package / name).exists(), name
    _run(["registry", "db", "upgrade"], cwd=work, env=env)
    password = f"wheel-{secrets.token_urlsafe(16)}"
    create = ["registry", "users", "create", "ops@studio.test", "--role", "admin"]
    created = _run([*create, "--password", password], cwd=work, env=env)
    token = created.strip().splitlines()[-1]

    base = f"http://127.0.0.1:{free_port()}"
    log = work / "gunicorn.log"
    with log.open("wb") as errors:
        server = subprocess.Popen(
            ["registry", "serve", "--bind", base.removeprefix("http://")],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if get_status(f"{base}/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        # ``registry serve`` became gunicorn, with the settings shipped in the package.
        command = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")
        assert str(package / "gunicorn.conf.py").encode() in command, command
        status, body = _get(f"{base}/readyz")  # the migrations in the wheel are at head
        assert status == 200, body
        status, body = _get(f"{base}/api/v1/me", token)
        assert status == 200 and json.loads(body)["email"] == "ops@studio.test"
        status, body = _get(f"{base}/login")  # templates from the wheel
        assert status == 200 and b"<form" in body
        status, body = _get(f"{base}/static/layout.js")  # static files from the wheel
        assert status == 200 and body
        assert get_status(f"{base}/api/v1/me") == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
