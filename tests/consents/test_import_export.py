"""``flask consents import`` (all-or-nothing, every bad row reported) and ``consents export``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from tqdm import tqdm

from registry.audit.models import AuditEvent
from registry.consents import bulk
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.hashing import canonical_json, content_hash, sha256_hex
from registry.extensions import db
from registry.receipts.verify import verify_receipt
from tests.factories import (
    bearer,
    consent_body,
    iso,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (Consent, ConsentVersion, ConsentPurpose, AuditEvent)
    )


def _import(app: Flask, file: Path, as_email: str, *options: str) -> Any:
    """``flask consents import FILE --as EMAIL [OPTIONS]``, through the CLI runner."""
    return app.test_cli_runner().invoke(
        args=["consents", "import", str(file), "--as", as_email, *options]
    )


def _jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_import_json_lines_records_every_consent_with_audit_and_its_signed_receipt(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, token = make_user("talent_rep")
    production = make_production().id
    performer = performer_with_personal_data(rep)
    rows = [
        consent_body(
            performer.id,
            production,
            description=f"Replica for scene {i} of the finale, night exterior",
        )
        for i in range(3)
    ]
    before = _counts()
    result = _import(app, _jsonl(tmp_path / "in.jsonl", rows), rep.email)
    assert result.exit_code == 0, result.output
    assert "Imported 3 consent(s)" in result.output
    # The progress bar counts the file's bytes, through to the end of the file.
    size = tqdm.format_sizeof((tmp_path / "in.jsonl").stat().st_size)  # as the bar shows it
    assert f"checking and importing: 100%|██████████| {size}/{size}" in result.output
    after = _counts()
    assert after[0] - before[0] == 3 and after[1] - before[1] == 3
    assert after[3] - before[3] == 4  # one event per consent and one for the import
    versions = (
        db.session.execute(
            select(ConsentVersion).where(ConsentVersion.performer_id == performer.id)
        )
        .scalars()
        .all()
    )
    assert {v.description for v in versions} == {r["description"] for r in rows}
    assert all(v.created_by == rep.id for v in versions)
    # Every receipt was signed as its row was built, and is what the API answers.
    for version in versions:
        assert version.receipt is not None
        got = app.test_client().get(
            f"/api/v1/consents/{version.consent_id}/receipt", headers=bearer(token)
        )
        assert got.status_code == 200 and got.json is not None
        assert got.json["receipt"] == version.receipt
        payload = verify_receipt(version.receipt)
        assert payload["consent_id"] == version.consent_id and payload["typ"] == "consent"
        assert payload["status"] == "active" and payload["issued_at"] == iso_utc(version.created_at)
        # The audit event of the import commits to exactly this receipt's payload.
        event = db.session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "consent.recorded",
                AuditEvent.subject_id == version.consent_id,
            )
        ).scalar_one()
        assert event.content_hash == content_hash(
            {
                "version_id": version.id,
                "receipt_payload_sha256": sha256_hex(canonical_json(payload)),
            }
        )


def test_import_csv_with_lists_separated_by_semicolons(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    production = make_production().id
    performer = performer_with_personal_data(rep)
    body = consent_body(performer.id, production, purposes=["digital_replica", "model_training"])
    file = tmp_path / "in.csv"
    with file.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(body))
        writer.writeheader()
        writer.writerow(
            {
                k: ";".join(v) if isinstance(v, list) else ("true" if v is True else v)
                for k, v in body.items()
            }
        )
    result = app.test_cli_runner().invoke(args=["consents", "import", str(file)])
    assert result.exit_code == 0, result.output
    version = db.session.execute(
        select(ConsentVersion).where(ConsentVersion.performer_id == performer.id)
    ).scalar_one()
    assert (
        version.purposes == ["digital_replica", "model_training"]
        and version.guild_compliant is True
    )


def test_text_that_is_not_utf8_is_named_by_line_in_either_format(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    production = make_production().id
    performer = performer_with_personal_data(rep)
    good = json.dumps(consent_body(performer.id, production)).encode()
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_bytes(good + b"\n" + good.replace(b"rooftop", b"r\xe9oftop") + b"\n" + good + b"\n")
    body = consent_body(performer.id, production)
    header = ",".join(body).encode()
    cells = ",".join(";".join(v) if isinstance(v, list) else str(v) for v in body.values())
    line = cells.encode()
    csv_file = tmp_path / "in.csv"
    csv_file.write_bytes(b"\n".join([header, line, line.replace(b"rooftop", b"\xff\xfe")]) + b"\n")
    before = _counts()
    for file, bad_line in ((jsonl, 2), (csv_file, 3)):
        result = app.test_cli_runner().invoke(args=["consents", "import", str(file)])
        assert result.exit_code == 1, result.output
        assert f"line {bad_line}: _line: Not valid UTF-8 text." in result.output
        assert "1 of" in result.output and "nothing was imported" in result.output
    assert _counts() == before


def test_a_bad_row_anywhere_imports_nothing_and_every_bad_row_is_named(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    other_rep, _ = make_user("talent_rep")
    production = make_production().id
    mine = performer_with_personal_data(rep)
    theirs = performer_with_personal_data(other_rep)
    rows: list[Any] = [
        consent_body(mine.id, production),  # line 1: fine
        consent_body(mine.id, production, purposes=["mind_reading"]),  # line 2
        consent_body(mine.id, production),  # line 3: fine
        {k: v for k, v in consent_body(mine.id, production).items() if k != "description"},  # 4
        "{not json",  # line 5
        consent_body(theirs.id, production),  # line 6: not this rep's performer
        consent_body(mine.id, production, signed_at=iso(timedelta(days=1)), colour="red"),  # 7
    ]
    before = _counts()
    result = _import(app, _jsonl(tmp_path / "in.jsonl", rows), rep.email, "--batch", "1")
    assert result.exit_code == 1
    out = result.output
    for expected in (
        "line 2: purposes.0:",
        "line 4: description: Missing data",
        "line 5: _line: Not valid JSON",
        "line 6: performer_id: No such performer.",
        "line 7: signed_at: Must not be in the future.",
        "line 7: colour: Unknown field.",
        "5 of 7 row(s) are invalid; nothing was imported.",
    ):
        assert expected in out, expected
    assert "line 1:" not in out and "line 3:" not in out
    assert _counts() == before  # nothing written (rows written, then refused: test below)


@pytest.mark.parametrize("workers", [0, 2])
def test_rows_already_written_are_rolled_back_when_a_later_row_is_bad(
    ctx: Flask, workers: int
) -> None:
    rep, _ = make_user("talent_rep")
    production = make_production().id
    mine = performer_with_personal_data(rep)
    rows = [consent_body(mine.id, production) for _ in range(9)]
    rows.append(consent_body(mine.id, production, purposes=["mind_reading"]))  # line 10
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    before = _counts()
    written: list[int] = []

    def seen(*args: Any) -> None:  # after_cursor_execute(conn, cursor, sql, params, ctx, many)
        if args[2].startswith("INSERT INTO consent_versions"):
            written.append(len(args[3]) if args[5] else 1)

    event.listen(db.engine, "after_cursor_execute", seen)
    try:
        # Chunks of 2 rows, written in batches of 2: lines 1-8 reach the database first.
        result = bulk.import_consents(
            io.BytesIO(data), "jsonl", actor=rep, batch=2, chunk=2, workers=workers
        )
    finally:
        event.remove(db.engine, "after_cursor_execute", seen)
    assert [(e.line, e.field) for e in result.errors] == [(10, "purposes.0")]
    assert result.imported == 0
    assert sum(written) == 8
    assert _counts() == before


def _committed(version: ConsentVersion, receipt: str) -> bool:
    """Whether the audit event that recorded ``version`` committed to this receipt's payload."""
    payload = verify_receipt(receipt)
    event = db.session.execute(
        select(AuditEvent).where(
            AuditEvent.action == "consent.recorded", AuditEvent.subject_id == version.consent_id
        )
    ).scalar_one()
    return event.content_hash == content_hash(
        {"version_id": version.id, "receipt_payload_sha256": sha256_hex(canonical_json(payload))}
    )


