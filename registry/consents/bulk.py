"""Bulk import and export of consents (CSV or JSON Lines), streamed row by row.

Import validates every row with ``ConsentInSchema`` (the API's own schema, with the same rights
check for the acting user), collects every error with its line number and field, and is
all-or-nothing: rows are written in batches inside one transaction that is committed only when
every row was valid and rolled back otherwise. Each consent gets its audit event and its
signed receipt, as if recorded through the API.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask import g
from marshmallow import ValidationError
from sqlalchemy import insert

from registry.accounts.models import User
from registry.appctx import setting, signing_keys
from registry.audit.services import AuditEntry, record_many
from registry.audit.trail import record
from registry.consents import services
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.consents.schemas import ConsentInSchema
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.extensions import db
from registry.performers.access import may_see_personal
from registry.performers.models import Performer
from registry.performers.personal import PERSONAL_FIELDS, reveal
from registry.productions.models import Production

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


def _lines(binary: IO[bytes], progress: Callable[[int], None] | None) -> Iterator[tuple[int, str]]:
    pending = 0
    for number, raw in enumerate(binary, start=1):
        pending += len(raw)
        if progress is not None and pending >= 1 << 16:
            progress(pending)
            pending = 0
        yield number, raw.decode("utf-8")
    if progress is not None and pending:
        progress(pending)


def read_records(
    binary: IO[bytes], fmt: str, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, record or None, problem or None) for each row, streaming."""
    if fmt == "jsonl":
        for number, line in _lines(binary, progress):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"Not valid JSON ({exc.msg})."
                continue
            if not isinstance(value, dict):
                yield number, None, "Each line must be a JSON object."
                continue
            yield number, value, None
        return
    numbered = _lines(binary, progress)
    current = [0]

    def text_lines() -> Iterator[str]:
        for number, line in numbered:
            current[0] = number
            yield line

    reader = csv.DictReader(text_lines())
    for row in reader:
        line = current[0]
        if None in row:
            yield line, None, "More cells than there are columns."
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
        yield line, record, None


def import_consents(
    binary: IO[bytes],
    fmt: str,
    *,
    actor: User | None,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every row; write all of them (committing) or none (rolling back)."""
    result = ImportResult()
    schema = ConsentInSchema()
    g.actor = actor
    actor_id = actor.id if actor else None
    pending = _Pending()
    now = utcnow()
    for line, raw, problem in read_records(binary, fmt, progress):
        result.rows += 1
        if problem is not None:
            result.errors.append(RowError(line, "_line", problem))
            continue
        try:
            data = schema.load(raw or {})
        except ValidationError as exc:
            for name, messages in _flatten(exc.messages):
                result.errors.extend(RowError(line, name, m) for m in messages)
            continue
        if result.errors:
            continue  # keep validating, but nothing more will be written
        performer = db.session.get(Performer, data["performer_id"])
        production = db.session.get(Production, data["production_id"])
        assert performer is not None and production is not None
        rows = services.build_version(
            data,
            consent_id=new_id("cns"),
            number=1,
            performer=performer,
            production=production,
            actor_id=actor_id,
            now=now,
        )
        pending.add(rows, actor_id)
        if len(pending.versions) >= batch:
            result.imported += pending.flush()
    if result.errors:
        db.session.rollback()
        result.imported = 0
        return result
    result.imported += pending.flush()
    record(
        "consents.imported",
        "consent",
        "bulk",
        {"rows": result.imported},
        actor_id=actor_id,
    )
    db.session.commit()
    return result


class _Pending:
    """Rows waiting to be inserted together (one executemany per table)."""

    def __init__(self) -> None:
        self.consents: list[dict[str, Any]] = []
        self.versions: list[dict[str, Any]] = []
        self.purposes: list[dict[str, Any]] = []
        self.audit: list[AuditEntry] = []

    def add(self, rows: services.NewRows, actor_id: str | None) -> None:
        assert rows.consent is not None
        self.consents.append(rows.consent)
        self.versions.append(rows.version)
        self.purposes.extend(rows.purposes)
        self.audit.append(
            AuditEntry(
                "consent.recorded",
                "consent",
                rows.version["consent_id"],
                services.audit_content(rows.version),
                actor_id,
            )
        )

    def flush(self) -> int:
        if not self.versions:
            return 0
        db.session.execute(insert(Consent), self.consents)
        db.session.execute(insert(ConsentVersion), self.versions)
        db.session.execute(insert(ConsentPurpose), self.purposes)
        record_many(
            db.session,
            self.audit,
            signing=signing_keys(),
            checkpoint_every=int(setting("AUDIT_CHECKPOINT_EVERY")),
        )
        count = len(self.versions)
        self.__init__()  # type: ignore[misc]
        return count


def _flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield prefix or "_schema", list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            yield from _flatten(value, f"{prefix}.{index}")
    else:
        yield prefix or "_schema", [str(messages)]


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
    """Consents matching the API's filters, as flat rows, streamed in chunks."""
    if with_personal and (user is None or user.role not in ("admin", "talent_rep")):
        raise PersonalNotAllowed(
            "personal fields are exported only for an admin or the performers' representative"
        )
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
                    allowed = performer is not None and user is not None and may_see_personal(user, pid)
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


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_export(rows: Iterable[dict[str, Any]], out: IO[str], fmt: str, *, with_personal: bool) -> int:
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
