"""Fast reads for hot paths (the gate, every API call's token): fixed SELECTs, compiled once
per dialect.

A ``Query`` is written with SQLAlchemy against the models (no dialect-specific SQL) and run on
the session's own DBAPI connection, in its transaction, by a ``Reader``. The ORM's
per-statement work (cache keys, result set-up) costs several times more than these small
indexed look-ups themselves; this way each costs little more than the raw query
(``benchmarks/bench_gate.py`` measures it). ``persistent`` turns a row read this way into the
session's object for it, as an ORM load would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import make_transient_to_detached, scoped_session
from sqlalchemy.orm.util import identity_key

from registry.core.clock import as_utc
from registry.core.db import DbSession

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


@lru_cache(maxsize=4096)
def _parse_set(value: str | bytes) -> frozenset[str]:
    return frozenset(json.loads(value))


def set_of(value: Any) -> frozenset[str]:
    """A JSON array of strings as a frozenset (purposes, media: few distinct values)."""
    return _parse_set(value) if isinstance(value, str | bytes) else frozenset(value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


_CONVERT: dict[str, Callable[[Any], Any] | None] = {
    "s": None,
    "i": None,
    "b": bool,
    "j": _json,
    "f": set_of,
    "d": utc,
}


class Query:
    """A fixed SELECT (scalar bind parameters only), compiled once per dialect by SQLAlchemy and
    run on the session's own DBAPI connection, in its transaction.

    The ORM's per-statement work (cache keys, result set-up) costs far more than these small
    indexed look-ups themselves; here each costs little more than the raw query. ``kinds`` says
    how to read each column: s(tring), i(nt), b(ool), j(son), f (JSON array as a frozenset),
    d(atetime, aware UTC). NULL stays None.
    """

    def __init__(self, stmt: Select[Any], kinds: str) -> None:
        self.stmt = stmt
        self.convert = tuple(
            (i, fn) for i, fn in enumerate(_CONVERT[k] for k in kinds) if fn is not None
        )
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def _compile(self, dialect: Any) -> tuple[str, tuple[str, ...] | None]:
        compiled = self.stmt.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._compiled[dialect.name] = (compiled.string, order)
        return self._compiled[dialect.name]

    def rows(self, cursor: Any, dialect: Any, *, raw: bool = False, **params: Any) -> list[Any]:
        sql, order = self._compiled.get(dialect.name) or self._compile(dialect)
        args: Any = [params[name] for name in order] if order is not None else params
        if TRACE is not None:
            TRACE.append((sql, args))
        cursor.execute(sql, args)
        fetched: list[Any] = cursor.fetchall()
        if raw or not self.convert:
            return fetched
        out = []
        for got in fetched:
            row = list(got)
            for i, fn in self.convert:
                if row[i] is not None:
                    row[i] = fn(row[i])
            out.append(row)
        return out


class Reader:
    """A DBAPI cursor of the session's connection (pending ORM changes flushed first).

    The cursor is kept for the rest of the session's transaction: every ``Reader`` (and fixed
    write) in one transaction shares it, so that each costs a dictionary look-up rather than
    SQLAlchemy's work of finding the session's connection again.
    """

    def __init__(self, session: DbSession) -> None:
        real = session.registry() if isinstance(session, scoped_session) else session
        if real.new or real.deleted or real.identity_map.check_modified():
            real.flush()
        kept = real.info.get(_KEPT)
        if kept is not None and kept[0] is real.get_transaction():
            self.dialect, self.cursor = kept[1], kept[2]
            return
        connection = real.connection()
        self.dialect = connection.dialect
        self.cursor = connection.connection.cursor()
        real.info[_KEPT] = (real.get_transaction(), self.dialect, self.cursor)

    def rows(self, query: Query, **params: Any) -> list[Any]:
        return query.rows(self.cursor, self.dialect, **params)

    def raw(self, query: Query, **params: Any) -> list[Any]:
        """Rows as the driver gives them (no conversion)."""
        return query.rows(self.cursor, self.dialect, raw=True, **params)

    def close(self) -> None:
        """Done reading (the cursor itself stays with the transaction)."""


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
