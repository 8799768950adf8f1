"""The whole check of the trail and its records, and the records checks auditors start.

``check_all`` walks both chains (events and state events, against their signed checkpoints
and, if given, what a witness holds) and then every audited record against its latest state
event (``records.verify_records``), all in one read-only snapshot (``snapshot``: on SQLite a
deferred read transaction of its own, so no writer waits; on PostgreSQL REPEATABLE READ, READ
ONLY). ``audit verify --records`` runs it at once; the API and the Audit trail page ask for it
(``request_check``): a million records take longer than a request may, so the scheduler's
``audit-checks`` job claims the oldest asked-for check (``run_next``) and stores its result,
which names records by kind and id only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, create_engine, event, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from registry.appctx import signing_keys
from registry.audit.models import AuditRecordCheck
from registry.audit.records import RecordsResult, count_records, verify_records
from registry.audit.services import (
    Verification,
    count_events,
    count_states,
    verify,
    verify_states,
)
from registry.audit.witness import Witnessed
from registry.core.clock import utcnow
from registry.core.db import DbSession
from registry.core.errors import NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.transactions import unit_of_work

KEEP = 1000
"""Mismatches a stored check names (it counts them all)."""
STALE = timedelta(minutes=10)
"""A running check whose scheduler has said nothing for this long is taken over."""
HEARTBEAT_SECONDS = 2.0
ACTIVE = ("queued", "running")


# -- one snapshot -------------------------------------------------------------------------------


@contextmanager
def snapshot() -> Iterator[tuple[DbSession, bool]]:
    """A read-only session on one consistent snapshot of the database, and whether it is a
    connection of its own (False when the app is bound to a single connection, as in tests:
    then it is the app's session)."""
    bind = db.engine
    if not isinstance(bind, Engine):
        yield db.session, False
        return
    if bind.dialect.name == "sqlite":
        engine = create_engine(bind.url, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA busy_timeout=30000")

        @event.listens_for(engine, "begin")
        def on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")  # deferred: a WAL snapshot, no write lock

        session = Session(bind=engine)
        try:
            yield session, True
        finally:
            session.close()
            engine.dispose()
        return
    connection = bind.connect().execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    session = Session(bind=connection)
    try:
        yield session, True
    finally:
        session.close()
        connection.close()


# -- the whole check ----------------------------------------------------------------------------


@dataclass
class Outcome:
    events: Verification
    states: Verification
    records: RecordsResult | None

    @property
    def ok(self) -> bool:
        return self.events.ok and self.states.ok and (self.records is None or self.records.ok)

    @property
    def problem(self) -> str | None:
        """The chains' first problem, in words (records mismatches are listed apart)."""
        if not self.events.ok:
            return f"event #{self.events.first_bad}: {self.events.problem}"
        if not self.states.ok:
            return f"state event #{self.states.first_bad}: {self.states.problem}"
        return None


def check_all(
    session: DbSession,
    *,
    records: bool = True,
    witnessed: Witnessed | None = None,
    progress: Callable[[int], None] | None = None,
    keep: int = KEEP,
) -> Outcome:
    """Both chains, then (``records``) every audited record, read through ``session``. The
    records are compared only with a trail whose chains hold (a state event is evidence only
    when its chain is intact)."""
    signing = signing_keys()
    events = verify(
        session,
        signing=signing,
        progress=progress,
        witnessed=witnessed.events if witnessed else None,
    )
    states = verify_states(
        session,
        signing=signing,
        progress=progress,
        witnessed=witnessed.states if witnessed else None,
    )
    found = None
    if records and events.ok and states.ok:
        found = verify_records(session, progress=progress, keep=keep)
    return Outcome(events, states, found)


def total_work(session: DbSession) -> int:
    """What ``check_all`` counts through its progress: events, state events, records."""
    return count_events(session) + count_states(session) + count_records(session)


# -- checks asked for, run by the scheduler -----------------------------------------------------


def request_check(
    actor_id: str | None, now: datetime | None = None
) -> tuple[AuditRecordCheck, bool]:
    """Ask the scheduler for a records check: (the check, whether it is new). The one already
    asked for or running, if any, is not asked for twice."""
    active = db.session.execute(
        select(AuditRecordCheck)
        .where(AuditRecordCheck.status.in_(ACTIVE))
        .order_by(AuditRecordCheck.requested_at)
        .limit(1)
    ).scalar_one_or_none()
    if active is not None:
        return active, False
    check = AuditRecordCheck(
        id=new_id("chk"),
        status="queued",
        requested_by=actor_id,
        requested_at=now or utcnow(),
        total=0,
        checked=0,
        mismatch_count=0,
    )
    db.session.add(check)
    db.session.flush()
    return check, True


def latest_check() -> AuditRecordCheck | None:
    return db.session.execute(
        select(AuditRecordCheck)
        .order_by(AuditRecordCheck.requested_at.desc(), AuditRecordCheck.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def get_check(check_id: str) -> AuditRecordCheck:
    check = db.session.get(AuditRecordCheck, check_id)
    if check is None:
        raise NotFound("No such records check.")
    return check


def claim(holder: str, now: datetime | None = None) -> str | None:
    """Take the oldest check asked for (or one whose scheduler went silent); its id."""
    now = now or utcnow()
    with unit_of_work():
        check = db.session.execute(
            select(AuditRecordCheck)
            .where(
                or_(
                    AuditRecordCheck.status == "queued",
                    and_(
                        AuditRecordCheck.status == "running",
                        AuditRecordCheck.heartbeat_at < now - STALE,
                    ),
                )
            )
            .order_by(AuditRecordCheck.requested_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if check is None:
            return None
        check.status = "running"
        check.holder = holder
        check.started_at = now
        check.heartbeat_at = now
        check.checked = 0
        return check.id


def _set(check_id: str, **values: Any) -> None:
    with unit_of_work():
        db.session.execute(
            update(AuditRecordCheck).where(AuditRecordCheck.id == check_id).values(**values)
        )


def run_claimed(check_id: str) -> AuditRecordCheck:
    """Run a claimed check in a snapshot, reporting progress, and store its result."""
    try:
        with snapshot() as (session, own):
            _set(check_id, total=total_work(session), heartbeat_at=utcnow())
            done = [0]
            said = [time.monotonic()]

            def progress(count: int) -> None:
                done[0] += count
                if own and time.monotonic() - said[0] >= HEARTBEAT_SECONDS:
                    said[0] = time.monotonic()
                    _set(check_id, checked=done[0], heartbeat_at=utcnow())

            outcome = check_all(session, progress=progress)
    except Exception as exc:  # stored for the auditor, then raised for the scheduler's log
        _set(
            check_id,
            status="failed",
            finished_at=utcnow(),
            error=f"{type(exc).__name__}: the check could not finish",
        )
        raise
    records = outcome.records
    _set(
        check_id,
        status="done",
        finished_at=utcnow(),
        heartbeat_at=utcnow(),
        checked=done[0],
        ok=outcome.ok,
        events=outcome.events.events,
        state_events=outcome.states.events,
        problem=outcome.problem,
        mismatch_count=records.mismatch_count if records else 0,
        mismatches=[m.as_dict() for m in records.mismatches] if records else [],
        by_kind=dict(sorted(records.by_kind.items())) if records else {},
    )
    db.session.expire_all()
    return get_check(check_id)


def run_next(holder: str) -> AuditRecordCheck | None:
    """Claim and run the oldest check asked for; None when there is none."""
    check_id = claim(holder)
    if check_id is None:
        return None
    return run_claimed(check_id)


def present(check: AuditRecordCheck) -> dict[str, Any]:
    return {
        "id": check.id,
        "status": check.status,
        "requested_by": check.requested_by,
        "requested_at": check.requested_at,
        "started_at": check.started_at,
        "finished_at": check.finished_at,
        "total": check.total,
        "checked": check.checked,
        "ok": check.ok,
        "events": check.events,
        "state_events": check.state_events,
        "problem": check.problem,
        "mismatch_count": check.mismatch_count,
        "mismatches": check.mismatches or [],
        "by_kind": check.by_kind or {},
        "error": check.error,
    }
