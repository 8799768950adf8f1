"""The expiry scan and the expiry cascade: what the scheduler does, as plain services.

Scan: for every live consent version (not revoked, superseded or expired) expiring within the
largest threshold, the most urgent threshold already crossed gets one ``queued`` reminder, unless
that threshold or a more urgent one is already known for the version; less urgent crossed
thresholds that were never sent (downtime) are recorded ``skipped`` so they are never sent later,
and a less urgent reminder still waiting is ``superseded`` (one whose delivery a delivery process
already holds is in flight: its claimer records what happened). An amendment is a new version
and starts its own thresholds, except that thresholds already known for an earlier version of
the same consent with the same ``expires_at`` carry over (an amendment that does not move the
date repeats nothing). The scan only enqueues reminders; the delivery pass fans them out to
their recipients (see ``outbox``).

Cascade: every current version whose ``expires_at`` has passed is processed once
(``expiry_cascades``): ``consent_ended`` is sent with reason ``expired`` in this transaction (the
gate invalidates decisions and suspends models; our receiver enqueues the notices to the
production's members). A watermark keeps the look-up to recent expiries.

Both only flush; the job that calls them commits, holding the job's singleton lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, insert, select, update

from registry.appctx import setting
from registry.audit.trail import record
from registry.consents.models import ConsentVersion
from registry.core.chunks import chunked
from registry.core.ids import new_id
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.reminders import outbox
from registry.reminders.delivery import unclaimed
from registry.reminders.locks import state_row
from registry.reminders.models import ExpiryCascade, Reminder, ReminderDelivery

CASCADE_MARGIN = timedelta(days=7)
"""How far behind the watermark the cascade looks again (late-recorded or backdated rows)."""
CASCADE_BATCH = 1000


@dataclass
class ScanResult:
    queued: int = 0
    skipped: int = 0
    carried: int = 0
    superseded: int = 0
    reminder_ids: list[str] = field(default_factory=list)


def reminder_days() -> tuple[int, ...]:
    return tuple(sorted(setting("REMINDER_DAYS_PARSED"), reverse=True))


def _live_window(now: datetime, horizon: datetime) -> Any:
    return (
        ConsentVersion.expires_at > now,
        ConsentVersion.expires_at <= horizon,
        ConsentVersion.revoked_at.is_(None),
        ConsentVersion.superseded_at.is_(None),
    )


def scan_expiries(now: datetime) -> ScanResult:
    """Enqueue the reminders due at ``now``; see the module docstring."""
    result = ScanResult()
    days = reminder_days()
    if not days:
        return result
    # Core rows, the most urgent crossed threshold computed by the database, and expires_at
    # copied in its stored form: no per-row ORM loading or datetime parsing for 10^4+ rows.
    urgent = case(
        *[(ConsentVersion.expires_at <= now + timedelta(days=d), d) for d in reversed(days)]
    )
    versions = (
        db.session.connection()
        .execute(
            select(
                ConsentVersion.id,
                ConsentVersion.consent_id,
                ConsentVersion.version,
                ConsentVersion.performer_id,
                ConsentVersion.production_id,
                outbox.stored_value(ConsentVersion.expires_at).label("expires"),
                urgent.label("urgent"),
            ).where(*_live_window(now, now + timedelta(days=days[0])))
        )
        .all()
    )
    if not versions:
        return result
    own = _own_thresholds([v.id for v in versions])
    carried = _carried_thresholds([v for v in versions if v.version > 1])
    crossing = {d: [t for t in days if t >= d] for d in days}  # most distant first

    items: list[tuple[Any, ...]] = []
    superseded: list[str] = []
    for vid, cid, _number, performer, production, expires, urgent in versions:
        crossed = crossing[urgent]
        mine = own.get(vid)
        inherited = carried.get(vid)
        if mine is None and inherited is None:  # the common case: nothing known yet
            items.append(
                ("expiry", vid, cid, performer, production, urgent, "queued", expires, None)
            )
            result.queued += 1
            for threshold in crossed[:-1]:
                items.append(
                    ("expiry", vid, cid, performer, production, threshold, "skipped", expires, None)
                )
                result.skipped += 1
            continue
        row = (vid, cid, performer, production, expires)
        mine = mine or {}
        inherited = (inherited or set()) - set(mine)
        for threshold in sorted(inherited):
            items.append(_expiry_item(row, threshold, "carried"))
            result.carried += 1
        known = set(mine) | inherited
        if any(k <= urgent for k in known):
            continue
        items.append(_expiry_item(row, urgent, "queued"))
        result.queued += 1
        for threshold in crossed[:-1]:
            if threshold not in known:
                items.append(_expiry_item(row, threshold, "skipped"))
                result.skipped += 1
        superseded.extend(rid for t, rid in mine.items() if t > urgent)

    if not items:
        return result
    ids = outbox.insert_reminders(items, now, stored_expiry=True)
    result.reminder_ids = [
        rid for rid, item in zip(ids, items, strict=True) if item[STATUS] == "queued"
    ]
    result.superseded = _supersede(superseded, now)
    record(
        "reminders.enqueued",
        "reminder_scan",
        new_id("rsc"),
        {
            "at": now.isoformat(),
            "queued": result.reminder_ids,
            "skipped": result.skipped,
            "carried": result.carried,
            "superseded": result.superseded,
        },
    )
    return result


def _supersede(reminder_ids: list[str], now: datetime) -> int:
    """Less urgent reminders of a version that just got a more urgent one: not sent any more.

    One still queued is marked ``superseded``; one already fanned out has its pending
    deliveries marked ``superseded``, except those a delivery process holds (in flight).
    """
    count = 0
    for group in chunked(reminder_ids, outbox.CHUNK):
        for stmt in (
            update(Reminder)
            .where(Reminder.id.in_(group), Reminder.status == "queued")
            .values(status="superseded"),
            update(ReminderDelivery)
            .where(
                ReminderDelivery.reminder_id.in_(group),
                ReminderDelivery.status == "pending",
                unclaimed(now),
            )
            .values(status="superseded", claimed_until=None, claimed_by=None),
        ):
            outcome = db.session.execute(stmt.execution_options(synchronize_session=False))
            count += int(getattr(outcome, "rowcount", 0) or 0)
    return count


STATUS = outbox.REMINDER_COLUMNS.index("status") - 1  # position in an item (no id)


def _expiry_item(row: tuple[Any, ...], threshold: int, status: str) -> tuple[Any, ...]:
    """A reminder in ``outbox.REMINDER_COLUMNS`` order without id and created_at, from
    (version id, consent id, performer id, production id, stored expires_at)."""
    vid, cid, performer, production, expires = row
    return ("expiry", vid, cid, performer, production, threshold, status, expires, None)


LOOKUP_CHUNK = 5000  # bound parameters per statement (SQLite >= 3.32 allows 32766)


def _own_thresholds(version_ids: list[str]) -> dict[str, dict[int, str]]:
    """Expiry reminders already recorded for these versions: threshold -> reminder id."""
    own: dict[str, dict[int, str]] = {}
    for group in chunked(version_ids, LOOKUP_CHUNK):
        for version_id, threshold, reminder_id in db.session.connection().execute(
            select(Reminder.consent_version_id, Reminder.threshold_days, Reminder.id).where(
                Reminder.consent_version_id.in_(group), Reminder.kind == "expiry"
            )
        ):
            own.setdefault(version_id, {})[threshold] = reminder_id
    return own


def _carried_thresholds(amended: list[Any]) -> dict[str, set[int]]:
    """For amended versions: thresholds known for an earlier version with the same date."""
    if not amended:
        return {}
    by_consent = {row.consent_id: row for row in amended}
    earlier: dict[str, str] = {}  # earlier version id -> current version id
    for group in chunked(sorted(by_consent), LOOKUP_CHUNK):
        for version_id, consent_id, expires in db.session.connection().execute(
            select(
                ConsentVersion.id,
                ConsentVersion.consent_id,
                outbox.stored_value(ConsentVersion.expires_at),
            ).where(
                ConsentVersion.consent_id.in_(group),
                ConsentVersion.superseded_at.is_not(None),
            )
        ):
            current = by_consent[consent_id]
            if expires == current.expires:
                earlier[version_id] = current.id
    out: dict[str, set[int]] = {}
    for group in chunked(sorted(earlier), LOOKUP_CHUNK):
        for version_id, threshold in db.session.connection().execute(
            select(Reminder.consent_version_id, Reminder.threshold_days).where(
                Reminder.consent_version_id.in_(group), Reminder.kind == "expiry"
            )
        ):
            out.setdefault(earlier[version_id], set()).add(threshold)
    return out


@dataclass
class CascadeResult:
    version_ids: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.version_ids)


def cascade_expiries(now: datetime, limit: int = CASCADE_BATCH) -> CascadeResult:
    """Process up to ``limit`` newly expired current versions; see the module docstring."""
    state = state_row("cascade")
    stmt = (
        select(ConsentVersion.id)
        .outerjoin(ExpiryCascade, ExpiryCascade.version_id == ConsentVersion.id)
        .where(
            ConsentVersion.expires_at <= now,
            ConsentVersion.revoked_at.is_(None),
            ConsentVersion.superseded_at.is_(None),
            ExpiryCascade.version_id.is_(None),
        )
        .order_by(ConsentVersion.expires_at, ConsentVersion.id)
        .limit(limit)
    )
    if state.watermark is not None:
        stmt = stmt.where(ConsentVersion.expires_at > state.watermark - CASCADE_MARGIN)
    version_ids = list(db.session.execute(stmt).scalars())
    if version_ids:
        db.session.execute(
            insert(ExpiryCascade),
            [{"version_id": vid, "processed_at": now} for vid in version_ids],
        )
        consent_ended.send(None, version_ids=version_ids, reason="expired", at=now, actor_id=None)
        record(
            "consents.expiry_cascaded",
            "expiry_cascade",
            new_id("exc"),
            {"at": now.isoformat(), "version_ids": version_ids},
        )
    if len(version_ids) < limit:
        state.watermark = now
    db.session.flush()
    return CascadeResult(version_ids)
