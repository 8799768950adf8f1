"""The one place that commits: ``unit_of_work()``.

Every outermost caller (a view, a CLI command, a job) wraps its work in it: on success the
session commits once, on any exception it rolls back and the exception goes on (a view's error
handler then answers it). Services never commit; they flush. A flow that commits in stages on
purpose (erasure, delivery, an import's batches) enters it once per stage, so its transaction
boundaries are visible. The key store keeps its own connection and transactions (its data
must never share a transaction with the main database: ``performers/keystore.py``).

The architecture test checks that no other module in ``registry/`` commits, begins or rolls
back a transaction.

May import: ``extensions``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import scoped_session

from registry.extensions import db


@contextmanager
def unit_of_work() -> Iterator[scoped_session]:  # type: ignore[type-arg]
    """Commit what the block did, or roll it all back if it raised."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def discard() -> None:
    """Throw away what this session holds (after a refusal that must write nothing, when the
    caller goes on answering: a form shown again with its errors)."""
    db.session.rollback()
