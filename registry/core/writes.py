"""Fixed writes for hot paths: an INSERT or UPDATE compiled once per dialect by SQLAlchemy and
sent straight to a ``SessionCursor`` (the session's own connection, in its transaction).

Through ``Connection.execute`` each small write of a decision costs more in SQLAlchemy's per-call
work (cache key, execution context, parameter set-up) than in the database. Here the parameters
are still converted by the column types' own bind processors (JSON, UTC datetimes), exactly as
SQLAlchemy would, and the statement is appended to ``reads.TRACE`` like every fast read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.sql.dml import UpdateBase

from registry.core import reads
from registry.core.reads import SessionCursor

_Processor = Callable[[Any], Any] | None


class Write:
    """A fixed INSERT or UPDATE whose bind parameters are exactly ``keys`` (every column given:
    no SQL or Python-side defaults are filled in here, so compiling refuses any other)."""

    def __init__(self, stmt: UpdateBase, keys: Iterable[str]) -> None:
        self.stmt = stmt
        self.keys = tuple(keys)
        self._compiled: dict[str, tuple[str, tuple[tuple[str, _Processor], ...], bool]] = {}

    def _compile(self, dialect: Any) -> tuple[str, tuple[tuple[str, _Processor], ...], bool]:
        compiled = self.stmt.compile(dialect=dialect, column_keys=list(self.keys))
        names = [compiled.bind_names[b] for b in compiled.bind_names]
        if set(names) != set(self.keys):
            raise ValueError(f"{self.stmt} binds {sorted(names)}, not {sorted(self.keys)}")
        if compiled.positional:
            names = list(compiled.positiontup or ())
        processors = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        )
        found = (compiled.string, processors, bool(compiled.positional))
        self._compiled[dialect.name] = found
        return found

    def _args(self, dialect: Any, values: Mapping[str, Any]) -> Any:
        _, processors, positional = self._compiled.get(dialect.name) or self._compile(dialect)
        converted = [
            (name, values[name] if fn is None else fn(values[name])) for name, fn in processors
        ]
        return [v for _, v in converted] if positional else dict(converted)

    def run(self, cursor: SessionCursor, values: Mapping[str, Any]) -> None:
        args = self._args(cursor.dialect, values)
        sql = self._compiled[cursor.dialect.name][0]
        if reads.TRACE is not None:
            reads.TRACE.append((sql, args))
        cursor.cursor.execute(sql, args)

    def run_many(self, cursor: SessionCursor, rows: Sequence[Mapping[str, Any]]) -> None:
        args = [self._args(cursor.dialect, values) for values in rows]
        sql = self._compiled[cursor.dialect.name][0]
        if reads.TRACE is not None:
            reads.TRACE.append((sql, args))
        cursor.cursor.executemany(sql, args)
