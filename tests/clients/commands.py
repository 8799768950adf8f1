"""The client's commands (``registry-ask``, ``registry-check-cut``,
``registry-verify-receipt``) run as a render farm runs them: processes of their own, configured
by the environment, judged by their exit code and output."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.clients.stage import Person, Stage
from tests.servers import free_port

BIN = Path(sys.executable).parent


def command(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{path} is missing: .venv/bin/pip install -e clients/python"
    return str(path)


def run(
    stage: Stage,
    name: str,
    *args: str,
    token: str | None = None,
    stdin: str | None = None,
    url: str | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        REGISTRY_URL=url or stage.url,
        REGISTRY_TOKEN=stage.vfx if token is None else token,
        NO_PROXY="127.0.0.1,localhost",
    )
    return subprocess.run(
        [command(name), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ask_flags(stage: Stage, person: Person, kind: str, *extra: str) -> list[str]:
    return [
        "--kind",
        kind,
        "--production",
        stage.production_code,
        "--performer",
        person.id,
        "--description",
        f"Shot {secrets.token_hex(3)}: {kind}",
        *extra,
    ]


def request_id_of(output: str) -> str:
    first = output.splitlines()[0]
    return first.split(", request ", 1)[1].split(" ", 1)[0]


def closed_port() -> int:
    return free_port()  # bound and released: nothing listens there
