"""JSON logs: one JSON object a line, with the request id of the request it was written in.

- ``json_formatter()``: python-json-logger (orjson) with ``time`` (UTC, ISO 8601), ``level``,
  ``logger``, ``pid``, ``message``, ``request_id`` (while a request runs: ``request_ids``) and
  whatever ``extra`` fields the caller gave.
- ``JsonLogger``: gunicorn's ``logger_class`` (``gunicorn.conf.py``). Its error log, access log
  and the application's own loggers (``registry.*`` and the rest, through the root logger)
  all write JSON to gunicorn's ``--error-logfile`` / ``--access-logfile``. An access line keeps
  gunicorn's ``access_log_format`` line as its ``message`` and adds the fields one by one
  (method, path, query, status, bytes, duration, client, referrer, user agent, request id),
  each with the existing redaction (``access_log.redact``: no calendar token, no search term).
- ``configure()``: the same JSON lines on stderr for a process that is not gunicorn (the
  scheduler, a CLI command), when ``REGISTRY_LOG_FORMAT=json`` (``registry.app``).

May import: nothing of the registry but ``web``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.glogging import Logger, SafeAtoms
from pythonjsonlogger.orjson import OrjsonFormatter

from registry.web import request_ids
from registry.web.access_log import SECRET_PREFIXES, RedactingLogger, redact

FIELDS = ("levelname", "name", "process", "message")
RENAMED = {"levelname": "level", "name": "logger", "process": "pid"}
_ROOT_HANDLER = "_registry_json"


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to a record that has none (a handler's filter, so that it
    sees every record the handler writes, whichever logger it came from)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            rid = request_ids.current()
            if rid is not None:
                record.request_id = rid
        return True


def json_formatter() -> logging.Formatter:
    return OrjsonFormatter(list(FIELDS), rename_fields=RENAMED, timestamp="time")


def json_handler(handler: logging.Handler) -> logging.Handler:
    """``handler`` writing JSON lines with the request id (returned for chaining)."""
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    return handler


def configure(level: int | str = logging.INFO, stream: Any = None) -> None:
    """JSON lines on ``stream`` (stderr) for the root logger, once; ``registry.*`` at ``level``."""
    root = logging.getLogger()
    if not any(getattr(h, _ROOT_HANDLER, False) for h in root.handlers):
        handler = json_handler(logging.StreamHandler(stream or sys.stderr))
        setattr(handler, _ROOT_HANDLER, True)
        root.addHandler(handler)
    logging.getLogger("registry").setLevel(level)


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class JsonLogger(RedactingLogger):
    """gunicorn's logger writing JSON lines (see the module's docstring)."""

    def _set_handler(self, log: Any, output: Any, fmt: Any, stream: Any = None) -> None:
        super()._set_handler(log, output, fmt, stream)
        for handler in log.handlers:
            if getattr(handler, "_gunicorn", False):
                json_handler(handler)

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # The application's records (``registry.*``, libraries' warnings) reach the root logger:
        # it writes them where gunicorn writes its own errors, as JSON.
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, _ROOT_HANDLER, False):
                root.removeHandler(handler)
        for handler in self.error_log.handlers:
            if getattr(handler, "_gunicorn", False):
                setattr(handler, _ROOT_HANDLER, True)
                root.addHandler(handler)
        logging.getLogger("registry").setLevel(self.loglevel)

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        # gunicorn's own atoms (every header and environ variable), redacted only where read:
        # the fields below and the atoms ``access_log_format`` names (most go unread).
        atoms = Logger.atoms(self, resp, req, environ, request_time)
        fields = {
            "method": atoms["m"],
            "path": _redacted(atoms["U"]),
            "query": _redacted(atoms["q"]) or None,
            "status": _number(atoms["s"]),
            "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 3),
            "client": atoms["h"],
            "referrer": None if atoms["f"] == "-" else _redacted(atoms["f"]),
            "user_agent": None if atoms["a"] == "-" else _redacted(atoms["a"]),
            "request_id": atoms.get("{x-request-id}o"),
        }
        try:
            self.access_log.info(self.cfg.access_log_format, _RedactedAtoms(atoms), extra=fields)
        except Exception:
            self.exception("the access log line could not be written")


def _redacted(value: Any) -> Any:
    """``redact(value)``, skipped where it cannot change anything: both its patterns need a
    secret path (``access_log.SECRET_PREFIXES``: ``/calendar/``, ``/welcome/``,
    ``/reset-password/``) or a ``=`` (as typed, or percent-encoded ``%3D`` at any depth)."""
    if not isinstance(value, str):
        return value
    if "=" in value or "3D" in value or "3d" in value or any(p in value for p in SECRET_PREFIXES):
        return redact(value)
    return value


class _RedactedAtoms(SafeAtoms):
    """gunicorn's atoms for its line (quotes escaped), each redacted as the format reads it."""

    def __getitem__(self, key: str) -> Any:
        return _redacted(super().__getitem__(key))
