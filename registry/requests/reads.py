"""Fast reads for the gate's hot path: fixed SELECTs, compiled once per dialect.

A ``Query`` is written with SQLAlchemy against the models (no dialect-specific SQL) and run on
the session's own DBAPI connection, in its transaction, by a ``Reader``. The ORM's
per-statement work (cache keys, result set-up) costs several times more than these small
indexed look-ups themselves; this way each costs little more than the raw query
(``benchmarks/bench_gate.py`` measures it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import scoped_session

from registry.core.clock import as_utc
from registry.core.db import DbSession

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
    """One DBAPI cursor of the session's connection (pending ORM changes flushed first)."""

    def __init__(self, session: DbSession) -> None:
        real = session.registry() if isinstance(session, scoped_session) else session
        if real.new or real.deleted or real.identity_map.check_modified():
            real.flush()
        connection = real.connection()
        self.dialect = connection.dialect
        self.cursor = connection.connection.cursor()

    def rows(self, query: Query, **params: Any) -> list[Any]:
        return query.rows(self.cursor, self.dialect, **params)

    def raw(self, query: Query, **params: Any) -> list[Any]:
        """Rows as the driver gives them (no conversion)."""
        return query.rows(self.cursor, self.dialect, raw=True, **params)

    def close(self) -> None:
        self.cursor.close()