def test_each_receipt_says_what_the_import_committed_to_whatever_happens_after(
    ctx: Flask, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Receipts are signed as the import records each consent: a rename or a new BASE_URL
    afterwards changes none of them, and each matches its audit event."""
    rep, token = make_user("talent_rep")
    production = make_production().id
    renamed, other = (
        performer_with_personal_data(rep, professional_name="Old Name"),
        performer_with_personal_data(rep),
    )
    rows = [consent_body(p.id, production) for p in (renamed, renamed, other)]
    monkeypatch.setitem(app.config, "BASE_URL", "https://registry.before.test")
    assert _import(app, _jsonl(tmp_path / "in.jsonl", rows), rep.email).exit_code == 0
    versions = db.session.execute(select(ConsentVersion)).scalars().all()
    signed = {v.id: v.receipt for v in versions}
    monkeypatch.setitem(app.config, "BASE_URL", "https://registry.after.test")
    patched = app.test_client().patch(
        f"/api/v1/performers/{renamed.id}",
        json={"professional_name": "New Name"},
        headers=bearer(token),
    )
    assert patched.status_code == 200, patched.json
    assert len(versions) == 3
    for version in versions:
        db.session.refresh(version)
        assert version.receipt is not None and version.receipt == signed[version.id]
        assert _committed(version, version.receipt)
        payload = verify_receipt(version.receipt)
        assert payload["iss"] == "https://registry.before.test"
        if version.performer_id == renamed.id:
            assert payload["performer"]["professional_name"] == "Old Name"
    # A consent recorded after the rename names the performer by the new name.
    fresh = recorded_consent(rep, renamed.id, production)
    assert verify_receipt(fresh.receipt or "")["performer"]["professional_name"] == "New Name"


def test_only_reps_and_admins_import(ctx: Flask, app: Flask, tmp_path: Path) -> None:
    legal, _ = make_user("legal")
    file = _jsonl(tmp_path / "in.jsonl", [])
    result = _import(app, file, legal.email)
    assert result.exit_code == 1 and "may not record consents" in result.output


def test_export_uses_the_api_filters_and_personal_fields_only_when_allowed(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    other_rep, _ = make_user("talent_rep")
    admin, _ = make_user("admin")
    legal, _ = make_user("legal")
    production = make_production().id
    mine = performer_with_personal_data(rep, legal_name="Exported Legal")
    theirs = performer_with_personal_data(other_rep, legal_name="Other Legal")
    soon = recorded_consent(rep, mine.id, production, expires_at=utcnow() + timedelta(days=10))
    recorded_consent(rep, mine.id, production, purposes=["model_training"])
    recorded_consent(other_rep, theirs.id, production)
    runner = app.test_cli_runner()

    def export(*args: str) -> list[dict[str, Any]]:
        out = tmp_path / "out.jsonl"
        result = runner.invoke(args=["consents", "export", "-o", str(out), *args])
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in out.read_text().splitlines()]

    rows = export("--as", rep.email)
    assert {r["performer_id"] for r in rows} == {mine.id}
    assert all("legal_name" not in r for r in rows)
    assert [r["id"] for r in export("--as", rep.email, "--expiring-within-days", "30")] == [
        soon.consent_id
    ]
    assert len(export("--as", rep.email, "--purpose", "model_training")) == 1
    assert {r["status"] for r in export("--performer-id", mine.id)} == {"active"}
    personal = export("--as", rep.email, "--with-personal")
    assert {r["legal_name"] for r in personal} == {"Exported Legal"}
    everyone = export("--as", admin.email, "--with-personal", "--production-id", production)
    assert {r["legal_name"] for r in everyone} == {"Exported Legal", "Other Legal"}
    for args in (["--with-personal"], ["--with-personal", "--as", legal.email]):
        refused = runner.invoke(args=["consents", "export", *args])
        assert refused.exit_code == 1 and "personal fields" in refused.output
        assert "Legal" not in refused.output
    csv_out = runner.invoke(
        args=[
            "consents",
            "export",
            "--format",
            "csv",
            "--as",
            legal.email,
            "--performer-id",
            mine.id,
        ]
    )
    assert csv_out.exit_code == 0
    table = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert len(table) == 2 and "Exported Legal" not in csv_out.output
    assert {r["purposes"] for r in table} == {"digital_replica", "model_training"}
    exported = db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "consents.exported")
    ).scalar_one()
    assert exported >= 7


def test_worker_processes_give_the_same_result(ctx: Flask, app: Flask, tmp_path: Path) -> None:
    rep, _ = make_user("talent_rep")
    production = make_production().id
    performer = performer_with_personal_data(rep)
    good = [consent_body(performer.id, production) for _ in range(30)]
    bad = [*good[:10], consent_body(performer.id, production, media=["smell"]), *good[10:]]
    before = _counts()
    refused = _import(
        app, _jsonl(tmp_path / "bad.jsonl", bad), rep.email, "--workers", "2", "--batch", "5"
    )
    assert refused.exit_code == 1 and "line 11: media.0:" in refused.output
    assert _counts() == before
    done = _import(
        app, _jsonl(tmp_path / "good.jsonl", good), rep.email, "--workers", "2", "--batch", "7"
    )
    assert done.exit_code == 0, done.output
    versions = (
        db.session.execute(
            select(ConsentVersion).where(ConsentVersion.performer_id == performer.id)
        )
        .scalars()
        .all()
    )
    assert len(versions) == 30
    assert all(v.expires_at.tzinfo is not None and v.created_by == rep.id for v in versions)
    for version in versions:  # signed in the worker processes, with this registry's key
        assert verify_receipt(version.receipt or "")["performer"]["id"] == performer.id


def test_a_refused_personal_export_leaves_the_output_file_alone(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    legal, _ = make_user("legal")
    out = tmp_path / "keep.csv"
    out.write_text("an earlier export\n")
    for args in (["--with-personal"], ["--with-personal", "--as", legal.email]):
        refused = app.test_cli_runner().invoke(
            args=["consents", "export", "--format", "csv", "-o", str(out), *args]
        )
        assert refused.exit_code == 1 and "personal fields" in refused.output
        assert out.read_text() == "an earlier export\n"


def test_csv_export_neutralises_cells_a_spreadsheet_would_run(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    formula = '=HYPERLINK("http://attacker.example","click") reshoot of scene 12 with stand-in'
    recorded_consent(rep, performer.id, make_production().id, description=formula)
    out = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(
        args=["consents", "export", "--format", "csv", "--as", rep.email, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "'" + formula.replace('"', '""') in text
    assert "\n=" not in text and ",=" not in text


def test_workers_are_forked_only_from_a_single_threaded_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("registry.consents.bulk.threading.active_count", lambda: 1)
    assert bulk._pool_context().get_start_method() == "fork"
    monkeypatch.setattr("registry.consents.bulk.threading.active_count", lambda: 2)
    assert bulk._pool_context().get_start_method() == "spawn"
