"""Bulk imports and renames of performers exclude each other.

An import reads the performers' professional names once, at its start, and its audit events
commit to receipts that name them so; those receipts are signed later. A rename therefore first
signs the receipts still pending for that performer (``receipt_issuer.issue_for_performer``).
That only works if no import is half-way: a rename committed while an import runs would find
none of its (uncommitted) versions, which would then be signed under the new name.

- PostgreSQL: a transaction-scoped advisory lock, shared by imports (from before they read the
  names until they commit), exclusive for a rename. A rename does not wait out an import: it is
  refused with 409 and can be retried when the import is done.
- SQLite: nothing to do: every transaction holds the write lock from its start.
"""

from __future__ import annotations

from sqlalchemy import func, select

from registry.core.errors import Conflict
from registry.extensions import db

ADVISORY_KEY = 0x5EC0_0101


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def hold_for_import() -> None:
    """Take the shared lock (waits for a rename in progress) until the transaction ends."""
    if _postgresql():
        db.session.execute(select(func.pg_advisory_xact_lock_shared(ADVISORY_KEY)))


def hold_for_rename() -> None:
    """Take the exclusive lock until the transaction ends; Conflict while an import runs."""
    if (
        _postgresql()
        and not db.session.execute(
            select(func.pg_try_advisory_xact_lock(ADVISORY_KEY))
        ).scalar_one()
    ):
        raise Conflict(
            "A bulk import of consents is running; rename this performer once it has finished."
        )
