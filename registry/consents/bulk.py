"""Bulk import and export of consents (CSV or JSON Lines), streamed row by row.

Import validates every row with ``ConsentInSchema`` (the API's own schema, with the same rights
check for the acting user), collects every error with its line number and field, and is
all-or-nothing: rows are written in batches inside one transaction that is committed only when
every row was valid and rolled back otherwise. Each consent gets its audit event, as if
recorded through the API, with its signed receipt (the workers sign as they build each row),
and its state event (the canonical hash of the consent as written, ``registry.audit.records``;
the workers hash it too), appended with its event.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.context import BaseContext
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any

import orjson
from marshmallow import ValidationError
from sqlalchemy import Boolean, DateTime, Integer, String, Table, Text
from sqlalchemy.engine import Dialect

from registry.accounts.models import User
from registry.appctx import setting, signing_keys
from registry.audit.records import state_hash
from registry.audit.services import StateEntry, append_rows
from registry.audit.trail import record
from registry.consents import services
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.consents.schemas import ConsentInSchema
from registry.consents.validation import SnapshotLookups
from registry.core.chunks import chunked
from registry.core.clock import utcnow
from registry.core.errors import flatten_errors
from registry.core.fastload import FastLoader
from registry.core.hashing import content_hash
from registry.core.ids import batch_ids
from registry.extensions import db
from registry.performers.access import may_see_personal
from registry.performers.models import Performer
from registry.performers.personal import PERSONAL_FIELDS, reveal
from registry.receipts import signer as receipt_signer
from registry.receipts.signer import Signer
from registry.transactions import discard

LIST_FIELDS = ("purposes", "media")
LIST_SEPARATOR = ";"
FORMATS = ("csv", "jsonl")


def guess_format(path: Path, given: str | None) -> str:
    if given:
        return given
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)


def _lines(
    binary: IO[bytes], progress: Callable[[int], object] | None
) -> Iterator[tuple[int, bytes]]:
    pending = 0
    for number, raw in enumerate(binary, start=1):
        pending += len(raw)
        if progress is not None and pending >= 1 << 16:
            progress(pending)
            pending = 0
        yield number, raw
    if progress is not None and pending:
        progress(pending)


Unit = tuple[int, "bytes | dict[str, Any] | None", "str | None"]
"""(line number, a JSON line still to parse or a CSV record, a problem found while reading)."""


def read_units(
    binary: IO[bytes], fmt: str, progress: Callable[[int], object] | None = None
) -> Iterator[Unit]:
    """The file's rows, streaming: JSON lines as bytes (decoded and parsed by whoever validates
    them), CSV rows as records (list cells split on ``;``, empty cells left out)."""
    if fmt == "jsonl":
        for number, line in _lines(binary, progress):
            if line.strip():
                yield number, line, None
        return
    numbered = _lines(binary, progress)
    current = [0]
    undecodable: list[int] = []

    def text_lines() -> Iterator[str]:
        for number, line in numbered:
            current[0] = number
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                undecodable.append(number)
                yield line.decode("utf-8", errors="replace")

    reader = csv.DictReader(text_lines())
    for row in reader:
        at = current[0]
        if undecodable:
            undecodable.clear()
            yield at, None, "Not valid UTF-8 text."
            continue
        if None in row:
            yield at, None, "More cells than there are columns."
            continue
        record: dict[str, Any] = {}
        for key, value in row.items():
            if key is None or value is None or value.strip() == "":
                continue
            value = value.strip()
            if key in LIST_FIELDS:
                record[key] = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
            else:
                record[key] = value
        yield at, record, None


@dataclass
class Job:
    """What validating and building rows needs, without a database (picklable for workers)."""

    lookups: SnapshotLookups
    issuer: str
    signer: Signer
    actor_id: str | None
    now: datetime
    dialect: str


Built = tuple[list[Any], list[Any], list[Any], list[tuple[str, str, str]]]
"""A chunk's rows ready for ``executemany`` (consents, versions, purposes); per consent, its
id, the SHA-256 of its audit event's content and the hash of its state."""

_JOB: Job | None = None
_SCHEMA: ConsentInSchema | None = None
_LOADER: FastLoader | None = None
_TABLES: list[_Table] = []


