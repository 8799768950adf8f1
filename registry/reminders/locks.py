"""Only one process at a time runs a singleton job (the expiry scan, the expiry cascade).

PostgreSQL: ``pg_try_advisory_xact_lock`` taken inside the job's own transaction (released when
it commits or rolls back). SQLite: a lease row in ``scheduler_leases`` taken and committed in a
short transaction of its own, so that a second process sees it at once and skips the job instead
of queueing behind the write lock; a crashed holder's lease simply runs out after ``ttl``.
Either way the work itself stays idempotent (unique keys), the lock only avoids wasted passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import text, update

from registry.extensions import db
from registry.reminders.models import SchedulerLease
from registry.transactions import discard, unit_of_work

ADVISORY_KEYS = {"scan": 0x5EC0_0001, "cascade": 0x5EC0_0002}
DEFAULT_TTL = timedelta(minutes=2)
"""Far longer than a scan or cascade batch takes; a crashed holder delays the next one this long."""


def dialect() -> str:
    return db.session.get_bind().dialect.name


def _take_lease(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease if it is free or run out (a unit of work of its own, so that a second
    process sees it at once)."""
    with unit_of_work():
        lease = db.session.get(SchedulerLease, name)
        if lease is None:
            db.session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
        elif (
            lease.holder not in (None, holder)
            and lease.expires_at is not None
            and lease.expires_at > now
        ):
            return False
        else:
            lease.holder = holder
            lease.expires_at = now + ttl
    return True


def _release_lease(name: str, holder: str) -> None:
    with unit_of_work():
        db.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(holder=None, expires_at=None)
        )


@contextmanager
def singleton(
    name: str, holder: str, now: datetime, ttl: timedelta = DEFAULT_TTL
) -> Iterator[bool]:
    """Yield whether this caller may run job ``name`` now. The block is one unit of work:
    what it does is committed when it ends (rolled back if it raises).

    On PostgreSQL the lock belongs to that same transaction (taken at its start, released by
    its commit). On SQLite the lease is taken and released in units of work of their own.
    """
    discard()  # start from no open transaction
    if dialect() == "postgresql":
        with unit_of_work():
            acquired = bool(
                db.session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_KEYS[name]}
                ).scalar()
            )
            yield acquired
        return
    acquired = _take_lease(name, holder, now, ttl)
    try:
        with unit_of_work():
            yield acquired
    finally:
        if acquired:
            _release_lease(name, holder)


def state_row(name: str) -> SchedulerLease:
    """The job's row (for its watermark), created when missing; call while holding the lock."""
    row = db.session.get(SchedulerLease, name)
    if row is None:
        row = SchedulerLease(name=name)
        db.session.add(row)
        db.session.flush()
    return row
