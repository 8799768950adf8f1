"""``Idempotency-Key`` on every API POST (IETF draft-ietf-httpapi-idempotency-key-header).

A client that retries after a lost answer sends the same key: the write happens once, and the
retry gets the stored answer. Keys are scoped to the caller. The same key with another body
(method, path, query and bytes, hashed) answers 422; the same key while the first request is
still running answers 409; a key is forgotten 24 hours after its answer.

How it holds under crashes: the key is claimed first, in a short transaction of its own, with a
lease (``LEASE``); the view then runs inside ``enclosing_unit_of_work``, so the view's own
``unit_of_work`` commits nothing and the answer is stored in the very transaction of the write.
A crash before that commit leaves the claim without an answer: once its lease ends, a retry
runs the write (which never happened). A crash after it leaves the answer: a retry gets it.
A refusal (an answer of 400 or more) stores nothing and frees the key, since nothing was
written. An answer that carries personal data is sealed under the performer's data key by a
sealer the performers feature registers (``SEALERS``), so erasing the performer makes it
unreadable; such a replay answers 410.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base
from registry.core.errors import Conflict, Invalid
from registry.extensions import db
from registry.transactions import enclosing_unit_of_work, unit_of_work

HEADER = "Idempotency-Key"
LEASE = timedelta(seconds=60)
KEEP = timedelta(hours=24)
MAX_KEY = 255
TABLE = "idempotency_keys"


class IdempotencyKey(Base):
    __tablename__ = TABLE

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    leased_until: Mapped[datetime | None]  # set while the first request runs
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))  # when sealed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Sealer:
    """Seals an answer that holds personal data: ``seal(path, json) -> data key id or None``
    tells whose key it needs; ``encrypt``/``decrypt`` use it (``decrypt`` raises LookupError
    once the key is destroyed)."""

    key_for: Callable[[str, Any], str | None]
    encrypt: Callable[[str, str, bytes], bytes]
    decrypt: Callable[[str, str, bytes], bytes]


SEALERS: list[Sealer] = []


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _row_id(user_id: str, key: str) -> str:
    return f"{user_id}:{hashlib.sha256(key.encode()).hexdigest()}"


def _replay(row: IdempotencyKey) -> Response:
    body = bytes(row.body or b"")
    if row.data_key_id is not None:
        sealer = SEALERS[0]
        try:
            body = sealer.decrypt(row.data_key_id, _row_id(row.user_id, row.key), body)
        except LookupError:
            abort(410, description="The stored answer held personal data that was erased.")
    response = Response(body, status=row.status or 200, content_type=row.content_type)
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotency-Replayed"] = "true"
    return response


def _claim(user_id: str, key: str, fingerprint: str, now: datetime) -> IdempotencyKey | None:
    """Claim the key for this request (None), or the finished row to replay; raises 409 or 422."""
    row = db.session.get(IdempotencyKey, (user_id, key), with_for_update=True)
    if row is not None and row.expires_at is not None and row.expires_at <= now:
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is None:
        db.session.add(
            IdempotencyKey(
                user_id=user_id,
                key=key,
                fingerprint=fingerprint,
                leased_until=now + LEASE,
                created_at=now,
            )
        )
        try:
            db.session.flush()
        except IntegrityError as exc:  # a concurrent request with the key claimed it first
            raise Conflict("A request with this Idempotency-Key is still running.") from exc
        return None
    if row.fingerprint != fingerprint:
        raise Invalid(
            "This Idempotency-Key was used with another request.",
            {HEADER: ["Used before with another method, path or body."]},
        )
    if row.status is not None:
        return row
    if row.leased_until is not None and row.leased_until > now:
        raise Conflict("A request with this Idempotency-Key is still running.")
    row.leased_until = now + LEASE  # the earlier attempt never finished: this one runs it
    return None


def _store(user_id: str, key: str, response: Response, now: datetime) -> None:
    row = db.session.get(IdempotencyKey, (user_id, key))
    assert row is not None
    body = response.get_data()
    data_key_id = None
    if SEALERS and response.is_json:
        data_key_id = SEALERS[0].key_for(request.path, json.loads(body))
        if data_key_id is not None:
            body = SEALERS[0].encrypt(data_key_id, _row_id(user_id, key), body)
    row.status = response.status_code
    row.content_type = response.content_type
    row.location = response.headers.get("Location")
    row.body = body
    row.data_key_id = data_key_id
    row.leased_until = None
    row.expires_at = now + KEEP


def _release(user_id: str, key: str) -> None:
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.status.is_(None),
        )
    )


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an API POST view (as registered, after its own decorators)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        user = g.get("actor")
        if key is None or user is None or request.method != "POST":
            return view(*args, **kwargs)
        key = key.strip().strip('"')
        if not key or len(key) > MAX_KEY or not key.isprintable():
            abort(400, description=f"{HEADER} must be 1 to {MAX_KEY} printable characters.")
        fingerprint, now = _fingerprint(), utcnow()
        with unit_of_work():
            done = _claim(user.id, key, fingerprint, now)
            replay = _replay(done) if done is not None else None
        if replay is not None:
            return replay
        try:
            with enclosing_unit_of_work():
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code >= 400:
                    raise _Refused(response)
                _store(user.id, key, response, utcnow())
            return response
        except _Refused as refused:
            with unit_of_work():
                _release(user.id, key)
            return refused.response
        except BaseException:
            with unit_of_work():
                _release(user.id, key)
            raise

    return wrapped


class _Refused(Exception):
    """An answer that writes nothing (the enclosing transaction rolls back)."""

    def __init__(self, response: Any) -> None:
        super().__init__("refused")
        self.response = response


def init_app(app: Flask) -> None:
    """Make every API POST endpoint idempotent under ``Idempotency-Key``."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and "POST" in (rule.methods or ()):
            app.view_functions[rule.endpoint] = idempotent(app.view_functions[rule.endpoint])


FORGET_BATCH = 5000


def forget_expired(now: datetime, limit: int = FORGET_BATCH) -> int:
    """Delete up to ``limit`` keys whose answers are older than a day (a scheduler pass)."""
    ids = list(
        db.session.execute(
            select(IdempotencyKey.user_id, IdempotencyKey.key)
            .where(IdempotencyKey.expires_at <= now)
            .limit(limit)
        )
    )
    for user_id, key in ids:
        db.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
    return len(ids)
