"""Several "hosts" of one deployment for the scale-out test and its benchmark: each a folder of
its own (data and keys), sharing one PostgreSQL database, one PostgreSQL key store and one master
key (from the environment, as a secret store would hand it out). Started as production starts
them: ``gunicorn wsgi:app`` from the project folder (``gunicorn.conf.py``) and ``flask scheduler
run``."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.gunicorn import get_status
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Deployment:
    """What every host shares: the databases, the master key, the mail server."""

    database_url: str
    keystore_url: str
    folder: Path
    master_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    extra: dict[str, str] = field(default_factory=dict)

    def env(self, host: str) -> dict[str, str]:
        """The environment of one host's processes (its own data and keys folders)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update(
            {
                "REGISTRY_DATA_DIR": str(self.folder / host),
                "REGISTRY_DATABASE_URL": self.database_url,
                "REGISTRY_KEYSTORE_URL": self.keystore_url,
                "REGISTRY_MASTER_KEY": self.master_key,
                "REGISTRY_SECRET_KEY": self.secret_key,
                "PYTHONDONTWRITEBYTECODE": "1",
                **self.extra,
            }
        )
        return env

    def flask(self, host: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(host),
            capture_output=True,
            text=True,
            timeout=120,
        )


def _wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get_status(f"{base}/healthz") == 200:
                return
        except OSError:
            pass
        assert server.poll() is None, f"gunicorn at {base} exited with {server.returncode}"
        assert time.monotonic() < deadline, f"gunicorn at {base} did not start"
        time.sleep(0.2)


@contextmanager
def web_hosts(deployment: Deployment, count: int, *, workers: int = 1) -> Iterator[list[str]]:
    """``count`` gunicorn processes, each a host of its own on a distinct port; their base URLs
    once all answer /healthz."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    servers: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for n in range(count):
            base = f"http://127.0.0.1:{free_port()}"
            env = {**deployment.env(f"web{n}"), "WEB_CONCURRENCY": str(workers)}
            servers.append(
                subprocess.Popen(
                    [gunicorn, "--bind", base.removeprefix("http://"), "wsgi:app"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            bases.append(base)
        for base, server in zip(bases, servers, strict=True):
            _wait_healthy(base, server)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


@contextmanager
def schedulers(deployment: Deployment, count: int) -> Iterator[list[subprocess.Popen[str]]]:
    """``count`` ``flask scheduler run`` processes, each a host of its own; stopped with
    SIGTERM afterwards (their output is read then)."""
    with ExitStack() as stack:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
                cwd=ROOT,
                env=deployment.env(f"scheduler{n}"),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in range(count)
        ]
        for proc in procs:
            stack.callback(_stop, proc)
        yield procs


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Answer:
    status: int
    body: Any


def call(base: str, method: str, path: str, token: str, body: Any = None) -> Answer:
    """One API call over HTTP; the status and the JSON body (None if there is none)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raw = error.read()
        status = int(error.code)
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(status, parsed)
