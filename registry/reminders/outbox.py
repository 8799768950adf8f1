"""The outbox: reminder rows (what to tell, once), then their delivery rows (to whom, how).

Enqueueing writes one ``reminders`` row per message, unique per (consent version, kind,
threshold). Fanning out - the first step of the delivery pass - claims queued reminders (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` transaction) and writes one
``reminder_deliveries`` row per (reminder, channel, recipient), unique too: an expiry reminder to
each of the performer's representatives (e-mail when SMTP is configured, and in-app); a notice
that a consent ended to each member of the consent's production (e-mail and in-app); either to
the production's webhook when it has one. Recipients are resolved at fan-out, and a reminder whose
consent has ended by then is cancelled instead. Webhook events (``EVENT_KINDS``: decisions made
and no longer valid, declarations escalated and cleared) are announced only to a production that
has a webhook, and fan out to it alone; the notice that a declaration was cleared then leaves
the webhook to its event, which carries the same envelope and the facts.

Rows go in through the driver's executemany and ids are made in batches (same format as
``core.ids.new_id``), so that a scan enqueueing tens of thousands stays well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Select,
    String,
    Table,
    bindparam,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)

from registry.accounts.models import User
from registry.appctx import setting
from registry.consents.models import ConsentVersion
from registry.core.chunks import chunked
from registry.core.db import Base
from registry.core.ids import batch_ids, new_id
from registry.core.reads import SessionCursor
from registry.core.writes import Write
from registry.extensions import db
from registry.performers.models import PerformerRepresentative
from registry.productions.models import Production, ProductionMember
from registry.reminders import webhook_secrets
from registry.reminders.models import (
    EVENT_KINDS,
    NOTICE_KINDS,
    Reminder,
    ReminderDelivery,
    WebhookSecret,
)

CHUNK = 500


def bulk_insert(table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` many rows (dicts with the same keys) through the driver's executemany."""
    if rows:
        names = list(rows[0])
        bulk_insert_tuples(table, names, [tuple(row[n] for n in names) for row in rows])


def bulk_insert_tuples(
    table: Table,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    stored: Sequence[str] = (),
) -> None:
    """``INSERT`` many rows through the driver's executemany, values converted by column type.

    The ORM's bulk path processes every value of every row through SQLAlchemy; here each column
    type's bind processor runs once per distinct value (most values repeat within a batch).
    Columns named in ``stored`` carry values already in the database's storage form (read with
    ``stored_value``) and are passed through as they are.
    """
    if not rows:
        return
    db.session.flush()
    connection = db.session.connection()
    dialect = connection.dialect
    columns: list[Any] = list(zip(*rows, strict=True))
    for index, name in enumerate(names):
        processor = table.c[name].type._cached_bind_processor(dialect)
        if processor is not None and name not in stored:
            convert = _memoised(processor)
            columns[index] = [None if v is None else convert(v) for v in columns[index]]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(marker for _ in names)})"
    )
    connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def stored_value(column: Any) -> Any:
    """Select a column's value as the database stores it (no result conversion), for copying."""
    return type_coerce(column, String)


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
        yield from chunked(sorted(set(ids)), LOOKUP_CHUNK)


def ensure_webhook_secrets(production_ids: Iterable[str], now: datetime) -> None:
    """Create the HMAC secret of each production that has none yet."""
    wanted = sorted(set(production_ids))
    if not wanted:
        return
    have: set[str] = set()
    for ids in chunked(wanted, CHUNK):
        have.update(
            db.session.execute(
                select(WebhookSecret.production_id).where(WebhookSecret.production_id.in_(ids))
            ).scalars()
        )
    rows = [
        {"production_id": pid, **webhook_secrets.seal(pid, webhook_secrets.new_secret())._asdict(),
         "created_at": now}
        for pid in wanted
        if pid not in have
    ]  # fmt: skip
    bulk_insert(table_of(WebhookSecret), rows)


REMINDER_COLUMNS = (
    "id",
    "kind",
    "consent_version_id",
    "consent_id",
    "performer_id",
    "production_id",
    "threshold_days",
    "status",
    "expires_at",
    "ended_at",
    "created_at",
)


