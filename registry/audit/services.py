"""Append to and verify the audit trail.

Every change of state appends an event in the same transaction as the change. Appends are
serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: every transaction begins
IMMEDIATE, holding the write lock), each event's predecessor is the one of seq - 1, and seq is
the primary key, so the chain cannot fork.
Events carry a hash of their content, never the content: no personal data enters the trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import String, Table, bindparam, func, select, type_coerce

from registry.audit.models import GENESIS, AuditCheckpoint, AuditEvent
from registry.core import reads
from registry.core.clock import as_utc, utcnow
from registry.core.db import DbSession
from registry.core.hashing import content_hash
from registry.core.keys import SigningKeys
from registry.core.reads import Query, SessionCursor
from registry.receipts import signer as receipts
from registry.receipts.verify import verify_receipt

ADVISORY_LOCK_KEY = 0x0A0D17  # any constant shared by every writer of the trail
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_CHECKPOINTS: Table = AuditCheckpoint.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str
    subject_type: str
    subject_id: str
    content: Any = None
    actor_id: str | None = None
    digest: str | None = None
    """``content_hash(content)`` when the caller has it already (bulk imports hash in workers)."""


def hashed_time(at: datetime) -> str:
    """The text of a timestamp as hashed: UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``.

    It is exactly what SQLite stores and what PostgreSQL's ``to_char`` below renders, so that
    verification reads the text straight from SQL without converting any datetime.
    """
    at = as_utc(at)
    return f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond:06d}"


def event_hash(
    seq: int,
    at: str,
    actor_id: str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    content_digest: str,
    prev_hash: str,
) -> str:
    line = (
        f"{seq}|{at}|{actor_id or ''}|{action}|{subject_type}|{subject_id}"
        f"|{content_digest}|{prev_hash}"
    )
    return hashlib.sha256(line.encode()).hexdigest()


def checkpoint_payload(seq: int, head_hash: str) -> dict[str, Any]:
    """What a checkpoint signs (a JWS, like every receipt): the chain's head at ``seq``."""
    return {"typ": "audit-checkpoint", "seq": seq, "head_hash": head_hash}


_COLUMNS = "seq, at, actor_id, action, subject_type, subject_id, content_hash, prev_hash, hash"
_INSERT_SQLITE = f"INSERT INTO audit_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_PG = f"INSERT INTO audit_events ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"


# The same two statements as fixed queries on the session's cursor (every write request runs
# them: ``registry.core.reads``).
_HEAD_QUERY = Query(
    select(_EVENTS.c.seq, _EVENTS.c.hash).where(
        _EVENTS.c.seq == select(func.max(_EVENTS.c.seq)).scalar_subquery()
    )
)
_PG_LOCK_QUERY = Query(select(func.pg_advisory_xact_lock(bindparam("key")).label("locked")))


def _lock_and_head(session: DbSession, cursor: SessionCursor | None = None) -> tuple[int, str]:
    cursor = cursor or SessionCursor(session)
    if cursor.dialect.name == "postgresql":
        cursor.rows(_PG_LOCK_QUERY, key=ADVISORY_LOCK_KEY)
    rows = cursor.rows(_HEAD_QUERY)
    return (int(rows[0].seq), str(rows[0].hash)) if rows else (0, GENESIS)


Row = tuple[str | None, str, str, str, str]
"""An event to append: (actor_id, action, subject_type, subject_id, content digest)."""


def record_many(
    session: DbSession,
    entries: Sequence[AuditEntry],
    *,
    signing: SigningKeys,
    checkpoint_every: int,
) -> int:
    """Append the entries in order, in the session's transaction; returns the new head seq."""
    return append_rows(
        session,
        [
            (
                e.actor_id,
                e.action,
                e.subject_type,
                e.subject_id,
                e.digest or content_hash(e.content),
            )
            for e in entries
        ],
        signing=signing,
        checkpoint_every=checkpoint_every,
    )


def append_rows(
    session: DbSession,
    events: Sequence[Row],
    *,
    signing: SigningKeys,
    checkpoint_every: int,
) -> int:
    """``record_many`` for events given as rows with their digests (bulk imports append 100,000
    at once: no objects per event, one ``executemany``); returns the new head seq."""
    if not events:
        return 0
    cursor = SessionCursor(session)
    seq, prev = _lock_and_head(session, cursor)
    at = utcnow()
    at_text = hashed_time(at)
    sqlite = cursor.dialect.name == "sqlite"
    # Rows go straight to the driver's executemany. SQLite gets the timestamp as the very text
    # SQLAlchemy would store (and that is hashed); PostgreSQL gets the aware datetime.
    stored_at: Any = at_text if sqlite else at
    rows: list[tuple[Any, ...]] = []
    checkpoints: list[dict[str, Any]] = []
    signer: receipts.Signer | None = None
    for actor_id, action, subject_type, subject_id, digest in events:
        seq += 1
        current = event_hash(seq, at_text, actor_id, action, subject_type, subject_id, digest, prev)
        rows.append(
            (seq, stored_at, actor_id, action, subject_type, subject_id, digest, prev, current)
        )
        if seq % checkpoint_every == 0:
            signer = signer or receipts.current(signing)
            checkpoints.append(
                {
                    "seq": seq,
                    "head_hash": current,
                    "at": at,
                    "kid": signer.kid,
                    "signature": signer(checkpoint_payload(seq, current)),
                }
            )
        prev = current
    sql = _INSERT_SQLITE if sqlite else _INSERT_PG
    if reads.TRACE is not None:
        reads.TRACE.append((sql, rows))
    cursor.cursor.executemany(sql, rows)
    if checkpoints:
        session.connection().execute(_CHECKPOINTS.insert(), checkpoints)
    return seq


