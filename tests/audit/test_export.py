"""An auditor exports a date range of the trail as JSON Lines from the audit page; the file
verifies offline (a function, the CLI, ``python -m``), and any tampered line fails it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.audit.export import verify_export, verify_export_command
from registry.audit.models import AuditCheckpoint
from registry.audit.services import event_hash
from registry.audit.trail import record
from registry.extensions import db
from tests.factories import csrf_token, fresh_client, login, make_user

ROOT = Path(__file__).resolve().parents[2]


def _events_on(day: int, count: int) -> None:
    for i in range(count):
        with time_machine.travel(datetime(2026, 1, day, 10, i, tzinfo=UTC), tick=False):
            record("test.exported", "thing", f"thing-{day}-{i}", {"i": i})
    db.session.commit()


def _export(client: FlaskClient, since: str = "", until: str = "") -> list[str]:
    response = client.post(
        "/audit/export",
        data={
            "export-since": since,
            "export-until": until,
            "export-csrf_token": csrf_token(client, "/audit/"),
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/jsonl"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True).splitlines(keepends=True)


@pytest.fixture
def auditor(ctx: Flask) -> FlaskClient:
    _events_on(10, 3)
    _events_on(12, 4)
    _events_on(14, 3)
    user, _ = make_user("auditor")
    client = fresh_client(ctx)
    login(client, user)
    return client


def _items(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def test_a_range_exports_with_its_covering_checkpoint_and_verifies(auditor: FlaskClient) -> None:
    before = db.session.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one()
    lines = _export(auditor, "2026-01-11", "2026-01-12")
    items = _items(lines)
    header = items[0]
    assert header["type"] == "export" and header["jwks"]["keys"]
    in_range = [i for i in items if i["type"] == "event" and i["in_range"]]
    assert [i["subject_id"] for i in in_range] == [f"thing-12-{n}" for n in range(4)]
    assert all(i["hash"] and i["prev_hash"] for i in in_range)
    checkpoints = [i for i in items if i["type"] == "checkpoint"]
    assert checkpoints and checkpoints[-1]["seq"] == header["through_seq"] >= header["last_seq"]
    # No checkpoint covered the range yet: the export signed the heads.
    after = db.session.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one()
    assert after == before + 1
    check = verify_export(lines)
    assert check.ok, check.summary()
    assert check.in_range == 4 and check.summary().startswith("OK: 4 events")


def _rehash(e: dict[str, Any]) -> str:
    return event_hash(
        e["seq"],
        e["at"],
        e["actor_id"],
        e["action"],
        e["subject_type"],
        e["subject_id"],
        e["content_hash"],
        e["prev_hash"],
    )


def _tampered(lines: list[str], index: int, **changes: Any) -> list[str]:
    items = _items(lines)
    items[index].update(changes)
    return [json.dumps(item) + "\n" for item in items]


def test_any_tampered_line_fails_and_is_named(auditor: FlaskClient) -> None:
    lines = _export(auditor, "2026-01-10", "2026-01-14")
    assert verify_export(lines).ok
    events = [n for n, item in enumerate(_items(lines)) if item["type"] == "event"]
    middle = events[len(events) // 2]

    altered = verify_export(_tampered(lines, middle, action="test.innocent"))
    assert not altered.ok and altered.line == middle + 1
    assert altered.problem and "does not match its hash" in altered.problem

    # The forger recomputes the altered event's own hash: the next event's link breaks.
    item = _items(lines)[middle]
    item["action"] = "test.innocent"
    forged_hash = _rehash(item)
    relinked = verify_export(_tampered(lines, middle, action="test.innocent", hash=forged_hash))
    assert not relinked.ok and relinked.line == middle + 2
    assert relinked.problem and "link" in relinked.problem

    # Rewriting every later event too: the signed checkpoint no longer matches.
    items = _items(lines)
    prev = None
    for n in events[events.index(middle) :]:
        event = items[n]
        if n == middle:
            event["action"] = "test.innocent"
        if prev is not None:
            event["prev_hash"] = prev
        event["hash"] = _rehash(event)
        prev = event["hash"]
    rewritten = verify_export([json.dumps(i) + "\n" for i in items])
    assert not rewritten.ok and rewritten.problem and "checkpoint" in rewritten.problem

    dropped = verify_export(lines[:middle] + lines[middle + 1 :])
    assert not dropped.ok and dropped.problem and "missing" in dropped.problem

    no_signature = [line for line in lines if '"type":"checkpoint"' not in line]
    assert not verify_export(no_signature).ok


def test_other_keys_do_not_verify_it(auditor: FlaskClient, tmp_path: Path) -> None:
    lines = _export(auditor)
    header = _items(lines)[0]
    stranger = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    x = base64.urlsafe_b64encode(stranger).rstrip(b"=").decode()
    kid = header["jwks"]["keys"][0]["kid"]
    other = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA"}]}
    check = verify_export(lines, other)
    assert not check.ok and check.problem and "signature is invalid" in check.problem
    assert verify_export(lines, header["jwks"]).ok


def test_the_cli_and_python_m_verify_offline(auditor: FlaskClient, tmp_path: Path) -> None:
    lines = _export(auditor, "2026-01-12", "2026-01-12")
    good = tmp_path / "trail.jsonl"
    good.write_text("".join(lines))
    bad = tmp_path / "tampered.jsonl"
    bad.write_text("".join(_tampered(lines, 2, subject_id="thing-forged")))

    runner = CliRunner()
    ok = runner.invoke(verify_export_command, [str(good)])
    assert ok.exit_code == 0 and ok.output.startswith("OK: 4 events"), ok.output
    refused = runner.invoke(verify_export_command, [str(bad)])
    assert refused.exit_code == 1 and "TAMPERED: line 3" in refused.output

    # Offline: a fresh interpreter, no app, no database, no REGISTRY_* settings.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for path, code in ((good, 0), (bad, 1)):
        done = subprocess.run(
            [sys.executable, "-m", "registry.audit.export", str(path)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == code, done.stderr


def test_an_empty_range_says_so(auditor: FlaskClient) -> None:
    response = auditor.post(
        "/audit/export",
        data={
            "export-since": "2020-01-01",
            "export-until": "2020-01-02",
            "export-csrf_token": csrf_token(auditor, "/audit/"),
        },
    )
    assert response.status_code == 302
    page = auditor.get(response.headers["Location"]).get_data(as_text=True)
    assert "no events were recorded in that range" in page