def insert_reminders(
    rows: Sequence[tuple[Any, ...]], now: datetime, *, stored_expiry: bool = False
) -> list[str]:
    """Insert reminders: tuples of ``REMINDER_COLUMNS`` without the first (``id``) and last
    (``created_at``); ``stored_expiry`` when ``expires_at`` was read with ``stored_value``.
    Returns the new ids, in order."""
    if not rows:
        return []
    ids = batch_ids("rem", len(rows))
    bulk_insert_tuples(
        table_of(Reminder),
        REMINDER_COLUMNS,
        [(rid, *row, now) for rid, row in zip(ids, rows, strict=True)],
        stored=("expires_at",) if stored_expiry else (),
    )
    return ids


def enqueue_ended(version_ids: Sequence[str], kind: str, at: datetime, now: datetime) -> list[str]:
    """Notices that these consent versions ended (``expired`` or ``revoked``), once each.

    Returns the ids of the reminders created (none for versions already noticed).
    """
    wanted = sorted(set(version_ids))
    if not wanted:
        return []
    known: set[str] = set()
    versions: list[ConsentVersion] = []
    for ids in chunked(wanted, CHUNK):
        known.update(
            vid
            for vid in db.session.execute(
                select(Reminder.consent_version_id).where(
                    Reminder.consent_version_id.in_(ids),
                    Reminder.kind == kind,
                    Reminder.threshold_days == 0,
                )
            ).scalars()
            if vid is not None
        )
        versions.extend(
            db.session.execute(select(ConsentVersion).where(ConsentVersion.id.in_(ids))).scalars()
        )
    # Only the version that was current when the consent ended: a revocation names every
    # version of the consent, and superseded ones had already stopped counting.
    versions = [v for v in versions if v.id not in known and v.superseded_at is None]
    rows = [
        (
            kind,
            v.id,
            v.consent_id,
            v.performer_id,
            v.production_id,
            0,
            "queued",
            v.expires_at,
            at if kind == "revoked" else v.expires_at,
        )
        for v in sorted(versions, key=lambda v: v.id)
    ]
    return insert_reminders(rows, now)


FAN_OUT_BATCH = 1000  # reminders per transaction: keeps write-lock holds short on SQLite


@dataclass
class FanOut:
    reminders: int = 0
    deliveries: int = 0
    cancelled: int = 0