def _start(job: Job, *, worker: bool = False) -> None:
    global _JOB, _SCHEMA, _LOADER, _TABLES
    if worker and hasattr(os, "nice"):
        # Below the writing process, so the single SQLite writer never waits for a core.
        os.nice(5)
    _JOB, _SCHEMA = job, ConsentInSchema(lookups=job.lookups)
    _LOADER = FastLoader(_SCHEMA)
    _TABLES = _tables(job.dialect)


def _start_worker(job: Job) -> None:
    _start(job, worker=True)


def _tables(dialect_name: str) -> list[_Table]:
    dialect: Dialect
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

        dialect = SQLiteDialect_pysqlite()
    else:
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]
    return [_Table(m.__table__, dialect) for m in (Consent, ConsentVersion, ConsentPurpose)]  # type: ignore[arg-type]


def _load(raw: Any, line: int, errors: list[RowError]) -> dict[str, Any] | None:
    """One row loaded by the API's schema (through its fast path), or its errors recorded."""
    assert _SCHEMA is not None and _LOADER is not None
    if isinstance(raw, bytes):
        try:
            raw = _parse(raw)
        except json.JSONDecodeError as exc:
            errors.append(RowError(line, "_line", f"Not valid JSON ({exc.msg})."))
            return None
        except UnicodeDecodeError:
            errors.append(RowError(line, "_line", "Not valid UTF-8 text."))
            return None
        if not isinstance(raw, dict):
            errors.append(RowError(line, "_line", "Each line must be a JSON object."))
            return None
    data = _LOADER(raw or {})
    if data is not None:
        return data
    try:
        loaded: dict[str, Any] = _SCHEMA.load(raw or {})
    except ValidationError as exc:
        for name, messages in flatten_errors(exc.messages).items():
            errors.extend(RowError(line, name, m) for m in messages)
        return None
    return loaded


