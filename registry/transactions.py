"""The one place that commits: ``unit_of_work()``.

Every outermost caller (a view, a CLI command, a job) wraps its work in it: on success the
session commits once, on any exception it rolls back and the exception goes on (a view's error
handler then answers it). Services never commit; they flush. A flow that commits in stages on
purpose (erasure, delivery, an import's batches) enters it once per stage, so its transaction
boundaries are visible. The key store keeps its own connection and transactions (its data
must never share a transaction with the main database: ``performers/keystore.py``).

``enclosing_unit_of_work`` holds one transaction around a view that enters ``unit_of_work``
itself: the inner one then commits nothing, so what the caller adds after the view (an
idempotent write's stored answer) commits in the same transaction as the write.

The architecture test checks that no other module in ``registry/`` commits, begins or rolls
back a transaction.

May import: ``extensions`` (and Flask's ``g``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy.orm import scoped_session

from registry.extensions import db

_ENCLOSED = "registry_enclosing_unit_of_work"


@contextmanager
def unit_of_work() -> Iterator[scoped_session]:  # type: ignore[type-arg]
    """Commit what the block did, or roll it all back if it raised. Inside
    ``enclosing_unit_of_work`` it commits nothing: the enclosing one does."""
    session = db.session
    if has_app_context() and g.get(_ENCLOSED):
        yield session
        return
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def enclosing_unit_of_work() -> Iterator[scoped_session]:  # type: ignore[type-arg]
    """One transaction around a view that enters ``unit_of_work`` itself, so that what is done
    after it (an idempotent request's stored answer, ``web/idempotency.py``) commits with it.
    Only for views that commit once (every API write does)."""
    with unit_of_work() as session:
        setattr(g, _ENCLOSED, True)
        try:
            yield session
        finally:
            g.pop(_ENCLOSED, None)


def discard() -> None:
    """Throw away what this session holds (after a refusal that must write nothing, when the
    caller goes on answering: a form shown again with its errors)."""
    db.session.rollback()
