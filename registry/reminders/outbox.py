"""Putting messages into the outbox: reminder rows and their delivery rows, in bulk.

Who receives what: an expiry reminder goes to each of the performer's representatives (e-mail
when SMTP is configured, and in-app); a notice that a consent ended goes to each member of the
consent's production (e-mail and in-app). Either goes to the production's webhook when it has
one. Rows are inserted with Core ``insert`` in one statement per table, and ids are made in
batches (same format as ``core.ids.new_id``), so that a scan enqueueing tens of thousands of
reminders stays well under a second.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, select

from registry.accounts.models import User
from registry.appctx import setting
from registry.consents.models import ConsentVersion
from registry.core.db import Base
from registry.core.ids import _ALPHABET
from registry.extensions import db
from registry.performers.models import PerformerRepresentative
from registry.productions.models import Production, ProductionMember
from registry.reminders.models import Reminder, ReminderDelivery, WebhookSecret

_RANDOM_CHARS = bytes(_ALPHABET.encode()[b & 31] for b in range(256))
CHUNK = 500


def batch_ids(prefix: str, count: int) -> list[str]:
    """``count`` new ids like ``new_id(prefix)``: 48 bits of milliseconds, 80 random bits.

    The 50 leading bits (two zero bits and the milliseconds) are the same for the whole batch;
    each of the 16 trailing characters carries 5 uniformly random bits (256 % 32 == 0).
    """
    ms = int(time.time() * 1000)
    head = "".join(_ALPHABET[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    tail = secrets.token_bytes(16 * count).translate(_RANDOM_CHARS).decode()
    return [f"{prefix}_{head}{tail[i : i + 16]}" for i in range(0, 16 * count, 16)]


def bulk_insert(table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` many rows through the driver's executemany, values converted by column type.

    The ORM's bulk path processes every value of every row through SQLAlchemy; here each column
    type's bind processor runs once per distinct value (most times repeat within a batch).
    """
    if not rows:
        return
    db.session.flush()
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    converters: list[Any] = []
    for name in names:
        processor = table.c[name].type._cached_bind_processor(dialect)
        converters.append(_memoised(processor) if processor else None)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join(marker for _ in names)})"
    )
    params = [
        tuple(
            value if convert is None or value is None else convert(value)
            for value, convert in zip(
                (row[n] for n in names), converters, strict=True
            )
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, params)


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _memoised(processor: Any) -> Any:
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            converted = cache[value] = processor(value)
            return converted
        except TypeError:  # unhashable (JSON values)
            return processor(value)

    return convert


def chunks(values: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def email_enabled() -> bool:
    return bool(setting("SMTP_URL"))


LOOKUP_CHUNK = 5000


def representatives(performer_ids: Select[Any] | Sequence[str]) -> dict[str, list[str]]:
    """Active representatives' user ids by performer id."""
    stmt = (
        select(PerformerRepresentative.performer_id, PerformerRepresentative.user_id)
        .join(User, User.id == PerformerRepresentative.user_id)
        .where(User.active.is_(True))
        .order_by(PerformerRepresentative.user_id)
    )
    out: dict[str, list[str]] = {}
    for ids in _id_groups(performer_ids):
        for performer_id, user_id in db.session.execute(
            stmt.where(PerformerRepresentative.performer_id.in_(ids))
        ):
            out.setdefault(performer_id, []).append(user_id)
    return out


def members(production_ids: Select[Any] | Sequence[str]) -> dict[str, list[str]]:
    """Active members' user ids by production id."""
    stmt = (
        select(ProductionMember.production_id, ProductionMember.user_id)
        .join(User, User.id == ProductionMember.user_id)
        .where(User.active.is_(True))
        .order_by(ProductionMember.user_id)
    )
    out: dict[str, list[str]] = {}
    for ids in _id_groups(production_ids):
        for production_id, user_id in db.session.execute(
            stmt.where(ProductionMember.production_id.in_(ids))
        ):
            out.setdefault(production_id, []).append(user_id)
    return out


def webhook_productions(production_ids: Iterable[str]) -> set[str]:
    """Which of these productions have a webhook URL (productions are few: one query)."""
    hooked = set(
        db.session.execute(
            select(Production.id).where(Production.webhook_url.is_not(None))
        ).scalars()
    )
    return hooked.intersection(production_ids)


def _id_groups(ids: Select[Any] | Sequence[str]) -> Iterable[Any]:
    if isinstance(ids, Select):
        yield ids
    else:
        yield from chunks(sorted(set(ids)), LOOKUP_CHUNK)


def ensure_webhook_secrets(production_ids: Iterable[str], now: datetime) -> None:
    """Create the HMAC secret of each production that has none yet."""
    wanted = sorted(set(production_ids))
    if not wanted:
        return
    have: set[str] = set()
    for ids in chunks(wanted):
        have.update(
            db.session.execute(
                select(WebhookSecret.production_id).where(WebhookSecret.production_id.in_(ids))
            ).scalars()
        )
    rows = [
        {"production_id": pid, "secret": new_webhook_secret(), "created_at": now}
        for pid in wanted
        if pid not in have
    ]
    bulk_insert(table_of(WebhookSecret), rows)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@dataclass
class NewReminder:
    """A reminder to insert; ``recipients`` are user ids (reps or members)."""

    kind: str
    version_id: str
    consent_id: str
    performer_id: str
    production_id: str
    threshold_days: int
    status: str
    expires_at: datetime
    ended_at: datetime | None = None
    recipients: Sequence[str] = ()
    webhook: bool = False


def insert_reminders(items: Sequence[NewReminder], now: datetime) -> tuple[list[str], int]:
    """Insert reminders and, for queued ones, their deliveries; returns (reminder ids, count)."""
    if not items:
        return [], 0
    ids = batch_ids("rem", len(items))
    with_email = email_enabled()
    reminder_rows: list[dict[str, Any]] = []
    targets: list[tuple[str, str, str]] = []
    hooks: set[str] = set()
    for rid, item in zip(ids, items, strict=True):
        reminder_rows.append(
            {
                "id": rid,
                "kind": item.kind,
                "consent_version_id": item.version_id,
                "consent_id": item.consent_id,
                "performer_id": item.performer_id,
                "production_id": item.production_id,
                "threshold_days": item.threshold_days,
                "status": item.status,
                "expires_at": item.expires_at,
                "ended_at": item.ended_at,
                "created_at": now,
            }
        )
        if item.status != "queued":
            continue
        for user_id in item.recipients:
            if with_email:
                targets.append((rid, "email", user_id))
            targets.append((rid, "inapp", user_id))
        if item.webhook:
            targets.append((rid, "webhook", item.production_id))
            hooks.add(item.production_id)
    bulk_insert(table_of(Reminder), reminder_rows)
    if targets:
        delivery_ids = batch_ids("dlv", len(targets))
        bulk_insert(
            table_of(ReminderDelivery),
            [
                {
                    "id": did,
                    "reminder_id": rid,
                    "channel": channel,
                    "recipient": recipient,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for did, (rid, channel, recipient) in zip(delivery_ids, targets, strict=True)
            ],
        )
    ensure_webhook_secrets(hooks, now)
    return ids, len(targets)


def enqueue_ended(version_ids: Sequence[str], kind: str, at: datetime, now: datetime) -> list[str]:
    """Notices that these consent versions ended (``expired`` or ``revoked``), once each.

    Returns the ids of the reminders created (none for versions already noticed).
    """
    wanted = sorted(set(version_ids))
    if not wanted:
        return []
    known: set[str] = set()
    versions: list[ConsentVersion] = []
    for ids in chunks(wanted):
        known.update(
            db.session.execute(
                select(Reminder.consent_version_id).where(
                    Reminder.consent_version_id.in_(ids),
                    Reminder.kind == kind,
                    Reminder.threshold_days == 0,
                )
            ).scalars()
        )
        versions.extend(
            db.session.execute(select(ConsentVersion).where(ConsentVersion.id.in_(ids))).scalars()
        )
    # Only the version that was current when the consent ended: a revocation names every
    # version of the consent, and superseded ones had already stopped counting.
    versions = [v for v in versions if v.id not in known and v.superseded_at is None]
    if not versions:
        return []
    productions = sorted({v.production_id for v in versions})
    people = members(productions)
    hooked = webhook_productions(productions)
    items = [
        NewReminder(
            kind=kind,
            version_id=v.id,
            consent_id=v.consent_id,
            performer_id=v.performer_id,
            production_id=v.production_id,
            threshold_days=0,
            status="queued",
            expires_at=v.expires_at,
            ended_at=at if kind == "revoked" else v.expires_at,
            recipients=people.get(v.production_id, []),
            webhook=v.production_id in hooked,
        )
        for v in sorted(versions, key=lambda v: v.id)
    ]
    ids, _ = insert_reminders(items, now)
    return ids
