"""Fixed reads for hot paths (the gate, every API call's token, the audit head): SELECTs written
with SQLAlchemy against the models, compiled once per dialect, run on the session's own DBAPI
cursor, in its transaction.

Why beside the ORM: a decision reads about ten small indexed rows. Through ``Session.execute``
each costs SQLAlchemy's per-statement work (cache key, execution context, result set-up),
several times the query itself; measured on the gate, this path is worth about 2.7x in POST
``/api/v1/requests`` throughput over the plain ORM version, and a Core-statement version still
reaches only 0.53-0.69x of it (``benchmarks/bench_gate.py``). It is the one place where a second
mechanism beside SQLAlchemy was measured to be worth its code, so it is kept small:

- a ``Query`` gives back named rows (fields named after the selected columns or their labels),
  each value converted as its column's type says (JSON decoded, UTC times aware, booleans);
- a ``SessionCursor`` is the session's DBAPI cursor, kept for the rest of its transaction.

``persistent`` turns a row read this way into the session's object for it, as an ORM load
would.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import JSON, Boolean, CompoundSelect, Select
from sqlalchemy.orm import make_transient_to_detached, scoped_session
from sqlalchemy.orm.util import identity_key

from registry.core.clock import as_utc
from registry.core.db import DbSession, UTCDateTime

T = TypeVar("T")
_KEPT = "registry.reads.cursor"

TRACE: list[tuple[str, Any]] | None = None
"""When a list, every statement run here is appended to it (the benchmark's raw floor)."""


@lru_cache(maxsize=65536)
def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def utc(value: Any) -> datetime:
    """SQLite keeps naive UTC text (parsed once per distinct value); others give datetimes."""
    return _parse_time(value) if isinstance(value, str) else as_utc(value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How to read a value of this column type from the driver (None: as it comes)."""
    if isinstance(column_type, UTCDateTime):
        return utc
    if isinstance(column_type, JSON):
        return _json
    if isinstance(column_type, Boolean):
        return bool
    return None


class Query:
    """A fixed SELECT (scalar bind parameters only), compiled once per dialect by SQLAlchemy.

    ``run`` gives its rows as named tuples; NULL stays None. Selected names must be unique
    (label a column when two tables share a name).

    ``cached_plan=False``: PostgreSQL plans the statement at every call instead of keeping the
    plan of a prepared statement (psycopg prepares a statement run five times on a connection),
    for a statement whose best plan changes as its tables grow from empty (a plan is only made
    again once the table is analysed)."""

    def __init__(
        self, stmt: Select[Any] | CompoundSelect[Any], *, cached_plan: bool = True
    ) -> None:
        self.stmt = stmt
        self.cached_plan = cached_plan
        columns = list(stmt.selected_columns)
        self.row: Any = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
        self.convert = tuple(
            (i, fn) for i, c in enumerate(columns) if (fn := _converter(c.type)) is not None
        )
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def _compile(self, dialect: Any) -> tuple[str, tuple[str, ...] | None]:
        compiled = self.stmt.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._compiled[dialect.name] = (compiled.string, order)
        return self._compiled[dialect.name]

    def run(self, cursor: Any, dialect: Any, **params: Any) -> list[Any]:
        """The rows, on a DBAPI ``cursor`` of a connection of ``dialect``."""
        sql, order = self._compiled.get(dialect.name) or self._compile(dialect)
        args: Any = [params[name] for name in order] if order is not None else params
        if TRACE is not None:
            TRACE.append((sql, args))
        if self.cached_plan or dialect.name != "postgresql":
            cursor.execute(sql, args)
        else:
            cursor.execute(sql, args, prepare=False)
        fetched = cursor.fetchall()
        make, convert = self.row._make, self.convert
        if not convert:
            return [make(got) for got in fetched]
        out = []
        for got in fetched:
            values = list(got)
            for i, fn in convert:
                if values[i] is not None:
                    values[i] = fn(values[i])
            out.append(make(values))
        return out


class SessionCursor:
    """A DBAPI cursor on the session's connection, in its transaction (pending ORM changes are
    flushed first).

    The DBAPI connection is remembered for the rest of the session's transaction, so that each
    ``SessionCursor`` costs a dictionary look-up rather than SQLAlchemy's work of finding the
    session's connection again. The cursor itself is this object's own, short-lived: it is
    released with it, in the thread that holds the connection (a cursor kept past the
    transaction could be released later, while another thread uses the pooled connection).
    """

    def __init__(self, session: DbSession) -> None:
        real = session.registry() if isinstance(session, scoped_session) else session
        if real.new or real.deleted or real.identity_map.check_modified():
            real.flush()
        kept = real.info.get(_KEPT)
        if kept is not None and kept[0] is real.get_transaction():
            self.dialect, self.cursor = kept[1], kept[2].cursor()
            return
        connection = real.connection()
        self.dialect = connection.dialect
        raw = connection.connection
        real.info[_KEPT] = (real.get_transaction(), self.dialect, raw)
        self.cursor = raw.cursor()

    def rows(self, query: Query, **params: Any) -> list[Any]:
        return query.run(self.cursor, self.dialect, **params)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes whose results are not read, sent to PostgreSQL together (psycopg's pipeline
        mode): the server still runs them one after the other, and an error is raised at the
        end of the block at the latest. Four small INSERTs took 860 us one by one here and 300 us
        together; for two statements the pipeline's own synchronisation gains nothing. SQLite
        (no network) runs them as they come."""
        if self.dialect.name != "postgresql":
            yield
            return
        with self.cursor.connection.pipeline():
            yield


def persistent(session: DbSession, cls: type[T], values: dict[str, Any]) -> T:
    """The session's object for the row ``values`` (every column, by attribute name), without a
    query: the one already in the session if there is one (as an ORM load would return it),
    else a new one joined to the session as the persistent row it is."""
    found = session.identity_map.get(identity_key(cls, values["id"]))
    if found is not None:
        return found
    obj = cls(**values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
