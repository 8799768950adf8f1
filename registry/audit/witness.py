"""Witnesses of the trail: signed checkpoints published where the database's writers cannot
rewrite them (issue 14, item 14).

A hash chain cannot show by itself that events were truncated after its last checkpoint, nor
that a writer dropped the checkpoints too and rewound the trail. So the signed checkpoints of
both chains (events and state events) are sent, each as one JSON line, to the witnesses
configured: an append-only file outside the data folder (``AUDIT_WITNESS_FILE``; production
refuses one inside it) and a webhook (``AUDIT_WITNESS_URL``, one POST per checkpoint, the same
JSON as the body). Each line carries its checkpoint as a JWS made by the one signer, so anyone
can check it against the published keys; the witness needs no secret.

The scheduler's ``audit-witness`` job (``registry.jobs``) signs the heads when they moved since
their last checkpoint (so the unwitnessed tail is at most ``AUDIT_WITNESS_INTERVAL_SECONDS``
long) and sends every checkpoint a witness has not had yet (``AuditWitnessMark``), outside any
transaction; a witness that fails is tried again at the next run. ``audit checkpoint`` does the
same at once. ``audit verify --witness [FILE]`` reads a witness's lines (the file, or a copy of
what the webhook received) and checks the trail against every checkpoint in them: an event or a
state event that differs from its witnessed head, or a trail shorter than the last witnessed
checkpoint (truncated), is named.
"""

from __future__ import annotations

import fcntl
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from registry.appctx import setting, signing_keys
from registry.audit.models import (
    AuditCheckpoint,
    AuditStateCheckpoint,
    AuditWitnessMark,
)
from registry.audit.services import (
    checkpoint_payload,
    heads,
    state_checkpoint_payload,
    write_checkpoint,
)
from registry.core.clock import as_utc, utcnow
from registry.core.db import DbSession
from registry.extensions import db
from registry.receipts.verify import verify_receipt
from registry.transactions import unit_of_work

CHAINS: dict[str, type[AuditCheckpoint] | type[AuditStateCheckpoint]] = {
    "events": AuditCheckpoint,
    "states": AuditStateCheckpoint,
}
TYPES = {"audit-checkpoint": "events", "audit-state-checkpoint": "states"}
PAYLOADS = {"events": checkpoint_payload, "states": state_checkpoint_payload}
BATCH = 500
"""Checkpoints sent to one witness per chain and run, at most."""


