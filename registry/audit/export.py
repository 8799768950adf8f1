"""A range of the audit trail as JSON Lines that verifies offline, and its verification.

The export's first line describes it (``type: export``: the range asked for, the JWKS of the
registry's signing keys and how to verify). Then one line per event (``type: event``) with
every hashed field, its hash and its predecessor's hash, from the first event of the range to
the first signed checkpoint at or after its end (``in_range`` says which events were asked
for; the ones after it are there only to reach the signature), then the signed checkpoints
(``type: checkpoint``, JWS) falling in those events.

Why that verifies: each event's hash covers its fields and its predecessor's hash, so the
signed head at the end binds every event before it. ``verify_export`` recomputes every hash,
checks every link and every checkpoint's signature against the JWKS (the file's own, or one
given: compare its key ids with the registry's ``/.well-known/jwks.json``), and names the first
bad line. Offline, without the app or a database::

    python -m registry.audit.export trail.jsonl [--jwks jwks.json]
    flask audit verify-export trail.jsonl [--jwks jwks.json]

May import what the audit feature may (``core``, ``extensions``, ``receipts``, ``web``).
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from registry.audit.models import AuditCheckpoint, AuditEvent
from registry.audit.services import _hashed_at, checkpoint_payload, event_hash, write_checkpoint
from registry.core.clock import as_utc, utcnow
from registry.core.db import DbSession
from registry.core.keys import SigningKeys
from registry.receipts.verify import verify_receipt

FORMAT = "registry-audit-export/1"
HOW_TO_VERIFY = "python -m registry.audit.export FILE (or: flask audit verify-export FILE)"
_EVENT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "content_hash",
    "prev_hash",
    "hash",
)


def seq_range(
    session: DbSession, since: datetime | None, until: datetime | None
) -> tuple[int, int] | None:
    """The first and last event seq recorded in [since, until] (either end open), or None."""
    stmt = select(func.min(AuditEvent.seq), func.max(AuditEvent.seq))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at <= until)
    first, last = session.execute(stmt).one()
    return None if first is None else (int(first), int(last))


def covering_checkpoint(session: DbSession, last: int) -> AuditCheckpoint | None:
    """The first signed checkpoint at or after event ``last``."""
    return session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.seq >= last)
        .order_by(AuditCheckpoint.seq)
        .limit(1)
    ).scalar_one_or_none()


def ensure_covered(session: DbSession, last: int, *, signing: SigningKeys) -> None:
    """Sign the heads now if no checkpoint covers event ``last`` yet (the caller commits)."""
    if covering_checkpoint(session, last) is None:
        write_checkpoint(session, signing=signing)


def export_lines(
    session: DbSession,
    first: int,
    last: int,
    *,
    signing: SigningKeys,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[str]:
    """The export of events ``first``..``last`` (a checkpoint must cover ``last``:
    ``ensure_covered``), one JSON text per line."""
    checkpoint = covering_checkpoint(session, last)
    if checkpoint is None:
        raise ValueError(f"no signed checkpoint covers event #{last} yet")
    through = checkpoint.seq
    header = {
        "type": "export",
        "format": FORMAT,
        "first_seq": first,
        "last_seq": last,
        "through_seq": through,
        "since": as_utc(since).isoformat() if since else None,
        "until": as_utc(until).isoformat() if until else None,
        "exported_at": utcnow().isoformat(),
        "jwks": signing.jwks(),
        "verify": HOW_TO_VERIFY,
    }
    yield _line(header)
    c = AuditEvent.__table__.c
    stmt = (
        select(
            c.seq,
            _hashed_at(session, c.at),
            c.actor_id,
            c.action,
            c.subject_type,
            c.subject_id,
            c.content_hash,
            c.prev_hash,
            c.hash,
        )
        .where(c.seq >= first, c.seq <= through)
        .order_by(c.seq)
    )
    rows = session.connection().execute(stmt.execution_options(yield_per=2000))
    try:
        for row in rows:
            event = dict(zip(_EVENT_FIELDS, row, strict=True))
            yield _line({"type": "event", **event, "in_range": event["seq"] <= last})
    finally:
        rows.close()
    checkpoints = session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.seq >= first, AuditCheckpoint.seq <= through)
        .order_by(AuditCheckpoint.seq)
    ).scalars()
    for cp in checkpoints:
        yield _line(
            {
                "type": "checkpoint",
                "seq": cp.seq,
                "head_hash": cp.head_hash,
                "kid": cp.kid,
                "signature": cp.signature,
            }
        )


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True) + "\n"


# -- verification (offline: no app, no database) -----------------------------------------------


@dataclass
class ExportCheck:
    ok: bool
    events: int = 0
    in_range: int = 0
    checkpoints: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    kids: set[str] = field(default_factory=set)
    problem: str | None = None
    line: int | None = None

    def summary(self) -> str:
        if not self.ok:
            return f"TAMPERED: line {self.line}: {self.problem}"
        return (
            f"OK: {self.in_range} events (#{self.first_seq} to #{self.last_seq}) verified, "
            f"bound by {self.checkpoints} signed checkpoint(s) of key(s) "
            f"{', '.join(sorted(self.kids))}."
        )


def _legacy_signed(cp: dict[str, Any], jwks: dict[str, Any]) -> bool:
    """A checkpoint signed before JWS checkpoints: a bare Ed25519 signature (hex)."""
    for key in jwks.get("keys", []):
        if key.get("kid") == cp["kid"] and key.get("crv") == "Ed25519":
            raw = base64.urlsafe_b64decode(str(key["x"]) + "=" * (-len(str(key["x"])) % 4))
            message = f"audit-checkpoint|{cp['seq']}|{cp['head_hash']}".encode()
            try:
                Ed25519PublicKey.from_public_bytes(raw).verify(
                    bytes.fromhex(str(cp["signature"])), message
                )
            except (InvalidSignature, ValueError):
                return False
            return True
    return False


def _signed(cp: dict[str, Any], jwks: dict[str, Any]) -> bool:
    signature = str(cp.get("signature", ""))
    if "." not in signature:
        return _legacy_signed(cp, jwks)
    try:
        payload = verify_receipt(signature, jwks)
    except (ValueError, KeyError, TypeError):
        return False
    return bool(payload == checkpoint_payload(int(cp["seq"]), str(cp["head_hash"])))


def verify_export(lines: Iterable[str], jwks: dict[str, Any] | None = None) -> ExportCheck:
    """Check an export line by line; ``jwks``: the keys to trust (default: the file's own)."""
    check = ExportCheck(ok=False)

    def bad(number: int, problem: str) -> ExportCheck:
        check.ok, check.line, check.problem = False, number, problem
        return check

    header: dict[str, Any] | None = None
    hashes: dict[int, str] = {}
    prev: str | None = None
    expected: int | None = None
    signed: list[tuple[int, dict[str, Any]]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError:
            return bad(number, "not a JSON line")
        if not isinstance(item, dict):
            return bad(number, "not a JSON object")
        kind = item.get("type")
        if header is None:
            if kind != "export" or item.get("format") != FORMAT:
                return bad(number, f"the first line is not the header of a {FORMAT} export")
            header, expected = item, int(item["first_seq"])
            continue
        if kind == "event":
            try:
                seq = int(item["seq"])
                fields = [item[name] for name in _EVENT_FIELDS[1:-1]]
                stored = str(item["hash"])
            except (KeyError, TypeError, ValueError):
                return bad(number, "an event line lacks a field")
            if seq != expected:
                return bad(number, f"event #{expected} is missing (found #{seq})")
            if prev is not None and item["prev_hash"] != prev:
                return bad(number, f"event #{seq}: its link to the previous event is broken")
            if event_hash(seq, *fields) != stored:
                return bad(number, f"event #{seq}: its content does not match its hash")
            hashes[seq], prev, expected = stored, stored, seq + 1
            check.events += 1
            if item.get("in_range") and seq <= int(header["last_seq"]):
                check.in_range += 1
        elif kind == "checkpoint":
            signed.append((number, item))
        else:
            return bad(number, f"unknown line type {kind!r}")
    if header is None:
        return bad(1, "the file is empty")
    keys = jwks if jwks is not None else header.get("jwks") or {}
    through = int(header["through_seq"])
    if through not in hashes:
        return bad(number, f"the events up to the signed checkpoint #{through} are missing")
    covered = False
    for number, cp in signed:
        seq = int(cp.get("seq", 0))
        if hashes.get(seq) != cp.get("head_hash"):
            return bad(number, f"checkpoint #{seq} does not match the event it signs")
        if not _signed(cp, keys):
            return bad(
                number, f"checkpoint #{seq}: the signature is invalid for key {cp.get('kid')}"
            )
        check.checkpoints += 1
        check.kids.add(str(cp.get("kid")))
        covered = covered or seq == through
    if not covered:
        return bad(number, f"no signed checkpoint at event #{through}: nothing binds the events")
    expected_in_range = int(header["last_seq"]) - int(header["first_seq"]) + 1
    if check.in_range != expected_in_range:
        return bad(number, "events of the range are missing")
    check.ok, check.first_seq, check.last_seq = True, header["first_seq"], header["last_seq"]
    return check


@click.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The keys to trust (the registry's /.well-known/jwks.json); default: the file's own.",
)
def verify_export_command(file: Path, jwks_file: Path | None) -> None:
    """Verify an audit export (JSON Lines) offline; exit 1 naming the first bad line."""
    jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    with file.open(encoding="utf-8") as lines:
        check = verify_export(lines, jwks)
    if check.ok:
        click.echo(check.summary())
        if jwks is None:
            click.echo(
                "Checked against the keys in the file: compare their ids with the registry's "
                "/.well-known/jwks.json, or pass it with --jwks."
            )
        return
    click.echo(check.summary(), err=True)
    sys.exit(1)


if __name__ == "__main__":  # pragma: no cover - ``python -m registry.audit.export FILE``
    verify_export_command()
