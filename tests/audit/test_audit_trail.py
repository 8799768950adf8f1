"""The audit trail is a hash chain: each kind of tampering is caught, the first bad event named."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, text

from registry.appctx import signing_keys
from registry.audit.models import AuditEvent
from registry.audit.services import AuditEntry, event_hash, hashed_time, record_many, verify
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.extensions import db
from tests.factories import bearer, make_user


def _append(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        record("test.event", "thing", f"thing-{i}", {"n": i}, actor_id=None)
    db.session.commit()


def _verify() -> tuple[bool, int | None, str | None]:
    result = verify(db.session, signing=signing_keys())
    return result.ok, result.first_bad, result.problem


def _sql(statement: str, **params: object) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


def test_an_untouched_trail_verifies(ctx: Flask) -> None:
    _append(120)
    result = verify(db.session, signing=signing_keys())
    assert result.ok and result.events == 120
    # AUDIT_CHECKPOINT_EVERY is 50 in the tests: checkpoints at 50 and 100.
    seqs = db.session.execute(text("SELECT seq FROM audit_checkpoints ORDER BY seq")).scalars()
    assert list(seqs) == [50, 100]


def test_altered_event_is_named(ctx: Flask) -> None:
    _append(20)
    _sql("UPDATE audit_events SET subject_id = 'forged' WHERE seq = 7")
    assert _verify() == (False, 7, "its content does not match its hash")


def test_deleted_event_is_named(ctx: Flask) -> None:
    _append(20)
    _sql("DELETE FROM audit_events WHERE seq = 9")
    ok, first_bad, problem = _verify()
    assert (ok, first_bad) == (False, 9)
    assert problem is not None and "missing" in problem


def test_reordered_events_are_caught(ctx: Flask) -> None:
    _append(20)
    _sql("UPDATE audit_events SET seq = -1 WHERE seq = 4")
    _sql("UPDATE audit_events SET seq = 4 WHERE seq = 5")
    _sql("UPDATE audit_events SET seq = 5 WHERE seq = -1")
    ok, first_bad, _ = _verify()
    assert (ok, first_bad) == (False, 4)


def test_inserted_event_is_caught(ctx: Flask) -> None:
    _append(20)
    head = db.session.execute(text("SELECT hash FROM audit_events WHERE seq = 20")).scalar_one()
    # A forged event appended with a made-up hash, linked to the real head.
    db.session.execute(
        insert(AuditEvent).values(
            seq=21,
            at=utcnow(),
            actor_id=None,
            action="consent.revoked",
            subject_type="x",
            subject_id="forged",
            content_hash="0" * 64,
            prev_hash=head,
            hash="f" * 64,
        )
    )
    db.session.commit()
    assert _verify()[:2] == (False, 21)


def test_inserted_in_the_middle_is_caught(ctx: Flask) -> None:
    _append(10)
    # Make room at seq 6 and insert a forged event there (an attacker renumbering the rest).
    for seq in range(10, 5, -1):
        _sql("UPDATE audit_events SET seq = :new WHERE seq = :old", new=seq + 1, old=seq)
    prev = db.session.execute(text("SELECT hash FROM audit_events WHERE seq = 5")).scalar_one()
    at = utcnow()
    forged = event_hash(6, hashed_time(at), None, "x", "y", "z", "0" * 64, "1" * 64)
    db.session.execute(
        insert(AuditEvent).values(
            seq=6,
            at=at,
            actor_id=None,
            action="x",
            subject_type="y",
            subject_id="z",
            content_hash="0" * 64,
            prev_hash="1" * 64,
            hash=forged,
        )
    )
    db.session.commit()
    assert prev != "1" * 64
    ok, first_bad, problem = _verify()
    assert (ok, first_bad) == (False, 6)
    assert problem == "its link to the previous event is broken"


def test_rewriting_the_whole_chain_is_caught_by_the_signed_checkpoint(ctx: Flask) -> None:
    _append(60)
    rows = db.session.execute(
        text(
            "SELECT seq, at, actor_id, action, subject_type, subject_id, content_hash "
            "FROM audit_events ORDER BY seq"
        )
    ).all()
    # A careful forger alters event 10 and recomputes every hash after it, from the first
    # to the last.
    prev = "0" * 64
    updates = []
    for seq, _at, actor, action, stype, sid, digest in rows:
        at = hashed_time(db.session.get(AuditEvent, seq).at)  # type: ignore[union-attr]
        sid = "forged" if seq == 10 else sid
        new = event_hash(seq, at, actor, action, stype, sid, digest, prev)
        updates.append((seq, sid, prev, new))
        prev = new
    for seq, sid, prev_hash, new in updates:
        _sql(
            "UPDATE audit_events SET subject_id = :sid, prev_hash = :p, hash = :h WHERE seq = :s",
            sid=sid,
            p=prev_hash,
            h=new,
            s=seq,
        )
    ok, first_bad, problem = _verify()
    assert (ok, first_bad) == (False, 50)
    assert problem == "it does not match the signed checkpoint"


def test_truncating_past_a_checkpoint_is_caught(ctx: Flask) -> None:
    _append(55)
    _sql("DELETE FROM audit_events WHERE seq > 40")
    ok, first_bad, problem = _verify()
    assert (ok, first_bad) == (False, 41)
    assert problem is not None and "checkpoint 50" in problem


def test_forged_checkpoint_signature_is_caught(ctx: Flask) -> None:
    _append(50)
    _sql("UPDATE audit_checkpoints SET signature = :s WHERE seq = 50", s="00" * 64)
    assert _verify()[:2] == (False, 50)


def test_verify_endpoint_for_auditors_only(ctx: Flask, client: FlaskClient) -> None:
    _, auditor = make_user("auditor")
    _, rep = make_user("talent_rep")
    _append(5)
    assert client.get("/api/v1/audit/verify", headers=bearer(rep)).status_code == 403
    answer = client.get("/api/v1/audit/verify", headers=bearer(auditor)).json
    assert answer is not None and answer["ok"] is True and answer["events"] >= 5
    _sql("UPDATE audit_events SET action = 'x' WHERE seq = 2")
    answer = client.get("/api/v1/audit/verify", headers=bearer(auditor)).json
    assert answer is not None
    assert answer["ok"] is False and answer["first_bad"] == 2


def test_no_personal_data_in_events(ctx: Flask) -> None:
    make_user("talent_rep", "secret.person@example.test")
    rows = db.session.execute(text("SELECT * FROM audit_events")).all()
    assert rows and all("secret.person" not in str(row) for row in rows)


def test_concurrent_writers_never_fork_the_chain(isolated_app: Flask) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with isolated_app.app_context():
                for i in range(10):
                    record_many(
                        db.session,
                        [AuditEntry("test.concurrent", "w", f"{n}-{i}-{j}") for j in range(3)],
                        signing=signing_keys(),
                        checkpoint_every=7,
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with isolated_app.app_context():
        result = verify(db.session, signing=signing_keys())
        assert result.ok, result
        assert result.events == 6 * 10 * 3


@pytest.mark.parametrize("size", [1, 100])
def test_batch_appends_chain_like_single_ones(ctx: Flask, size: int) -> None:
    record_many(
        db.session,
        [AuditEntry("b", "t", str(i)) for i in range(size)],
        signing=signing_keys(),
        checkpoint_every=1000,
    )
    db.session.commit()
    assert _verify() == (True, None, None)


def test_a_second_event_on_the_same_predecessor_is_refused_or_caught(ctx: Flask) -> None:
    """A fork (two events naming one predecessor) cannot be stored at its seq, and stored at
    any other seq it breaks the chain there."""
    from sqlalchemy.exc import IntegrityError

    _append(5)
    prev = db.session.execute(text("SELECT hash FROM audit_events WHERE seq = 4")).scalar_one()
    at = utcnow()

    def fork(seq: int) -> None:
        digest = "0" * 64
        db.session.execute(
            insert(AuditEvent).values(
                seq=seq,
                at=at,
                actor_id=None,
                action="x",
                subject_type="y",
                subject_id="fork",
                content_hash=digest,
                prev_hash=prev,
                hash=event_hash(seq, hashed_time(at), None, "x", "y", "fork", digest, prev),
            )
        )
        db.session.commit()

    with pytest.raises(IntegrityError):
        fork(5)
    db.session.rollback()
    assert _verify() == (True, None, None)
    fork(6)
    ok, first_bad, problem = _verify()
    assert (ok, first_bad) == (False, 6)
    assert problem == "its link to the previous event is broken"


def test_the_heads_are_planned_afresh_as_the_chains_grow(ctx: Flask) -> None:
    """psycopg prepares a statement run five times on a connection, and PostgreSQL keeps its plan
    until the table is analysed again: a plan made while the chains were short scanned them
    whole as they grew (1.2 ms at 3,400 events, measured). So the heads are never a prepared
    statement, while the trail's lock, run as often on the same connection, is one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements: psycopg on PostgreSQL")
    for i in range(8):
        _append(1, start=i)  # each an append in a transaction of its own: lock, heads, insert
    prepared = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
    statements = list(prepared)
    assert any("pg_advisory_xact_lock" in s for s in statements), statements
    assert not any("audit_states" in s and "audit_events" in s for s in statements), statements
