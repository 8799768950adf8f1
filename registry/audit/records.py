"""The state of every audited record after each change (issue 14, item 13).

The events of the trail say what changed; a database writer could still change a record behind
them (un-revoke a consent, widen its purposes, turn a deny into an allow, make a user admin).
So every change of an *audited record* also appends a *state event*: the canonical hash of the
record's state after the change (``AuditState``, a hash chain of its own with signed
checkpoints), and ``verify_records`` recomputes the state of every current record and compares
it with the latest state event for it.

What is audited (``KINDS``, in ``record_kinds.py``): a record is one row of a main table
with the rows that belong to it folded in (``Part``), hashed as canonical JSON of the named
columns. Only non-personal columns are named; personal fields are encrypted, and a ciphertext
or a secret (a receipt, a password hash, a code hash) is hashed as its SHA-256, so a state
never carries personal data and a report names records by kind and id only. Every other table
is listed in ``NOT_AUDITED`` with the reason (``tests/audit/test_record_kinds.py`` holds every
table to one of the two).

How every write is covered, with one mechanism and explicit calls only where writes bypass it:

- ORM flushes: ``after_flush`` notes the records whose hashed columns changed (new, changed or
  deleted rows, parts included); ``before_commit`` flushes, loads the state of each noted
  record from the database and appends its state event, in the same transaction;
- ORM-enabled bulk ``update()``/``delete()``/``insert()`` run through the session
  (``do_orm_execute``): the records they touch are noted the same way (an UPDATE that sets no
  hashed column is ignored); a statement whose records cannot be named is refused;
- writes sent straight to the driver give their states themselves: the gate's decisions
  (``state_hash`` of the values in hand, appended with the decision's own events in one
  ``record_all``), the bulk import (hashed in its workers, appended with each consent's event),
  and a caller that changes rows some other way says which with ``touched``.

A record's *latest state event* is the state event with the highest seq for its kind and id;
a record deleted through the session gets one saying ``deleted``.

``init_app`` is called once by ``registry.app``. May import: ``core``, ``extensions``,
``appctx``, ``receipts``, ``web`` (as the audit feature does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from flask import Flask
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    and_,
    event,
    exists,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history

from registry.appctx import setting, signing_keys
from registry.audit.models import AuditState
from registry.audit.record_kinds import KINDS, Kind, Part
from registry.audit.services import StateEntry, append_rows
from registry.core.chunks import chunked
from registry.core.clock import as_utc
from registry.core.db import Base, DbSession
from registry.core.hashing import canonical_json, sha256_hex
from registry.extensions import db

TOMBSTONE = "deleted"
"""The state hash of a record deleted through the session."""
CHUNK = 500
"""Ids bound in one statement."""


BY_NAME = {kind.name: kind for kind in KINDS}


# -- canonical states -----------------------------------------------------------------------------

Normalise = Callable[[Any], Any] | None


def _time(value: Any) -> Any:
    if value is None:
        return None
    v = as_utc(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond:06d}Z"
    )


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _int(value: Any) -> Any:
    return None if value is None else int(value)


def _digest(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode()
    return sha256_hex(bytes(value))


def _normaliser(column: Column[Any], digested: bool) -> Normalise:
    kind = column.type
    if isinstance(kind, LargeBinary) or digested:
        return _digest
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return _time
    if isinstance(kind, Boolean):
        return _bool
    if isinstance(kind, Integer):
        return _int
    if isinstance(kind, JSON):
        return None
    return None


@dataclass
class _Columns:
    table: Table
    names: tuple[str, ...]
    normalise: tuple[tuple[str, Normalise], ...]

    @classmethod
    def of(cls, table: Table, names: Sequence[str], digested: frozenset[str]) -> _Columns:
        missing = [n for n in names if n not in table.c]
        if missing:
            raise LookupError(f"audited table {table.name} has no column {missing}")
        return cls(
            table,
            tuple(names),
            tuple((n, _normaliser(table.c[n], n in digested)) for n in names),
        )

    def values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {n: (row[n] if fn is None else fn(row[n])) for n, fn in self.normalise}


@dataclass
class _Part:
    spec: Part
    columns: _Columns


@dataclass
class _Kind:
    spec: Kind
    table: Table
    columns: _Columns
    parts: tuple[_Part, ...]

    def state(
        self, record_id: str, row: Mapping[str, Any], parts: Mapping[str, Iterable[Any]]
    ) -> dict[str, Any]:
        out = self.columns.values(row)
        out["_kind"] = self.spec.name
        out["_id"] = record_id
        for part in self.parts:
            rows = [part.columns.values(r) for r in parts.get(part.spec.name, ())]
            keys = part.spec.order
            rows.sort(key=lambda r: tuple(r[k] for k in keys))
            out[part.spec.name] = rows
        return out

    def hash(
        self, record_id: str, row: Mapping[str, Any], parts: Mapping[str, Iterable[Any]]
    ) -> str:
        return sha256_hex(canonical_json(self.state(record_id, row, parts)))


_COMPILED: dict[str, _Kind] = {}


def _compiled(name: str) -> _Kind:
    found = _COMPILED.get(name)
    if found is not None:
        return found
    spec = BY_NAME[name]
    tables = Base.metadata.tables
    table = tables[spec.table]
    parts = []
    for part in spec.parts:
        columns = _Columns.of(tables[part.table], part.columns, spec.digested)
        if part.owner not in tables[part.table].c or not set(part.order) <= set(part.columns):
            raise LookupError(f"{part.table}: no column {part.owner}, or an order not hashed")
        parts.append(_Part(part, columns))
    names = {*spec.columns, *(p.name for p in spec.parts)}
    if len(names) != len(spec.columns) + len(spec.parts) or any(n.startswith("_") for n in names):
        raise LookupError(f"audited kind {name}: a part named like a column, or _named")
    compiled = _Kind(spec, table, _Columns.of(table, spec.columns, spec.digested), tuple(parts))
    _COMPILED[name] = compiled
    return compiled


def state_hash(
    kind: str,
    row: Mapping[str, Any],
    parts: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
) -> str:
    """The canonical hash of a record's state, from its row (every hashed column, by name, with
    its ``id``) and its parts' rows (by part name): what a caller with the values in hand
    appends, and what ``verify_records`` recomputes from the database."""
    return _compiled(kind).hash(str(row["id"]), row, parts or {})


def state_entry(
    kind: str,
    row: Mapping[str, Any],
    parts: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
) -> StateEntry:
    """The state event of a record whose values the caller has in hand."""
    return StateEntry(kind, str(row["id"]), state_hash(kind, row, parts))


# -- reading states from the database ----------------------------------------------------------


def _part_query(kind: _Kind, part: _Part, ids: Sequence[str]) -> Any:
    tables = Base.metadata.tables
    table = part.columns.table
    cols = [table.c[n] for n in part.columns.names]
    if part.spec.via is None:
        owner = table.c[part.spec.owner]
        return select(owner.label("_owner"), *cols).where(owner.in_(ids))
    via_name, key, owner_name = part.spec.via
    via = tables[via_name]
    return (
        select(via.c[owner_name].label("_owner"), *cols)
        .join(via, via.c[key] == table.c[part.spec.owner])
        .where(via.c[owner_name].in_(ids))
    )


def load_states(bind: Any, kind: str, ids: Iterable[str]) -> dict[str, str]:
    """The state hash of each of these records as stored now (records that do not exist are
    left out). ``bind``: a session or a connection."""
    compiled = _compiled(kind)
    table = compiled.table
    out: dict[str, str] = {}
    cols = [table.c[n] for n in compiled.columns.names]
    for chunk in chunked(sorted(set(ids)), CHUNK):
        rows = {
            r.id: r._mapping
            for r in bind.execute(select(table.c.id, *cols).where(table.c.id.in_(chunk)))
        }
        if not rows:
            continue
        parts: dict[str, dict[str, list[Any]]] = {rid: {} for rid in rows}
        for part in compiled.parts:
            for r in bind.execute(_part_query(compiled, part, list(rows))):
                owned = parts.get(r._owner)
                if owned is not None:
                    owned.setdefault(part.spec.name, []).append(r._mapping)
        for rid, row in rows.items():
            out[rid] = compiled.hash(rid, row, parts[rid])
    return out


# -- noting what a transaction changed ---------------------------------------------------------


@dataclass(frozen=True)
class _Watch:
    kind: str
    owner: str
    via: tuple[str, str, str] | None
    columns: frozenset[str]


_WATCH: dict[str, _Watch] = {}
PENDING = "registry.audit.records.pending"
LAST_SEQ = "registry.audit.last_seq"
ACTOR = "registry.audit.actor"


@dataclass
class _Pending:
    kinds: dict[str, set[str]] = field(default_factory=dict)
    via: dict[tuple[str, str, str, str], set[Any]] = field(default_factory=dict)

    def add(self, watch: _Watch, value: Any) -> None:
        if value is None:
            return
        if watch.via is None:
            self.kinds.setdefault(watch.kind, set()).add(str(value))
        else:
            self.via.setdefault((watch.kind, *watch.via), set()).add(value)


def _watches() -> dict[str, _Watch]:
    if not _WATCH:
        for kind in KINDS:
            _compiled(kind.name)
            _WATCH[kind.table] = _Watch(kind.name, "id", None, frozenset(kind.columns))
            for part in kind.parts:
                _WATCH[part.table] = _Watch(
                    kind.name, part.owner, part.via, frozenset({*part.columns, part.owner})
                )
    return _WATCH


def _pending(session: Session) -> _Pending:
    found = session.info.get(PENDING)
    if found is None:
        found = session.info[PENDING] = _Pending()
    return cast(_Pending, found)


def touched(session: DbSession, kind: str, ids: Iterable[str]) -> None:
    """Note records changed by a write the session does not see (a statement sent straight to
    the driver): their state events are appended before the transaction commits."""
    real = session.registry() if hasattr(session, "registry") else session
    _pending(real).kinds.setdefault(kind, set()).update(ids)


def _changed(obj: Any, columns: frozenset[str]) -> bool:
    return any(get_history(obj, name).has_changes() for name in columns)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    watches = _watches()
    pending: _Pending | None = None
    for group, check in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in group:
            table = getattr(type(obj), "__tablename__", None)
            watch = watches.get(table) if table else None
            if watch is None or (check and not _changed(obj, watch.columns)):
                continue
            pending = pending or _pending(session)
            pending.add(watch, getattr(obj, watch.owner))
            if check and watch.owner in watch.columns:  # moved to another owner: both change
                for old in get_history(obj, watch.owner).deleted or ():
                    pending.add(watch, old)


class UnfollowedWrite(RuntimeError):
    """A bulk statement on an audited table whose records cannot be named."""


def _statement_columns(stmt: Any) -> set[str] | None:
    values = getattr(stmt, "_values", None) or {}
    ordered = getattr(stmt, "_ordered_values", None) or ()
    names = {getattr(k, "key", None) or str(k) for k in values}
    names |= {getattr(k, "key", None) or str(k) for k, _ in ordered}
    return names or None


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get("audit_recorded"):
        return
    stmt = state.statement
    table: Any = getattr(stmt, "table", None)
    watch = _watches().get(getattr(table, "name", ""))
    if watch is None or table is None:
        return
    if state.is_update:
        names = _statement_columns(stmt)
        if names is not None and not names & watch.columns:
            return
    pending = _pending(state.session)
    if state.is_insert:
        params: Any = state.parameters
        rows: list[Any] = params if isinstance(params, list) else [params or {}]
        if any(watch.owner not in r for r in rows):
            raise UnfollowedWrite(f"an INSERT into {table.name} that names no {watch.owner}")
        for r in rows:
            pending.add(watch, r[watch.owner])
        return
    where = getattr(stmt, "whereclause", None)
    query = select(table.c[watch.owner])
    if where is not None:
        query = query.where(where)
    for (value,) in state.session.execute(query, execution_options={"audit_recorded": True}):
        pending.add(watch, value)


def pending_states(session: Session) -> list[StateEntry]:
    """The state of every record noted in this transaction, as stored now (``deleted`` for one
    that no longer is); forgets them."""
    pending: _Pending | None = session.info.pop(PENDING, None)
    if pending is None:
        return []
    tables = Base.metadata.tables
    for (kind, via_name, key, owner), values in pending.via.items():
        via = tables[via_name]
        for chunk in chunked(sorted(values), CHUNK):
            found = session.execute(select(via.c[owner]).where(via.c[key].in_(chunk)))
            pending.kinds.setdefault(kind, set()).update(str(v) for (v,) in found)
    out: list[StateEntry] = []
    for kind in sorted(pending.kinds):
        ids = pending.kinds[kind]
        loaded = load_states(session, kind, ids)
        out.extend(StateEntry(kind, rid, loaded.get(rid, TOMBSTONE)) for rid in sorted(ids))
    return out


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING) is None and not (session.new or session.dirty or session.deleted):
        return
    session.flush()
    states = pending_states(session)
    if states:
        append_rows(
            session,
            [],
            states=states,
            signing=signing_keys(),
            checkpoint_every=int(setting("AUDIT_CHECKPOINT_EVERY")),
            follows=session.info.get(LAST_SEQ),
            actor_id=session.info.get(ACTOR),
        )


def _forget(session: Session, *_: Any) -> None:
    for key in (PENDING, LAST_SEQ, ACTOR):
        session.info.pop(key, None)


_INSTALLED: list[bool] = []


def init_app(app: Flask) -> None:
    """Install what records the state of audited records on the app (the session hooks, once
    per process: the session is the same for every app) and check the settings."""
    from registry.audit import witness

    witness.check_settings(app.config)
    _watches()
    if not _INSTALLED:
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "do_orm_execute", _on_execute)
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_commit", _forget)
        event.listen(db.session, "after_rollback", _forget)
        _INSTALLED.append(True)


# -- checking every record ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    record_id: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.record_id, "problem": self.problem}


CHANGED = "changed since its latest state event"
UNRECORDED = "no state event"
GONE = "deleted, but its latest state event says it exists"


@dataclass
class RecordsResult:
    records: int = 0
    mismatch_count: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    keep: int = 1000

    @property
    def ok(self) -> bool:
        return self.mismatch_count == 0

    def add(self, mismatch: Mismatch) -> None:
        self.mismatch_count += 1
        self.by_kind[mismatch.kind] = self.by_kind.get(mismatch.kind, 0) + 1
        if len(self.mismatches) < self.keep:
            self.mismatches.append(mismatch)


def count_records(bind: Any) -> int:
    total = 0
    for kind in KINDS:
        table = _compiled(kind.name).table
        total += int(bind.execute(select(func.count()).select_from(table)).scalar_one())
    return total


_S = AuditState.__table__.c


def _latest(bind: Any, kind: str, ids: Sequence[str]) -> dict[str, str]:
    best: dict[str, tuple[int, str]] = {}
    rows = bind.execute(
        select(_S.record_id, _S.seq, _S.state_hash).where(_S.kind == kind, _S.record_id.in_(ids))
    )
    for rid, seq, digest in rows:
        if rid not in best or seq > best[rid][0]:
            best[rid] = (seq, digest)
    return {rid: digest for rid, (_, digest) in best.items()}


def _live_latest() -> Any:
    """Latest state events of records that exist by the trail (not ``deleted``)."""
    later = AuditState.__table__.alias("later")
    return and_(
        _S.state_hash != TOMBSTONE,
        ~exists().where(
            later.c.kind == _S.kind, later.c.record_id == _S.record_id, later.c.seq > _S.seq
        ),
    )


def _ids(bind: Any, stmt: Any, size: int) -> Iterator[list[str]]:
    result = bind.execute(stmt.execution_options(yield_per=size))
    try:
        for part in result.partitions(size):
            yield [str(r[0]) for r in part]
    finally:
        result.close()


def verify_records(
    bind: Any,
    *,
    progress: Callable[[int], None] | None = None,
    keep: int = 1000,
    chunk: int = CHUNK,
) -> RecordsResult:
    """Recompute the state of every current record and compare it with its latest state event.

    Names, by kind and id only: a record changed since its latest state event, a record without
    any, and a record deleted although its latest state event says it exists. ``bind``: a
    session or connection, ideally in one snapshot (``checks.snapshot``)."""
    result = RecordsResult(keep=keep)
    for kind in KINDS:
        compiled = _compiled(kind.name)
        table = compiled.table
        matched_live = 0
        for ids in _ids(bind, select(table.c.id).order_by(table.c.id), chunk):
            current = load_states(bind, kind.name, ids)
            latest = _latest(bind, kind.name, ids)
            for rid in ids:
                recorded = latest.get(rid)
                if recorded is None:
                    result.add(Mismatch(kind.name, rid, UNRECORDED))
                    continue
                if recorded != TOMBSTONE:
                    matched_live += 1
                if current.get(rid) != recorded:
                    result.add(Mismatch(kind.name, rid, CHANGED))
            result.records += len(ids)
            if progress is not None:
                progress(len(ids))
        live = int(
            bind.execute(
                select(func.count())
                .select_from(AuditState.__table__)
                .where(_S.kind == kind.name, _live_latest())
            ).scalar_one()
        )
        if live == matched_live:
            continue
        stmt = select(_S.record_id).where(_S.kind == kind.name, _live_latest())
        for ids in _ids(bind, stmt.order_by(_S.record_id), chunk):
            present = {
                str(r)
                for r in bind.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars()
            }
            for rid in ids:
                if rid not in present:
                    result.add(Mismatch(kind.name, rid, GONE))
    return result


def latest_state(bind: Any, kind: str, record_id: str) -> str | None:
    """The state hash of the latest state event for one record (None: it has none)."""
    return _latest(bind, kind, [record_id]).get(record_id)


def state_now(bind: Any, kind: str, record_id: str) -> str | None:
    """One record's state hash as stored now (None: no such record)."""
    return load_states(bind, kind, [record_id]).get(record_id)


