"""Append to and verify the audit trail: two hash chains, the events and the state events.

Every change of state appends an event in the same transaction as the change; every change of
an audited record also appends a state event, the canonical hash of the record's state after
the change (``registry.audit.records``). Appends are serialised (PostgreSQL: a
transaction-scoped advisory lock; SQLite: every transaction begins IMMEDIATE, holding the write
lock), each event's predecessor is the one of seq - 1, and seq is the primary key, so neither
chain can fork. Each chain's head is signed at least every ``checkpoint_every`` of its events.
Events carry a hash of their content, never the content: no personal data enters the trail.
Each also keeps the id of the HTTP request it was appended in (``request_id``, for finding the
request's log lines), outside the hashed line: it is not evidence, and it changes no hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from sqlalchemy import (
    String,
    Table,
    bindparam,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)

from registry.audit.models import (
    GENESIS,
    AuditCheckpoint,
    AuditEvent,
    AuditState,
    AuditStateCheckpoint,
)
from registry.core import reads
from registry.core.clock import as_utc, utcnow
from registry.core.db import DbSession
from registry.core.hashing import content_hash
from registry.core.keys import SigningKeys
from registry.core.reads import Query, SessionCursor
from registry.receipts import signer as receipts
from registry.receipts.verify import verify_receipt
from registry.web import request_ids

ADVISORY_LOCK_KEY = 0x0A0D17  # any constant shared by every writer of the trail
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_CHECKPOINTS: Table = AuditCheckpoint.__table__  # type: ignore[assignment]
_STATES: Table = AuditState.__table__  # type: ignore[assignment]
_STATE_CHECKPOINTS: Table = AuditStateCheckpoint.__table__  # type: ignore[assignment]
LAST_SEQ = "registry.audit.last_seq"
"""``session.info`` key: the last event this transaction appended (state events follow it)."""
ACTOR = "registry.audit.actor"
"""``session.info`` key: the actor of the last event this transaction appended."""


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
    return as_utc(at).replace(tzinfo=None).isoformat(" ", "microseconds")


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


@dataclass(frozen=True, slots=True)
class StateEntry:
    """A state event to append: the canonical hash of a record's state after a change."""

    kind: str
    record_id: str
    state_hash: str


def state_event_hash(
    seq: int,
    at: str,
    actor_id: str | None,
    kind: str,
    record_id: str,
    state_hash: str,
    event_seq: int | None,
    prev_hash: str,
) -> str:
    line = (
        f"{seq}|{at}|{actor_id or ''}|{kind}|{record_id}|{state_hash}"
        f"|{'' if event_seq is None else event_seq}|{prev_hash}"
    )
    return hashlib.sha256(line.encode()).hexdigest()


def state_checkpoint_payload(seq: int, head_hash: str) -> dict[str, Any]:
    """What a checkpoint of the state events signs: that chain's head at ``seq``."""
    return {"typ": "audit-state-checkpoint", "seq": seq, "head_hash": head_hash}


# ``request_id`` last: stored beside the event, never hashed (``registry.web.request_ids``).
_COLUMNS = (
    "seq, at, actor_id, action, subject_type, subject_id, content_hash, prev_hash, hash, request_id"
)
_INSERT_SQLITE = f"INSERT INTO audit_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_PG = (
    f"INSERT INTO audit_events ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_STATE_COLUMNS = "seq, at, actor_id, kind, record_id, state_hash, event_seq, prev_hash, hash"