def tell(
    kind: str,
    *,
    production_id: str,
    recipients: Iterable[str],
    title: str,
    link_path: str,
    subject: tuple[str, str],
    now: datetime,
) -> str:
    """Enqueue a notice about another record (``NOTICE_KINDS``) for these users, in app and
    by e-mail (and the production's webhook). ``title`` is what every channel says: name
    things as people know them, never with personal data. Flushes; the delivery pass sends it.
    Returns the notice's id."""
    assert kind in NOTICE_KINDS, kind
    notice = Reminder(
        id=new_id("ntc"),
        kind=kind,
        production_id=production_id,
        threshold_days=0,
        status="queued",
        subject_type=subject[0],
        subject_id=subject[1],
        title=title,
        link_path=link_path,
        recipients=sorted(set(recipients)),
        created_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    return notice.id


# notices whose webhook delivery an event with the same name and more facts replaces
LEFT_TO_EVENTS = frozenset({"declaration.cleared"})


@dataclass(frozen=True)
class Event:
    """One webhook event to announce: what it is about and its facts (no personal data)."""

    kind: str
    production_id: str
    subject: tuple[str, str]
    title: str
    link_path: str
    data: dict[str, Any]


_EVENT_KEYS = (
    "id",
    "kind",
    "production_id",
    "threshold_days",
    "status",
    "subject_type",
    "subject_id",
    "title",
    "data",
    "link_path",
    "recipients",
    "created_at",
)


def _queue_event_statement() -> Write:
    """One event queued only if its production has a webhook, in a single fixed statement
    (``INSERT ... SELECT ... FROM productions WHERE webhook_url <> ''``) run straight on the
    session's cursor (``core.writes``): asked on every decision, it needs no look-up first and
    joins the decision's batch of writes (one round trip on PostgreSQL). Each value is a
    parameter typed as its column, so it is converted and cast exactly as an INSERT's."""
    table = cast(Table, Reminder.__table__)
    params = {key: bindparam(key, type_=table.c[key].type) for key in _EVENT_KEYS}
    hooked = (
        select(*params.values())
        .select_from(Production)
        .where(
            Production.id == params["production_id"], Production.webhook_url != literal_column("''")
        )
    )  # a NULL webhook_url is not ``<> ''`` either
    return Write(
        insert(table).from_select(list(_EVENT_KEYS), hooked, include_defaults=False),
        _EVENT_KEYS,
    )


_QUEUE_EVENT = _queue_event_statement()


def announce(events: Sequence[Event], now: datetime, cursor: SessionCursor | None = None) -> None:
    """Enqueue webhook events (``EVENT_KINDS``) for the productions that have a webhook; the
    others are dropped by the statement itself, so that a production without one costs no
    more than one with. ``cursor``: the caller's, to join its batch of writes
    (``SessionCursor.batch``); the delivery pass sends them."""
    if not events:
        return
    assert all(e.kind in EVENT_KINDS for e in events), [e.kind for e in events]
    rows = [
        {
            "id": rid,
            "kind": e.kind,
            "production_id": e.production_id,
            "threshold_days": 0,
            "status": "queued",
            "subject_type": e.subject[0],
            "subject_id": e.subject[1],
            "title": e.title,
            "data": e.data,
            "link_path": e.link_path,
            "recipients": [],
            "created_at": now,
        }
        for rid, e in zip(batch_ids("evt", len(events)), events, strict=True)
    ]
    _QUEUE_EVENT.run_many(cursor or SessionCursor(db.session), rows)


def fan_out(now: datetime, limit: int = FAN_OUT_BATCH) -> FanOut:
    """Make the deliveries of up to ``limit`` queued reminders; flushes, the caller commits."""
    result = FanOut()
    rows = db.session.execute(
        select(
            Reminder.id,
            Reminder.kind,
            Reminder.performer_id,
            Reminder.production_id,
            Reminder.recipients,
            ConsentVersion.revoked_at,
            ConsentVersion.superseded_at,
            ConsentVersion.expires_at,
        )
        .outerjoin(ConsentVersion, ConsentVersion.id == Reminder.consent_version_id)
        .where(Reminder.status == "queued")
        .order_by(Reminder.created_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Reminder)
    ).all()
    if not rows:
        return result
    live: list[Any] = []
    ended: list[str] = []
    for row in rows:
        if row.kind == "expiry" and (
            row.revoked_at is not None or row.superseded_at is not None or row.expires_at <= now
        ):
            ended.append(row.id)
        else:
            live.append(row)
    reps = representatives(sorted({r.performer_id for r in live if r.kind == "expiry"}))
    people = members(sorted({r.production_id for r in live if r.kind in ("expired", "revoked")}))
    hooked = webhook_productions({r.production_id for r in live})
    with_email = email_enabled()
    targets: list[tuple[str, str, str]] = []
    for row in live:
        if row.kind == "expiry":
            recipients = reps.get(row.performer_id, [])
        elif row.kind in EVENT_KINDS:
            recipients = []
        elif row.kind in NOTICE_KINDS:
            recipients = list(row.recipients or ())
        else:
            recipients = people.get(row.production_id, [])
        for user_id in recipients:
            if with_email:
                targets.append((row.id, "email", user_id))
            targets.append((row.id, "inapp", user_id))
        if row.production_id in hooked and row.kind not in LEFT_TO_EVENTS:
            targets.append((row.id, "webhook", row.production_id))
    if targets:
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
                for did, (rid, channel, recipient) in zip(
                    batch_ids("dlv", len(targets)), targets, strict=True
                )
            ],
        )
    ensure_webhook_secrets({r.production_id for r in live if r.production_id in hooked}, now)
    for status, ids in (("ready", [r.id for r in live]), ("cancelled", ended)):
        for group in chunked(ids, CHUNK):
            db.session.execute(
                update(Reminder)
                .where(Reminder.id.in_(group), Reminder.status == "queued")
                .values(status=status)
                .execution_options(synchronize_session=False)
            )
    result.reminders, result.deliveries, result.cancelled = len(live), len(targets), len(ended)
    return result
