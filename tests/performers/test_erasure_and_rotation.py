"""Master key rotation (resumable) and erasure by crypto-shredding, backups included."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from registry.app import create_app
from registry.appctx import master_keys, signing_keys
from registry.audit.services import verify
from registry.consents.models import EvidenceDocument
from registry.core.crypto import DataKeyStore, KeyDestroyed, RewrapProgress
from registry.extensions import db
from registry.performers.keystore import key_store, rotate_master
from registry.performers.models import Performer
from registry.performers.personal import open_bytes, reveal
from registry.receipts.verify import verify_receipt
from tests.factories import (
    PDF,
    api_record,
    bearer,
    make_production,
    make_user,
    performer_with_personal_data,
    sha256_of,
)
from tests.performers.backups import backup_copy


@contextmanager
def other_process(app: Flask, url: str | None = None) -> Iterator[Flask]:
    """Another app on the same keys folder (as a second worker process would be)."""
    other = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url or app.config["SQLALCHEMY_DATABASE_URI"],
            "DATA_DIR": app.config["DATA_DIR"],
        }
    )
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


def readable(ids: list[str]) -> dict[str, Any]:
    """Each performer's personal data; ends the read transaction (SQLite: it holds the lock)."""
    out = {i: reveal(db.session.get(Performer, i)) for i in ids}  # type: ignore[arg-type]
    db.session.rollback()
    return out


def test_keys_rotate_rewraps_every_data_key_and_resumes_after_an_interruption(
    isolated_app: Flask,
) -> None:
    runner = isolated_app.test_cli_runner()
    with isolated_app.app_context():
        rep, _ = make_user("talent_rep")
        ids = [performer_with_personal_data(rep).id for _ in range(12)]
        before = readable(ids)
        assert all(v and v["legal_name"] for v in before.values())
        first_master = master_keys().current_kid

        def power_cut(step: RewrapProgress) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            rotate_master(batch=5, progress=power_cut)
        second_master = master_keys().current_kid
        assert second_master != first_master
        counts = key_store().count_by_master()
        assert counts.get(second_master) == 5 and counts.get(first_master, 0) >= 7
        assert readable(ids) == before  # interrupted: nothing is unreadable
        with other_process(isolated_app):
            assert readable(ids) == before

    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert f"Resumed the interrupted rotation to {second_master}" in result.output
    with isolated_app.app_context():
        assert set(key_store().count_by_master()) == {second_master}
        assert readable(ids) == before

    result = runner.invoke(args=["keys", "rotate", "--retire-old"])
    assert result.exit_code == 0, result.output
    assert "New master key" in result.output and first_master in result.output
    master_dir = Path(isolated_app.config["KEYS_DIR"]) / "master"
    assert not (master_dir / f"{first_master}.key").exists()
    assert not (master_dir / f"{second_master}.key").exists()
    with isolated_app.app_context():
        third = master_keys().current_kid
        assert set(key_store().count_by_master()) == {third}
        assert readable(ids) == before
    with other_process(isolated_app):  # a process started after the rotation reads everything
        assert readable(ids) == before


