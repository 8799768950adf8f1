"""The package on its own: installed into a fresh virtual environment, it imports no Flask,
pulls in no part of the registry, and its ``registry-ask`` works against the registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.commands import ask_flags
from tests.clients.stage import Stage

CLIENT_SOURCE = Path(__file__).resolve().parents[2] / "clients" / "python"


@pytest.mark.slow
def test_the_client_installs_alone_and_imports_no_flask(stage: Stage, tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(
        CLIENT_SOURCE, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    probe = (
        "import importlib.resources, sys, registry_client, registry_client.client\n"
        "from registry_client.cli import ask, check_cut, verify\n"
        "heavy = {'flask', 'werkzeug', 'sqlalchemy', 'marshmallow', 'registry'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
        "assert importlib.resources.files('registry_client').joinpath('py.typed').is_file()\n"
        "print(registry_client.__version__)\n"
    )
    imported = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert imported.returncode == 0, imported.stderr
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "registry-client" in names and "joserfc" in names
    assert not names & {"flask", "werkzeug", "sqlalchemy", "talent-consent-registry"}

    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(REGISTRY_URL=stage.url, REGISTRY_TOKEN=stage.vfx, NO_PROXY="127.0.0.1")
    person = stage.performer()
    asked = subprocess.run(
        [
            str(venv / "bin" / "registry-ask"),
            *ask_flags(stage, person, "alteration", "--media", "voice", "--change", "timing"),
            "--verify",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert asked.returncode == 0, asked.stdout + asked.stderr
    assert "Receipt: verified offline" in asked.stdout