def audited_tables() -> set[str]:
    return {k.table for k in KINDS} | {p.table for k in KINDS for p in k.parts}


def kind_time(value: datetime) -> str:
    """How a date-time is written in a state (UTC, microseconds)."""
    return str(_time(value))


# -- the back-fill (migration 0014) ---------------------------------------------------------------


def backfill(
    connection: Any,
    *,
    signing: Any,
    checkpoint_every: int,
    now: datetime,
    batch: int = 5000,
) -> dict[str, int]:
    """Append a state event for every record as it is stored now, trusting it (migration
    0014, on a trail without state events), and sign the head; returns the count per kind.

    Written with Core statements on ``connection`` (a migration has no session)."""
    from registry.audit.models import AuditStateCheckpoint
    from registry.audit.services import hashed_time, state_checkpoint_payload, state_event_hash
    from registry.core.clock import as_utc
    from registry.receipts import signer as receipts

    states = cast(Table, AuditState.__table__)
    checkpoints = cast(Table, AuditStateCheckpoint.__table__)
    signer = receipts.current(signing)
    at = as_utc(now)
    at_text = hashed_time(at)
    seq, prev = 0, "0" * 64
    counts: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    signed: list[dict[str, Any]] = []

    def flush() -> None:
        if rows:
            connection.execute(states.insert(), rows)
            rows.clear()
        if signed:
            connection.execute(checkpoints.insert(), signed)
            signed.clear()

    def sign(at_seq: int, head: str) -> None:
        signed.append(
            {
                "seq": at_seq,
                "head_hash": head,
                "at": at,
                "kid": signer.kid,
                "signature": signer(state_checkpoint_payload(at_seq, head)),
            }
        )

    existing = set(inspect(connection).get_table_names())
    for kind in KINDS:
        table = _compiled(kind.name).table
        counts[kind.name] = 0
        if table.name not in existing:
            continue  # a table a later migration creates (empty then): nothing to back-fill
        stmt = select(table.c.id).order_by(table.c.id)
        for ids in _ids(connection, stmt, CHUNK):
            found = load_states(connection, kind.name, ids)
            for rid in ids:
                seq += 1
                digest = found[rid]
                current = state_event_hash(seq, at_text, None, kind.name, rid, digest, None, prev)
                rows.append(
                    {
                        "seq": seq,
                        "at": at,
                        "actor_id": None,
                        "kind": kind.name,
                        "record_id": rid,
                        "state_hash": digest,
                        "event_seq": None,
                        "prev_hash": prev,
                        "hash": current,
                    }
                )
                if seq % checkpoint_every == 0:
                    sign(seq, current)
                prev = current
            counts[kind.name] += len(ids)
            if len(rows) >= batch:
                flush()
    if seq and seq % checkpoint_every:
        sign(seq, prev)
    flush()
    return counts