def test_erasure_makes_personal_data_unreadable_everywhere_even_in_an_earlier_backup(
    isolated_app: Flask, tmp_path: Path
) -> None:
    client = isolated_app.test_client()
    runner = isolated_app.test_cli_runner()
    with isolated_app.app_context():
        rep, token = make_user("talent_rep")
        production = make_production()
        erased = performer_with_personal_data(
            rep, legal_name="Zelda Quist-Erasable", email="zq@example.test"
        )
        kept = performer_with_personal_data(rep, legal_name="Kept Person")
        consent = api_record(
            client, token, erased.id, production.id, evidence_sha256=sha256_of(PDF)
        )
        upload = client.post(
            f"/api/v1/consents/{consent['id']}/evidence",
            data={"file": (io.BytesIO(PDF), "signed.pdf")},
            headers=bearer(token),
        )
        assert upload.status_code == 201, upload.json
        erased_id, kept_id, key_id = erased.id, kept.id, erased.data_key_id
        stage_name = erased.professional_name
        url = isolated_app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.rollback()

    with backup_copy(url, tmp_path) as backup_url:
        result = runner.invoke(args=["performers", "erase", erased_id, "--yes"])
        assert result.exit_code == 0, result.output
        assert "Zelda" not in result.output

        with isolated_app.app_context():
            # The tombstone: public fields stay, personal data and documents are gone.
            got = client.get(f"/api/v1/performers/{erased_id}", headers=bearer(token)).json
            assert got is not None
            assert got["erased"] is True and got["professional_name"] == stage_name
            assert got["legal_name"] is None and got["email"] is None and got["phone"] is None
            row = db.session.get(Performer, erased_id)
            assert row is not None and row.legal_name_ct is None and row.email_ct is None
            doc = db.session.query(EvidenceDocument).filter_by(performer_id=erased_id).one()
            assert doc.content_ct is None and doc.filename_ct is None
            assert not key_store().exists(key_id)
            # Consents and receipts stay intact and verifiable; the document is gone.
            current = client.get(f"/api/v1/consents/{consent['id']}", headers=bearer(token)).json
            assert current is not None and current["status"] == "active"
            assert verify_receipt(current["receipt"])["consent_id"] == consent["id"]
            evidence = client.get(
                f"/api/v1/consents/{consent['id']}/evidence", headers=bearer(token)
            )
            assert evidence.status_code == 404
            assert verify(db.session, signing=signing_keys()).ok
            assert readable([kept_id])[kept_id]["legal_name"] == "Kept Person"

        # The backup taken before erasure still holds the ciphertexts, but nothing opens them.
        with other_process(isolated_app, backup_url):
            old = db.session.get(Performer, erased_id)
            assert old is not None and old.erased_at is None and old.legal_name_ct is not None
            assert reveal(old) is None
            with pytest.raises(KeyDestroyed):
                open_bytes(
                    key_id, "performers", "legal_name_ct", erased_id, bytes(old.legal_name_ct)
                )
            old_doc = db.session.query(EvidenceDocument).filter_by(performer_id=erased_id).one()
            assert old_doc.content_ct is not None
            with pytest.raises(KeyDestroyed):
                open_bytes(
                    key_id,
                    "evidence_documents",
                    "content_ct",
                    old_doc.id,
                    bytes(old_doc.content_ct),
                )
            assert readable([kept_id])[kept_id]["legal_name"] == "Kept Person"

    # Running it again is harmless (and would finish a destruction that failed half-way).
    again = runner.invoke(args=["performers", "erase", erased_id, "--yes"])
    assert again.exit_code == 0, again.output


def test_erasing_an_unknown_performer_says_so(isolated_app: Flask) -> None:
    result = isolated_app.test_cli_runner().invoke(
        args=["performers", "erase", "prf_nope", "--yes"]
    )
    assert result.exit_code != 0
    assert "No such performer" in result.output


def test_a_busy_key_store_erases_and_asks_for_a_rerun_that_scrubs_it(isolated_app: Flask) -> None:
    """Another process reads the key store throughout: the erasure still happens (tombstone,
    key deleted), says the file is not scrubbed yet, and a rerun once it is quiet finishes."""
    runner = isolated_app.test_cli_runner()
    with isolated_app.app_context():
        performer = performer_with_personal_data(None, legal_name="Busy Reader Case")
        performer_id, key_id = performer.id, performer.data_key_id
        store = key_store()
        assert isinstance(store, DataKeyStore)  # this test is about the SQLite file
        path = store.path
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM data_keys").fetchone()  # holds its snapshot
    try:
        busy = runner.invoke(args=["performers", "erase", performer_id, "--yes", "--wait", "0.2"])
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert busy.exit_code == 1
    assert "data key deleted" in busy.output and "run the erasure again" in busy.output
    with isolated_app.app_context():
        row = db.session.get(Performer, performer_id)
        assert row is not None and row.erased_at is not None and row.legal_name_ct is None
        with pytest.raises(KeyDestroyed):
            key_store().get_key(key_id)
    again = runner.invoke(args=["performers", "erase", performer_id, "--yes"])
    assert again.exit_code == 0, again.output
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            assert key_id.encode() not in file.read_bytes()
