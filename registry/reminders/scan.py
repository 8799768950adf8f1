"""The expiry scan and the expiry cascade: what the scheduler does, as plain services.

Scan: for every live consent version (not revoked, superseded or expired) expiring within the
largest threshold, the most urgent threshold already crossed gets one ``queued`` reminder, unless
that threshold or a more urgent one is already known for the version; less urgent crossed
thresholds that were never sent (downtime) are recorded ``skipped`` so they are never sent later,
and pending deliveries of a less urgent reminder are ``superseded`` (unless a delivery process
has already claimed one: that one is in flight and its claimer records what happened). An
amendment is a new version and starts its own thresholds, except that thresholds already known
for an earlier version of the same consent with the same ``expires_at`` carry over (an amendment that does not move the
date repeats nothing).

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

from sqlalchemy import insert, select, update

from registry.appctx import setting
from registry.audit.trail import record
from registry.consents.models import ConsentVersion
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
    deliveries: int = 0
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
    horizon = now + timedelta(days=days[0])
    versions = db.session.execute(
        select(
            ConsentVersion.id,
            ConsentVersion.consent_id,
            ConsentVersion.performer_id,
            ConsentVersion.production_id,
            ConsentVersion.expires_at,
        ).where(*_live_window(now, horizon))
    ).all()
    if not versions:
        return result
    own, carried = _known_thresholds(now, horizon)

    items: list[outbox.NewReminder] = []
    superseded: list[str] = []
    for row in versions:
        version_id, expires_at = row.id, row.expires_at
        crossed = [d for d in days if expires_at - now <= timedelta(days=d)]
        mine = own.get(version_id, {})
        inherited = carried.get((row.consent_id, expires_at), set()) - set(mine)
        for threshold in sorted(inherited):
            items.append(_expiry_item(row, threshold, "carried"))
            result.carried += 1
        if not crossed:
            continue
        urgent = min(crossed)
        known = set(mine) | inherited
        if any(k <= urgent for k in known):
            continue
        items.append(_expiry_item(row, urgent, "queued"))
        result.queued += 1
        for threshold in crossed:
            if threshold > urgent and threshold not in known:
                items.append(_expiry_item(row, threshold, "skipped"))
                result.skipped += 1
        superseded.extend(rid for t, rid in mine.items() if t > urgent)

    if not items:
        return result
    queued = [i for i in items if i.status == "queued"]
    reps = outbox.representatives(sorted({i.performer_id for i in queued}))
    hooked = outbox.webhook_productions({i.production_id for i in queued})
    for entry in queued:
        entry.recipients = reps.get(entry.performer_id, [])
        entry.webhook = entry.production_id in hooked
    ids, result.deliveries = outbox.insert_reminders(items, now)
    result.reminder_ids = [rid for rid, i in zip(ids, items, strict=True) if i.status == "queued"]
    for group in outbox.chunks(superseded):
        outcome = db.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.reminder_id.in_(group),
                ReminderDelivery.status == "pending",
                unclaimed(now),
            )
            .values(status="superseded", claimed_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        result.superseded += int(getattr(outcome, "rowcount", 0) or 0)
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


def _expiry_item(row: Any, threshold: int, status: str) -> outbox.NewReminder:
    return outbox.NewReminder(
        kind="expiry",
        version_id=row.id,
        consent_id=row.consent_id,
        performer_id=row.performer_id,
        production_id=row.production_id,
        threshold_days=threshold,
        status=status,
        expires_at=row.expires_at,
    )


Known = dict[str, dict[int, str]]
Carried = dict[tuple[str, datetime], set[int]]


def _known_thresholds(now: datetime, horizon: datetime) -> tuple[Known, Carried]:
    """Expiry reminders already recorded in the window, by version and by (consent, date).

    A reminder keeps its version's ``expires_at``, so one index range on ``reminders`` finds
    them all, without joining the consent versions again. The second map is what an amendment
    inherits: thresholds known for any version of the same consent with the same date.
    """
    own: Known = {}
    carried: Carried = {}
    for version_id, consent_id, expires_at, threshold, reminder_id in db.session.execute(
        select(
            Reminder.consent_version_id,
            Reminder.consent_id,
            Reminder.expires_at,
            Reminder.threshold_days,
            Reminder.id,
        ).where(
            Reminder.kind == "expiry",
            Reminder.expires_at > now,
            Reminder.expires_at <= horizon,
        )
    ):
        own.setdefault(version_id, {})[threshold] = reminder_id
        carried.setdefault((consent_id, expires_at), set()).add(threshold)
    return own, carried


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