def write_checkpoint(session: DbSession, *, signing: SigningKeys) -> int | None:
    """Sign the current head now (e.g. before a backup); returns its seq, None if empty."""
    seq, head = _lock_and_head(session)
    if seq == 0 or session.get(AuditCheckpoint, seq) is not None:
        return seq or None
    signer = receipts.current(signing)
    session.add(
        AuditCheckpoint(
            seq=seq,
            head_hash=head,
            at=utcnow(),
            kid=signer.kid,
            signature=signer(checkpoint_payload(seq, head)),
        )
    )
    return seq


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    events: int
    first_bad: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "events": self.events}
        if not self.ok:
            out["first_bad"] = self.first_bad
            out["problem"] = self.problem
        return out


def count_events(session: DbSession) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def _event_rows(session: DbSession, batch: int) -> Any:
    """Every event in order, its time as the hashed text, straight from SQL (Core, no ORM)."""
    c = _EVENTS.c
    if session.get_bind().dialect.name == "postgresql":
        at_text: Any = func.to_char(func.timezone("UTC", c.at), "YYYY-MM-DD HH24:MI:SS.US")
    else:
        at_text = type_coerce(c.at, String)
    stmt = select(
        c.seq,
        at_text,
        c.actor_id,
        c.action,
        c.subject_type,
        c.subject_id,
        c.content_hash,
        c.prev_hash,
        c.hash,
    ).order_by(c.seq)
    return session.connection().execute(stmt.execution_options(yield_per=batch))


def verify(
    session: DbSession,
    *,
    signing: SigningKeys,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
) -> Verification:
    """Walk the chain from the start and check every link and every checkpoint signature.

    Names the first bad event: one whose content was altered (its hash no longer matches),
    one that follows a removed event (a gap in ``seq`` or a broken link), one inserted or
    moved (its ``prev_hash`` is not its predecessor's hash), or a checkpoint that does not match.
    """
    checkpoints = {cp.seq: cp for cp in session.execute(select(AuditCheckpoint)).scalars()}
    rows = _event_rows(session, batch)
    try:
        chain = _walk_chain(rows, checkpoints, progress, batch)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL: close it even when stopping early
    if not chain.ok:
        return chain
    return _check_checkpoints(checkpoints, chain.events, signing)


def _walk_chain(
    rows: Iterable[Any],
    checkpoints: dict[int, AuditCheckpoint],
    progress: Callable[[int], None] | None,
    batch: int,
) -> Verification:
    expected_seq, prev = 1, GENESIS
    count = 0
    for row in rows:
        seq, at, actor, action, stype, sid, digest, prev_hash, stored = row
        if seq != expected_seq:
            what = "an event is missing before it" if seq > expected_seq else "out of order"
            return Verification(False, count, expected_seq if seq > expected_seq else seq, what)
        if prev_hash != prev:
            return Verification(False, count, seq, "its link to the previous event is broken")
        if event_hash(seq, at, actor, action, stype, sid, digest, prev_hash) != stored:
            return Verification(False, count, seq, "its content does not match its hash")
        cp = checkpoints.get(seq)
        if cp is not None and cp.head_hash != stored:
            return Verification(False, count, seq, "it does not match the signed checkpoint")
        prev = stored
        expected_seq += 1
        count += 1
        if progress is not None and count % batch == 0:
            progress(batch)
    if progress is not None and count % batch:
        progress(count % batch)
    return Verification(True, count)


def _signed(cp: AuditCheckpoint, signing: SigningKeys, jwks: dict[str, Any]) -> bool:
    """Whether the checkpoint's signature holds. Checkpoints are JWS like every receipt; those
    signed before release 2026.12 hold a bare Ed25519 signature (hex) over
    ``audit-checkpoint|seq|head``, still checked so that old trails keep verifying."""
    if "." not in cp.signature:
        public = signing.public(cp.kid)
        legacy = f"audit-checkpoint|{cp.seq}|{cp.head_hash}".encode()
        if public is None:
            return False
        try:
            public.verify(bytes.fromhex(cp.signature), legacy)
        except (InvalidSignature, ValueError):
            return False
        return True
    try:
        signed = verify_receipt(cp.signature, jwks)
    except ValueError:
        return False
    return signed == checkpoint_payload(cp.seq, cp.head_hash)


def _check_checkpoints(
    checkpoints: dict[int, AuditCheckpoint], count: int, signing: SigningKeys
) -> Verification:
    jwks = signing.jwks()
    for cp in sorted(checkpoints.values(), key=lambda c: c.seq):
        if signing.public(cp.kid) is None:
            return Verification(False, count, cp.seq, f"checkpoint signed by unknown key {cp.kid}")
        if not _signed(cp, signing, jwks):
            return Verification(False, count, cp.seq, "checkpoint signature is invalid")
        if cp.seq > count:
            return Verification(
                False, count, count + 1, f"events up to the signed checkpoint {cp.seq} are missing"
            )
    return Verification(True, count)