def _parse(line: bytes) -> Any:
    """A JSON line, read by orjson (three times faster); a line it refuses is read again by the
    ``json`` module, which accepts what it always did (a byte-order mark, NaN) and gives the
    messages the import reports. orjson reads an integer beyond 64 bits as a float: the consent
    schema has no numeric field, so such a row is refused either way, with the same message."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _work(units: list[Unit], build: bool) -> tuple[list[RowError], Built]:
    """Validate a chunk of rows; build the valid ones (ids, rows, audit digests) while ``build``
    holds (once any row anywhere is bad, nothing will be written)."""
    job = _JOB
    assert job is not None
    consents, versions, purposes = _TABLES
    errors: list[RowError] = []
    built: Built = ([], [], [], [])
    consent_ids = batch_ids("cns", len(units))
    version_ids = batch_ids("cnv", len(units))
    for index, (line, raw, problem) in enumerate(units):
        if problem is not None:
            errors.append(RowError(line, "_line", problem))
            continue
        data = _load(raw, line, errors)
        if data is None or errors or not build:
            continue
        rows = services.build_version(
            data,
            consent_id=consent_ids[index],
            version_id=version_ids[index],
            number=1,
            performer=job.lookups.performer(data["performer_id"]),
            production=job.lookups.production(data["production_id"]),
            actor_id=job.actor_id,
            now=job.now,
            signer=job.signer,
            issuer=job.issuer,
        )
        assert rows.consent is not None
        built[0].append(consents.encode(rows.consent))
        built[1].append(versions.encode(rows.version))
        built[2].extend(purposes.encode(p) for p in rows.purposes)
        built[3].append(
            (
                rows.consent["id"],
                content_hash(services.audit_content(rows)),
                state_hash("consent", rows.consent, {"versions": (rows.version,)}),
            )
        )
    return errors, built


def _pool_context() -> BaseContext:
    """Fork when this process has a single thread and the platform can: workers then start at
    once with everything imported (they never touch the inherited database connections, and
    leave through ``os._exit``). With other threads running (a test runner, a server), forking
    could copy a lock some thread holds, so workers are spawned instead."""
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context(
        "fork" if can_fork and threading.active_count() == 1 else "spawn"
    )


def import_consents(
    binary: IO[bytes],
    fmt: str,
    *,
    actor: User | None,
    batch: int = 5000,
    progress: Callable[[int], object] | None = None,
    workers: int = 0,
    chunk: int = 1000,
) -> ImportResult:
    """Validate every row; write all of them or none (what was written is discarded when a
    row is bad). The caller's unit of work commits.

    Rows are checked with the API's schema and written with their audit events and their
    signed receipts. With ``workers`` > 0, rows are validated, built and signed in that many
    worker processes (from a snapshot of the performers ``actor`` may act for) while this
    process writes the batches in order; at most a few chunks are in flight, so memory stays
    flat.
    """
    result = ImportResult()
    job = Job(
        SnapshotLookups.load(actor),
        str(setting("BASE_URL")),
        receipt_signer.current(),
        actor.id if actor else None,
        utcnow(),
        db.session.get_bind().dialect.name,
    )
    pending = _Pending(job.actor_id)
    chunks = chunked(read_units(binary, fmt, progress), chunk)

    def consume(errors: list[RowError], built: Built, rows: int) -> None:
        result.rows += rows
        result.errors.extend(errors)
        if result.errors:
            return
        pending.add(built)
        if len(pending) >= batch:
            result.imported += pending.flush()

    restore = _larger_cache()
    try:
        if workers <= 0:
            _start(job)
            for units in chunks:
                consume(*_work(units, not result.errors), len(units))
        else:
            with _pool_context().Pool(workers, initializer=_start_worker, initargs=(job,)) as pool:
                window: deque[tuple[int, AsyncResult[tuple[list[RowError], Built]]]] = deque()
                for units in chunks:
                    window.append((len(units), pool.apply_async(_work, (units, not result.errors))))
                    if len(window) >= workers * 3:
                        count, waiting = window.popleft()
                        consume(*waiting.get(), count)
                while window:
                    count, waiting = window.popleft()
                    consume(*waiting.get(), count)
        if not result.errors:
            result.imported += pending.flush()
    finally:
        restore()
    if result.errors:
        discard()
        result.imported = 0
        return result
    record("consents.imported", "consent", "bulk", {"rows": result.imported}, actor_id=job.actor_id)
    return result


def _larger_cache(mib: int = 64) -> Callable[[], None]:
    """On SQLite, a larger page cache for the import's connection while it writes (the indexes
    of a big import stay in memory until commit); returns what restores the previous size."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return lambda: None
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{mib * 1024}")

    def restore() -> None:
        connection.exec_driver_sql(f"PRAGMA cache_size = {before}")

    return restore


_NULL_IS_NULL = (DateTime, Boolean, Integer, String, Text)