_INSERT_STATES_SQLITE = (
    f"INSERT INTO audit_states ({_STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_STATES_PG = (
    f"INSERT INTO audit_states ({_STATE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


# The lock and the heads as fixed queries on the session's cursor (every write request runs
# them: ``registry.core.reads``).
def _newest(table: Table, chain: int) -> Any:
    """The chain's last row (seq and hash), tagged with ``chain``; none when it is empty."""
    return (
        select(literal_column(str(chain)).label("chain"), table.c.seq, table.c.hash)
        .order_by(table.c.seq.desc())
        .limit(literal_column("1"))  # as text: a fixed statement binds no parameter
        .offset(literal_column("0"))
        .subquery()
    )


# Both chains' heads in one statement (one round trip while the trail's lock is held). Planned
# at every call on PostgreSQL: a plan cached while the chains were short scans them whole as they
# grow, until autovacuum next analyses them (measured: 1.2 ms at 3,400 events, growing with
# every append; planned afresh, 50 us).
_HEADS_QUERY = Query(
    union_all(select(_newest(_EVENTS, 1)), select(_newest(_STATES, 2))), cached_plan=False
)
_PG_LOCK_QUERY = Query(select(func.pg_advisory_xact_lock(bindparam("key")).label("locked")))


@dataclass(frozen=True, slots=True)
class _Heads:
    """The last seq and hash of the events' chain and of the state events' chain."""

    seq: int
    hash: str
    state_seq: int
    state_hash: str


def _lock_and_heads(session: DbSession, cursor: SessionCursor | None = None) -> _Heads:
    """Take the trail's lock (PostgreSQL: an advisory lock until the transaction ends; SQLite:
    its write lock, taken by the caller's first write) and read both heads."""
    cursor = cursor or SessionCursor(session)
    if cursor.dialect.name == "postgresql":
        cursor.rows(_PG_LOCK_QUERY, key=ADVISORY_LOCK_KEY)
    found = {row.chain: row for row in cursor.rows(_HEADS_QUERY)}
    events, states = found.get(1), found.get(2)
    return _Heads(
        int(events.seq) if events else 0,
        str(events.hash) if events else GENESIS,
        int(states.seq) if states else 0,
        str(states.hash) if states else GENESIS,
    )


Row = tuple[str | None, str, str, str, str]
"""An event to append: (actor_id, action, subject_type, subject_id, content digest)."""


def record_many(
    session: DbSession,
    entries: Sequence[AuditEntry],
    *,
    signing: SigningKeys,
    checkpoint_every: int,
    states: Sequence[StateEntry] = (),
) -> int:
    """Append the entries in order, in the session's transaction, with the state events of the
    records they changed (``states``); returns the new head seq."""
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
        states=states,
    )


def append_rows(
    session: DbSession,
    events: Sequence[Row],
    *,
    signing: SigningKeys,
    checkpoint_every: int,
    states: Sequence[StateEntry] = (),
    follows: int | None = None,
    actor_id: str | None = None,
) -> int:
    """``record_many`` for events given as rows with their digests (bulk imports append 100,000
    at once: no objects per event, one ``executemany``); returns the new head seq (0 when no
    event was appended).

    ``states`` are appended after the events, each following the event of this append about
    the same subject (kind and id), else the last one (else ``follows``), with that event's
    actor (else ``actor_id``)."""
    if not events and not states:
        return 0
    cursor = SessionCursor(session)
    heads = _lock_and_heads(session, cursor)
    seq, prev = heads.seq, heads.hash
    at = utcnow()
    at_text = hashed_time(at)
    sqlite = cursor.dialect.name == "sqlite"
    # Rows go straight to the driver's executemany. SQLite gets the timestamp as the very text
    # SQLAlchemy would store (and that is hashed); PostgreSQL gets the aware datetime.
    stored_at: Any = at_text if sqlite else at
    rows: list[tuple[Any, ...]] = []
    checkpoints: list[dict[str, Any]] = []
    signer: receipts.Signer | None = None
    subjects: dict[tuple[str, str], tuple[int, str | None]] = {}
    rid = request_ids.current()  # stored, not hashed
    for actor, action, subject_type, subject_id, digest in events:
        seq += 1
        current = event_hash(seq, at_text, actor, action, subject_type, subject_id, digest, prev)
        rows.append(
            (seq, stored_at, actor, action, subject_type, subject_id, digest, prev, current, rid)
        )
        if states:
            subjects.setdefault((subject_type, subject_id), (seq, actor))
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
    if rows:
        sql = _INSERT_SQLITE if sqlite else _INSERT_PG
        if reads.TRACE is not None:
            reads.TRACE.append((sql, rows))
        cursor.cursor.executemany(sql, rows)
        if checkpoints:
            session.connection().execute(_CHECKPOINTS.insert(), checkpoints)
        info = session.info
        info[LAST_SEQ] = seq
        if rows[-1][2] is not None:
            info[ACTOR] = rows[-1][2]
        follows, actor_id = seq, rows[-1][2] or actor_id
    if states:
        _append_states(
            session, cursor, (heads.state_seq, heads.state_hash), states, at, at_text,
            stored_at, subjects, follows, actor_id, signing, checkpoint_every,
        )  # fmt: skip
    return seq if rows else 0