class WitnessSettingError(RuntimeError):
    """The witness settings cannot work (the message names the setting)."""


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse a witness that could not witness: in production, a file inside the data folder
    (a copy or restore of that folder would carry it, and its writers could rewrite it); a
    webhook that is not http(s)."""
    path = config.get("AUDIT_WITNESS_FILE")
    production = str(config.get("ENV", "development")).lower() == "production"
    if path and production:
        data = Path(str(config["DATA_DIR"])).resolve()
        if Path(str(path)).resolve().is_relative_to(data):
            raise WitnessSettingError(
                "production mode refuses to start: REGISTRY_AUDIT_WITNESS_FILE must lie outside "
                f"the data folder (it is {Path(str(path)).resolve()}, inside {data})"
            )
    url = config.get("AUDIT_WITNESS_URL")
    if url and not str(url).startswith(("http://", "https://")):
        raise WitnessSettingError("REGISTRY_AUDIT_WITNESS_URL must be an http(s) URL")


def witnesses() -> dict[str, str]:
    """The witnesses configured: ``file`` -> path, ``webhook`` -> URL."""
    out = {}
    if setting("AUDIT_WITNESS_FILE"):
        out["file"] = str(setting("AUDIT_WITNESS_FILE"))
    if setting("AUDIT_WITNESS_URL"):
        out["webhook"] = str(setting("AUDIT_WITNESS_URL"))
    return out


def _iso(at: datetime) -> str:
    return as_utc(at).isoformat().replace("+00:00", "Z")


def line_of(chain: str, cp: AuditCheckpoint | AuditStateCheckpoint) -> dict[str, Any]:
    """What a witness is sent for one checkpoint (a JSON object, one line in a file)."""
    payload = PAYLOADS[chain](cp.seq, cp.head_hash)
    return {
        "typ": payload["typ"],
        "seq": cp.seq,
        "head_hash": cp.head_hash,
        "at": _iso(cp.at),
        "kid": cp.kid,
        "jws": cp.signature,
    }


def sign_heads(session: DbSession) -> bool:
    """Sign the heads that moved since their last checkpoint; whether anything was signed."""
    events, states = heads(session)
    signed_events = session.execute(
        select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).scalar()
    signed_states = session.execute(
        select(AuditStateCheckpoint.seq).order_by(AuditStateCheckpoint.seq.desc()).limit(1)
    ).scalar()
    if (events, states) == (signed_events or 0, signed_states or 0):
        return False
    write_checkpoint(session, signing=signing_keys())
    return True


@dataclass
class Published:
    sent: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{name}: {count} checkpoint(s) sent" for name, count in self.sent.items()]
        parts += [f"{name}: failed ({error})" for name, error in self.errors.items()]
        return "; ".join(parts) or "no witness configured"


def _pending(name: str) -> list[tuple[str, int, dict[str, Any] | None]]:
    """(chain, seq, line) of the checkpoints the witness has not had, oldest first per chain;
    no line for a checkpoint signed before checkpoints were JWS (it is passed over)."""
    out: list[tuple[str, int, dict[str, Any] | None]] = []
    for chain, model in CHAINS.items():
        mark = db.session.get(AuditWitnessMark, (name, chain))
        after = mark.seq if mark is not None else 0
        rows = cast(
            list[AuditCheckpoint | AuditStateCheckpoint],
            list(
                db.session.execute(
                    select(model).where(model.seq > after).order_by(model.seq).limit(BATCH)
                ).scalars()
            ),
        )
        out.extend(
            (chain, cp.seq, line_of(chain, cp) if "." in cp.signature else None) for cp in rows
        )
    return out


def _append(path: str, lines: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(item, sort_keys=True) + "\n" for item in lines).encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock


def _post(url: str, item: dict[str, Any]) -> None:
    body = json.dumps(item, sort_keys=True).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "registry-audit-witness"},
    )
    timeout = float(setting("AUDIT_WITNESS_TIMEOUT_SECONDS"))
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        if not 200 <= answer.status < 300:
            raise OSError(f"HTTP {answer.status}")


def publish() -> Published:
    """Send each witness the checkpoints it has not had yet, oldest first (no transaction is
    held while sending); a witness that fails keeps what it got and is tried again later."""
    result = Published()
    configured = witnesses()
    if not configured:
        return result
    with unit_of_work():
        pending = {name: _pending(name) for name in configured}
    done: dict[tuple[str, str], int] = {}
    for name, target in configured.items():
        items = pending[name]
        sent = 0
        try:
            if name == "file":
                lines = [item for _, _, item in items if item is not None]
                if lines:
                    _append(target, lines)
                sent = len(items)
            else:
                for _, _, item in items:
                    if item is not None:
                        _post(target, item)
                    sent += 1
        except (OSError, urllib.error.URLError, ValueError) as exc:
            result.errors[name] = str(exc) or type(exc).__name__
        for chain, seq, _ in items[:sent]:
            done[name, chain] = max(done.get((name, chain), 0), seq)
        result.sent[name] = sum(1 for _, _, item in items[:sent] if item is not None)
    now = utcnow()
    with unit_of_work():
        for name in configured:
            error = result.errors.get(name)
            for chain in CHAINS:
                mark = db.session.get(AuditWitnessMark, (name, chain))
                if mark is None:
                    mark = AuditWitnessMark(witness=name, chain=chain, seq=0, at=now)
                    db.session.add(mark)
                seq = done.get((name, chain), 0)
                if seq > mark.seq:
                    mark.seq, mark.at = seq, now
                mark.last_error = error[:500] if error else None
    return result


def sign_and_publish() -> Published:
    """What the scheduler's job does: sign the heads that moved, then publish."""
    if not witnesses():
        return Published()
    with unit_of_work():
        sign_heads(db.session)
    return publish()


@dataclass
class Witnessed:
    """What a witness holds: per chain, seq -> head hash, each signature checked."""

    events: dict[int, str] = field(default_factory=dict)
    states: dict[int, str] = field(default_factory=dict)
    lines: int = 0
    problems: list[str] = field(default_factory=list)


def read(path: str | Path, jwks: dict[str, Any]) -> Witnessed:
    """Read a witness's lines (a file appended by the registry, or a copy of what a webhook
    received, one body per line) and check each signature against ``jwks``."""
    found = Witnessed()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        found.problems.append(f"the witness {path} cannot be read ({exc})")
        return found
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        found.lines += 1
        try:
            item = json.loads(raw)
            payload = verify_receipt(str(item["jws"]), jwks)
        except (ValueError, KeyError, TypeError) as exc:
            found.problems.append(f"line {number}: not a signed checkpoint ({exc})")
            continue
        chain = TYPES.get(str(payload.get("typ")))
        seq, head = payload.get("seq"), payload.get("head_hash")
        if chain is None or not isinstance(seq, int) or not isinstance(head, str):
            found.problems.append(f"line {number}: not a signed checkpoint")
            continue
        if (item.get("seq"), item.get("head_hash")) != (seq, head):
            found.problems.append(f"line {number}: its fields differ from what it signs")
            continue
        heads_of = found.events if chain == "events" else found.states
        if heads_of.get(seq, head) != head:
            found.problems.append(f"line {number}: two signed heads for #{seq} of the {chain}")
            continue
        heads_of[seq] = head
    return found