class _Table:
    """One table's INSERT compiled once for the session's dialect, with each column's bind
    processor, so rows go to ``executemany`` without per-row statement machinery."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        compiled = table.insert().compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        self.names = (
            list(compiled.positiontup or []) if self.positional else [c.name for c in table.columns]
        )
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in self.names]
        self.processors = [(i, _memoised(p)) for i, p in enumerate(processors) if p is not None]
        # Positions whose processor turns None into None (SQL NULL): SQLAlchemy's own date-time,
        # boolean, number and text types. Others (JSON writes None as JSON null, a decorator
        # may do anything) get every value.
        self.null_passes = frozenset(
            i
            for i, name in enumerate(self.names)
            if processors[i] is not None and type(table.c[name].type) in _NULL_IS_NULL
        )

    def encode(self, row: dict[str, Any]) -> Any:
        values = [row[name] for name in self.names]
        null_passes = self.null_passes
        for index, process in self.processors:
            value = values[index]
            if value is None and index in null_passes:
                continue
            values[index] = process(value)
        if self.positional:
            return tuple(values)
        return dict(zip(self.names, values, strict=True))


def _memoised(process: Callable[[Any], Any], limit: int = 10_000) -> Callable[[Any], Any]:
    """A bind processor that remembers its answers: an import repeats the same times, lists
    and flags on many rows (processors are pure; the key keeps the value's type, and a list is
    keyed by its items)."""
    memo: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        kind = type(value)
        key = (kind, tuple(value) if kind is list else value)
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # unhashable: not remembered
            return process(value)
        out = memo[key] = process(value)
        if len(memo) > limit:
            memo.clear()
        return out

    return run


class _Pending:
    """Built rows waiting to be inserted together (one executemany per table), then audited."""

    def __init__(self, actor_id: str | None) -> None:
        self.actor_id = actor_id
        self.tables = _tables(db.session.get_bind().dialect.name)
        self.rows: list[list[Any]] = [[], [], []]
        self.audit: list[tuple[str, str, str]] = []

    def add(self, built: Built) -> None:
        for rows, new in zip(self.rows, built[:3], strict=True):
            rows.extend(new)
        self.audit.extend(built[3])

    def __len__(self) -> int:
        return len(self.rows[1])

    def flush(self) -> int:
        count = len(self)
        if not count:
            return 0
        connection = db.session.connection()
        for table, rows in zip(self.tables, self.rows, strict=True):
            connection.exec_driver_sql(table.sql, rows)
        actor = self.actor_id
        append_rows(
            db.session,
            [(actor, "consent.recorded", "consent", cid, digest) for cid, digest, _ in self.audit],
            signing=signing_keys(),
            checkpoint_every=int(setting("AUDIT_CHECKPOINT_EVERY")),
            states=[StateEntry("consent", cid, state) for cid, _, state in self.audit],
        )
        self.rows, self.audit = [[], [], []], []
        return count


# --- export -------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "id",
    "version",
    "version_id",
    "status",
    "performer_id",
    "performer_name",
    "production_id",
    "production_code",
    "purposes",
    "media",
    "description",
    "signed_by",
    "signed_at",
    "evidence_sha256",
    "guild_compliant",
    "restrictions",
    "effective_from",
    "expires_at",
    "superseded_at",
    "revoked_at",
    "revocation_reason",
    "created_at",
)


class PersonalNotAllowed(PermissionError):
    """Personal fields were asked for by someone who may not see them."""


def export_rows(
    user: User | None, filters: dict[str, Any], *, with_personal: bool, chunk: int = 1000
) -> Iterator[dict[str, Any]]:
    """Consents matching the API's filters, as flat rows, streamed in chunks.

    Refuses (PersonalNotAllowed) on the call itself, before anything is written anywhere."""
    if with_personal and (user is None or user.role not in ("admin", "talent_rep")):
        raise PersonalNotAllowed(
            "personal fields are exported only for an admin or the performers' representative"
        )
    return _export_rows(user, filters, with_personal=with_personal, chunk=chunk)


def _export_rows(
    user: User | None, filters: dict[str, Any], *, with_personal: bool, chunk: int
) -> Iterator[dict[str, Any]]:
    now = utcnow()
    stmt = services.consent_query(user, now=now, **filters)
    personal_cache: dict[str, dict[str, str | None]] = {}
    buffer: list[ConsentVersion] = []

    def emit(versions: list[ConsentVersion]) -> Iterable[dict[str, Any]]:
        for view in services.views(versions, now):
            row = {name: view[name] for name in EXPORT_FIELDS}
            if with_personal:
                pid = view["performer_id"]
                if pid not in personal_cache:
                    performer = db.session.get(Performer, pid)
                    allowed = (
                        performer is not None and user is not None and may_see_personal(user, pid)
                    )
                    shown = reveal(performer) if allowed and performer is not None else None
                    personal_cache[pid] = shown or dict.fromkeys(PERSONAL_FIELDS)
                row.update(personal_cache[pid])
            yield row

    for version in db.session.execute(stmt.execution_options(yield_per=chunk)).scalars():
        buffer.append(version)
        if len(buffer) >= chunk:
            yield from emit(buffer)
            buffer = []
    if buffer:
        yield from emit(buffer)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_export(
    rows: Iterable[dict[str, Any]], out: IO[str], fmt: str, *, with_personal: bool
) -> int:
    columns = list(EXPORT_FIELDS) + (list(PERSONAL_FIELDS) if with_personal else [])
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
            count += 1
        return count
    for row in rows:
        out.write(json.dumps(row, default=lambda v: v.isoformat(), ensure_ascii=False) + "\n")
        count += 1
    return count