def _append_states(
    session: DbSession,
    cursor: SessionCursor,
    head: tuple[int, str],
    states: Sequence[StateEntry],
    at: datetime,
    at_text: str,
    stored_at: Any,
    subjects: Mapping[tuple[str, str], tuple[int, str | None]],
    follows: int | None,
    actor_id: str | None,
    signing: SigningKeys,
    checkpoint_every: int,
) -> None:
    seq, prev = head
    rows: list[tuple[Any, ...]] = []
    checkpoints: list[dict[str, Any]] = []
    signer: receipts.Signer | None = None
    for state in states:
        kind, record_id, digest = state.kind, state.record_id, state.state_hash
        seq += 1
        event_seq, actor = subjects.get((kind, record_id), (follows, actor_id))
        current = state_event_hash(seq, at_text, actor, kind, record_id, digest, event_seq, prev)
        rows.append((seq, stored_at, actor, kind, record_id, digest, event_seq, prev, current))
        if seq % checkpoint_every == 0:
            signer = signer or receipts.current(signing)
            checkpoints.append(
                {
                    "seq": seq,
                    "head_hash": current,
                    "at": at,
                    "kid": signer.kid,
                    "signature": signer(state_checkpoint_payload(seq, current)),
                }
            )
        prev = current
    sql = _INSERT_STATES_SQLITE if cursor.dialect.name == "sqlite" else _INSERT_STATES_PG
    if reads.TRACE is not None:
        reads.TRACE.append((sql, rows))
    cursor.cursor.executemany(sql, rows)
    if checkpoints:
        session.connection().execute(_STATE_CHECKPOINTS.insert(), checkpoints)


def write_checkpoint(session: DbSession, *, signing: SigningKeys) -> int | None:
    """Sign the current heads of both chains now (e.g. before a backup); returns the events'
    head seq, None if there are no events."""
    heads = _lock_and_heads(session)
    seq, head, state_seq, state_head = heads.seq, heads.hash, heads.state_seq, heads.state_hash
    signer = receipts.current(signing)
    now = utcnow()
    if seq and session.get(AuditCheckpoint, seq) is None:
        session.add(
            AuditCheckpoint(
                seq=seq,
                head_hash=head,
                at=now,
                kid=signer.kid,
                signature=signer(checkpoint_payload(seq, head)),
            )
        )
    if state_seq and session.get(AuditStateCheckpoint, state_seq) is None:
        session.add(
            AuditStateCheckpoint(
                seq=state_seq,
                head_hash=state_head,
                at=now,
                kid=signer.kid,
                signature=signer(state_checkpoint_payload(state_seq, state_head)),
            )
        )
    session.flush()
    return seq or None


def heads(session: DbSession) -> tuple[int, int]:
    """The seq of the last event and of the last state event (0 for an empty chain)."""
    events = session.execute(select(func.max(_EVENTS.c.seq))).scalar_one()
    states = session.execute(select(func.max(_STATES.c.seq))).scalar_one()
    return int(events or 0), int(states or 0)


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


def count_states(session: DbSession) -> int:
    return int(session.execute(select(func.count()).select_from(AuditState)).scalar_one())


