"""The real server, as ``make run`` and production start it (``gunicorn.conf.py``, two workers):
its access log and error log are JSON lines, each request's lines carry its id, secrets in URLs
stay redacted, and ``/metrics`` adds up both workers (multiprocess mode) and shows a decision
made through the API."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from registry.app import create_app
from registry.extensions import db
from tests.factories import api_user, make_production, stored_performer
from tests.gunicorn import served
from tests.servers import free_port

TOKEN = secrets.token_urlsafe(32)


@dataclass
class Server:
    base: str
    access: Path
    errors: Path
    data: Path
    database: Path


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes


def call(url: str, headers: dict[str, str] | None = None, body: Any = None) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def lines(path: Path, until: Any = None) -> list[dict[str, Any]]:
    """The file's lines, each parsed as JSON (all must be), once ``until(lines)`` holds."""
    parsed: list[dict[str, Any]] = []
    for _ in range(100):
        text = path.read_text() if path.exists() else ""
        parsed = [json.loads(line) for line in text.splitlines() if line.strip()]
        if until is None or until(parsed):
            break
        time.sleep(0.1)
    return parsed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_kind: str) -> Iterator[Server]:
    if db_kind != "sqlite":
        pytest.skip("tests/gunicorn.py serves SQLite; the logs and metrics are the same")
    folder = tmp_path_factory.mktemp("served")
    access, errors = folder / "access.log", folder / "error.log"
    args = (
        "--access-logfile", str(access),
        "--error-logfile", str(errors),
        "-e", f"REGISTRY_METRICS_TOKEN={TOKEN}",
        # a rate-limit store nobody answers: the app logs a warning inside the request
        "-e", f"REGISTRY_REDIS_URL=redis://127.0.0.1:{free_port()}",
    )  # fmt: skip
    data, database = folder / "data", folder / "served.db"
    with served(data, database, workers=2, args=args) as base:
        yield Server(base, access, errors, data, database)


def scrape(server: Server, rid: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = call(
        f"{server.base}/metrics", {"Authorization": f"Bearer {TOKEN}", "X-Request-Id": rid}
    )
    assert answer.status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.body.decode())
        for sample in family.samples
    }


def test_access_lines_are_json_with_the_request_id_and_nothing_secret(server: Server) -> None:
    calendar = secrets.token_urlsafe(24)
    assert call(f"{server.base}/healthz", {"X-Request-Id": "probe-1"}).headers["X-Request-Id"] == (
        "probe-1"
    )
    assert call(f"{server.base}/calendar/{calendar}.ics", {"X-Request-Id": "cal-1"}).status == 404
    searched = call(f"{server.base}/performers?q=Zelda+Quackenbush", {"X-Request-Id": "q-1"})
    generated = call(f"{server.base}/healthz").headers["X-Request-Id"]

    def seen(found: list[dict[str, Any]]) -> bool:
        return {"probe-1", "cal-1", "q-1", generated} <= {line.get("request_id") for line in found}

    found = lines(server.access, seen)
    assert seen(found)
    by_id = {line["request_id"]: line for line in found}
    probe = by_id["probe-1"]
    assert (probe["method"], probe["path"], probe["status"]) == ("GET", "/healthz", 200)
    assert probe["logger"] == "gunicorn.access" and probe["level"] == "INFO"
    assert probe["duration_ms"] >= 0 and probe["time"].startswith("20")
    assert '"GET /healthz HTTP/1.1" 200' in probe["message"]  # gunicorn's own line, kept
    assert by_id["cal-1"]["path"] == "/calendar/[redacted]" and by_id["cal-1"]["status"] == 404
    assert searched.status == 200  # redirected to the sign-in page, which carries it in next
    # urllib follows the redirect with the same header: two lines with one id
    queries = {line["path"]: line["query"] for line in found if line["request_id"] == "q-1"}
    assert queries == {
        "/performers": "q=[redacted]",
        "/login": "next=%2Fperformers%3Fq%3D[redacted]",
    }
    text = server.access.read_text()
    assert calendar not in text and "Quackenbush" not in text


def test_error_log_lines_are_json_and_a_requests_lines_carry_its_id(server: Server) -> None:
    ids = [f"redis-down-{n}" for n in range(6)]
    for rid in ids:
        answer = call(
            f"{server.base}/api/v1/me",
            {"Authorization": "Bearer not-a-token", "X-Request-Id": rid},
        )
        assert answer.status == 401 and answer.headers["X-Request-Id"] == rid

    def warned(found: list[dict[str, Any]]) -> bool:
        return any("rate limit store unreachable" in line["message"] for line in found)

    found = lines(server.errors, warned)
    assert warned(found)
    assert any(line["logger"] == "gunicorn.error" for line in found)  # gunicorn's own, as JSON
    for line in found:
        assert {"time", "level", "logger", "pid", "message"} <= line.keys()
        if "rate limit store unreachable" in line["message"]:
            assert line["logger"] == "registry.accounts.throttle" and line["level"] == "WARNING"
            assert line["request_id"] in ids


def test_metrics_add_up_both_workers_and_show_a_decision(server: Server) -> None:
    app = create_app({"DATA_DIR": str(server.data), "DATABASE_URL": f"sqlite:///{server.database}"})
    with app.app_context():
        vfx, token = api_user("vfx_lead")
        production_id = make_production(members=(vfx,)).id
        performer_id = stored_performer().id
        db.session.remove()
        db.engine.dispose()
    asked = call(
        f"{server.base}/api/v1/requests",
        {"Authorization": f"Bearer {token}"},
        {
            "kind": "replica.create",
            "performer_id": performer_id,
            "production_id": production_id,
            "media": ["likeness"],
            "description": "Scene 12: harbour stunt, wide shot",
        },
    )
    assert asked.status == 201
    ready = ("registry_http_request_duration_seconds_count", "/readyz")
    for _ in range(30):
        assert call(f"{server.base}/readyz").status == 200
    # Scrapes answered by each worker (the access log names the process) all count every
    # /readyz, whichever worker served it, and the decision.
    pids: dict[int, float] = {}
    for n in range(40):
        samples = scrape(server, f"scrape-{n}")
        labels = frozenset({"route": ready[1], "method": "GET", "status": "200"}.items())
        assert samples[(ready[0], labels)] == 30
        assert samples[("registry_decisions_total", frozenset({"outcome": "deny"}.items()))] == 1
        found = lines(
            server.access, lambda f, n=n: any(x.get("request_id") == f"scrape-{n}" for x in f)
        )
        pid = next(x["pid"] for x in found if x.get("request_id") == f"scrape-{n}")
        pids[pid] = samples[(ready[0], labels)]
        if len(pids) == 2:
            break
    assert len(pids) == 2, "every scrape was answered by one worker"


def test_metrics_are_not_public_on_the_real_server(server: Server) -> None:
    assert call(f"{server.base}/metrics").status == 401
    assert call(f"{server.base}/metrics", {"Authorization": "Bearer nope"}).status == 401
