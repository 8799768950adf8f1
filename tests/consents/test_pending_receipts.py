"""Receipts a bulk import leaves to be signed: shown signed on every read, then stored by the
scheduler's job exactly once, byte for byte what the reads showed."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.consents import receipt_issuer
from registry.consents.bulk import import_consents
from registry.consents.models import ConsentVersion, ReceiptBacklog
from registry.extensions import db
from registry.receipts import verify_receipt
from registry.reminders.jobs import run_receipts
from tests.consents.helpers import consent_body, make_performer
from tests.factories import bearer, login, make_production, make_user


def _import(rows: list[dict[str, object]]) -> list[ConsentVersion]:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    result = import_consents(io.BytesIO(text.encode()), "jsonl", actor=None)
    assert result.imported == len(rows) and not result.errors
    performer_ids = {r["performer_id"] for r in rows}
    return list(
        db.session.execute(
            select(ConsentVersion)
            .where(ConsentVersion.performer_id.in_(performer_ids))
            .order_by(ConsentVersion.id)
        ).scalars()
    )


def _events(action: str) -> int:
    return db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    ).scalar_one()


def test_lists_and_downloads_show_the_receipt_before_it_is_stored(ctx: Flask, app: Flask) -> None:
    rep, token = make_user("talent_rep")
    performer = make_performer(rep)
    production = make_production().id
    versions = _import([consent_body(performer.id, production) for _ in range(2)])
    assert [v.receipt for v in versions] == [None, None]
    listed = app.test_client().get(
        f"/api/v1/consents?performer_id={performer.id}", headers=bearer(token)
    )
    assert listed.status_code == 200 and listed.json is not None
    shown = {item["version_id"]: item["receipt"] for item in listed.json["items"]}
    assert set(shown) == {v.id for v in versions}
    for version in versions:
        assert verify_receipt(shown[version.id])["version_id"] == version.id
    client = app.test_client()
    login(client, rep)
    page = client.get(f"/consents/{versions[0].consent_id}/versions/1/receipt")
    assert page.status_code == 200 and page.get_data(as_text=True) == shown[versions[0].id]
    # Reading signed nothing into the database.
    assert receipt_issuer.pending_count() >= 2


def test_the_scheduler_job_stores_pending_receipts_once(ctx: Flask) -> None:
    rep, _ = make_user("talent_rep")
    performer = make_performer(rep)
    production = make_production().id
    versions = _import([consent_body(performer.id, production) for _ in range(5)])
    expected = receipt_issuer.sign_missing(versions)
    before = _events("consent.receipts_issued")
    assert run_receipts("holder-a", batch=2) == 5  # three batches of at most two
    assert run_receipts("holder-b") == 0
    assert receipt_issuer.pending_count() == 0
    for version in versions:
        db.session.refresh(version)
        assert version.receipt == expected[version.id]
        assert verify_receipt(version.receipt)["performer"]["id"] == performer.id
    assert _events("consent.receipts_issued") - before == 3


def test_a_receipt_signed_later_is_the_one_the_api_would_have_signed(
    ctx: Flask, app: Flask
) -> None:
    """The same payload whether signed on recording or afterwards (Ed25519 is deterministic)."""
    rep, token = make_user("talent_rep")
    performer = make_performer(rep)
    production = make_production().id
    body = consent_body(performer.id, production)
    got = app.test_client().post("/api/v1/consents", json=body, headers=bearer(token))
    assert got.status_code == 201 and got.json is not None
    version = db.session.execute(
        select(ConsentVersion).where(ConsentVersion.id == got.json["version_id"])
    ).scalar_one()
    columns = {c.name: getattr(version, c.name) for c in ConsentVersion.__table__.columns}
    imported = ConsentVersion(**{**columns, "receipt": None})  # as if imported; never added
    assert imported.receipt is None
    assert receipt_issuer.receipt_of(imported) == version.receipt == got.json["receipt"]


def _backlog() -> list[tuple[str, str]]:
    return [
        (first, last)
        for first, last in db.session.execute(
            select(ReceiptBacklog.first_version_id, ReceiptBacklog.last_version_id).order_by(
                ReceiptBacklog.id
            )
        ).tuples()
    ]


def test_each_import_leaves_one_backlog_range_that_goes_once_signed(ctx: Flask) -> None:
    rep, _ = make_user("talent_rep")
    performer = make_performer(rep)
    production = make_production().id
    before = _backlog()
    first = _import([consent_body(performer.id, production) for _ in range(3)])
    second = [
        v
        for v in _import([consent_body(performer.id, production) for _ in range(4)])
        if v.id not in {f.id for f in first}
    ]
    ranges = _backlog()[len(before) :]
    assert len(ranges) == 2
    for (low, high), versions in zip(ranges, (first, second), strict=True):
        assert all(low <= v.id <= high for v in versions)
    assert receipt_issuer.pending_count() >= 7
    # A batch of 5 ends the first range and goes 2 into the second, which stays (advanced).
    assert receipt_issuer.issue_pending(5) == 5
    db.session.commit()
    left = _backlog()[len(before) :]
    assert len(left) == 1 and left[0][1] == ranges[1][1] and left[0][0] > ranges[1][0]
    assert receipt_issuer.issue_all() >= 2
    assert _backlog()[len(before) :] == [] and receipt_issuer.pending_count() == 0
    for version in first + second:
        db.session.refresh(version)
        assert verify_receipt(version.receipt)["version_id"] == version.id  # type: ignore[arg-type]


def test_an_empty_backlog_takes_no_write_lock(ctx: Flask) -> None:
    receipt_issuer.issue_all()
    db.session.commit()
    assert receipt_issuer.issue_pending() == 0
    assert not db.session().in_transaction()


def test_a_read_racing_a_rename_shows_the_receipt_the_rename_stored(
    isolated_app: Flask, db_kind: str
) -> None:
    """A reader loads a version still without its receipt; a rename then commits (it stores the
    pending receipts under the old name first). The reader shows that stored receipt, never one
    signed under the new name. (SQLite: a transaction sees one snapshot throughout.)"""
    if db_kind != "postgresql":
        pytest.skip("PostgreSQL's concurrent transactions")
    with isolated_app.app_context():
        rep, token = make_user("talent_rep")
        performer = make_performer(rep, professional_name="Old Name")
        production = make_production()
        (version,) = _import([consent_body(performer.id, production.id)])
        db.session.commit()
        vid = version.id
        read = db.session.get(ConsentVersion, vid)  # the reader's copy, receipt still None
        assert read is not None and read.receipt is None
        with isolated_app.app_context():  # another request, with a session of its own
            renamed = isolated_app.test_client().patch(
                f"/api/v1/performers/{performer.id}",
                json={"professional_name": "New Name"},
                headers=bearer(token),
            )
            assert renamed.status_code == 200
        assert read.receipt is None  # this session's copy is as it was read
        shown = receipt_issuer.sign_missing([read])[vid]
        assert verify_receipt(shown)["performer"]["professional_name"] == "Old Name"
        db.session.rollback()
        stored = db.session.get(ConsentVersion, vid)
        assert stored is not None and stored.receipt == shown