def _hashed_at(session: DbSession, column: Any) -> Any:
    """A timestamp column as the hashed text, straight from SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
    return type_coerce(column, String)


@dataclass(frozen=True)
class _Chain:
    """One hash chain as ``verify`` walks it: its table, the columns hashed after ``seq`` and
    ``at`` (in the hash's order, then ``hash``), how a row's hash is computed, its checkpoints'
    model and the payload they sign."""

    table: Table
    columns: tuple[str, ...]
    line: Callable[..., str]
    checkpoint: type[AuditCheckpoint] | type[AuditStateCheckpoint]
    payload: Callable[[int, str], dict[str, Any]]

    def rows(self, session: DbSession, batch: int) -> Any:
        """Every row in order, its time as the hashed text, straight from SQL (Core, no ORM)."""
        c = self.table.c
        stmt = select(c.seq, _hashed_at(session, c.at), *(c[n] for n in self.columns))
        return session.connection().execute(stmt.order_by(c.seq).execution_options(yield_per=batch))

    def hash_of(self, row: Any) -> str:
        return self.line(*row[:8])


_EVENT_CHAIN = _Chain(
    _EVENTS,
    ("actor_id", "action", "subject_type", "subject_id", "content_hash", "prev_hash", "hash"),
    event_hash,
    AuditCheckpoint,
    checkpoint_payload,
)
_STATE_CHAIN = _Chain(
    _STATES,
    ("actor_id", "kind", "record_id", "state_hash", "event_seq", "prev_hash", "hash"),
    state_event_hash,
    AuditStateCheckpoint,
    state_checkpoint_payload,
)


def _verify_chain(
    session: DbSession,
    chain: _Chain,
    signing: SigningKeys,
    progress: Callable[[int], None] | None,
    batch: int,
    witnessed: Mapping[int, str] | None,
) -> Verification:
    stored = cast(Iterable[Checkpoint], session.execute(select(chain.checkpoint)).scalars())
    checkpoints = {cp.seq: cp for cp in stored}
    rows = chain.rows(session, batch)
    try:
        walked = _walk_chain(rows, chain.hash_of, checkpoints, witnessed or {}, progress, batch)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL: close it even when stopping early
    if not walked.ok:
        return walked
    checked = _check_checkpoints(checkpoints, walked.events, signing, chain.payload)
    return _check_witnessed(checked, witnessed)


def verify(
    session: DbSession,
    *,
    signing: SigningKeys,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
    witnessed: Mapping[int, str] | None = None,
) -> Verification:
    """Walk the chain from the start and check every link and every checkpoint signature.

    Names the first bad event: one whose content was altered (its hash no longer matches),
    one that follows a removed event (a gap in ``seq`` or a broken link), one inserted or
    moved (its ``prev_hash`` is not its predecessor's hash), or a checkpoint that does not match.
    ``witnessed``: the heads a witness holds (seq -> hash, ``registry.audit.witness``), checked
    like checkpoints; events missing up to the last of them were truncated.
    """
    return _verify_chain(session, _EVENT_CHAIN, signing, progress, batch, witnessed)


def verify_states(
    session: DbSession,
    *,
    signing: SigningKeys,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
    witnessed: Mapping[int, str] | None = None,
) -> Verification:
    """``verify`` for the chain of state events (``events`` counts state events, and
    ``first_bad`` names a state event)."""
    return _verify_chain(session, _STATE_CHAIN, signing, progress, batch, witnessed)


Checkpoint = AuditCheckpoint | AuditStateCheckpoint


def _walk_chain(
    rows: Iterable[Any],
    line: Callable[[Any], str],
    checkpoints: Mapping[int, Checkpoint],
    witnessed: Mapping[int, str],
    progress: Callable[[int], None] | None,
    batch: int,
) -> Verification:
    expected_seq, prev = 1, GENESIS
    count = 0
    for row in rows:
        seq, prev_hash, stored = row[0], row[-2], row[-1]
        if seq != expected_seq:
            what = "an event is missing before it" if seq > expected_seq else "out of order"
            return Verification(False, count, expected_seq if seq > expected_seq else seq, what)
        if prev_hash != prev:
            return Verification(False, count, seq, "its link to the previous event is broken")
        if line(row) != stored:
            return Verification(False, count, seq, "its content does not match its hash")
        cp = checkpoints.get(seq)
        if cp is not None and cp.head_hash != stored:
            return Verification(False, count, seq, "it does not match the signed checkpoint")
        held = witnessed.get(seq)
        if held is not None and held != stored:
            return Verification(
                False, count, seq, "it does not match the checkpoint the witness holds"
            )
        prev = stored
        expected_seq += 1
        count += 1
        if progress is not None and count % batch == 0:
            progress(batch)
    if progress is not None and count % batch:
        progress(count % batch)
    return Verification(True, count)


def _check_witnessed(checked: Verification, witnessed: Mapping[int, str] | None) -> Verification:
    if not checked.ok or not witnessed:
        return checked
    last = max(witnessed)
    if last > checked.events:
        return Verification(
            False,
            checked.events,
            checked.events + 1,
            f"events up to #{last}, which the witness holds a signed checkpoint of, are missing "
            "(the trail was truncated)",
        )
    return checked


def _signed(
    cp: Checkpoint,
    signing: SigningKeys,
    jwks: dict[str, Any],
    payload: Callable[[int, str], dict[str, Any]],
) -> bool:
    """Whether the checkpoint's signature holds. Checkpoints are JWS like every receipt; those
    signed before release 2026.12 hold a bare Ed25519 signature (hex) over
    ``audit-checkpoint|seq|head``, still checked so that old trails keep verifying."""
    if "." not in cp.signature:
        public = signing.public(cp.kid)
        legacy = f"audit-checkpoint|{cp.seq}|{cp.head_hash}".encode()
        if public is None or payload is not checkpoint_payload:
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
    return signed == payload(cp.seq, cp.head_hash)


def _check_checkpoints(
    checkpoints: Mapping[int, Checkpoint],
    count: int,
    signing: SigningKeys,
    payload: Callable[[int, str], dict[str, Any]],
) -> Verification:
    jwks = signing.jwks()
    for cp in sorted(checkpoints.values(), key=lambda c: c.seq):
        if signing.public(cp.kid) is None:
            return Verification(False, count, cp.seq, f"checkpoint signed by unknown key {cp.kid}")
        if not _signed(cp, signing, jwks, payload):
            return Verification(False, count, cp.seq, "checkpoint signature is invalid")
        if cp.seq > count:
            return Verification(
                False, count, count + 1, f"events up to the signed checkpoint {cp.seq} are missing"
            )
    return Verification(True, count)
