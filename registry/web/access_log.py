"""gunicorn's access log without secrets in URLs (``logger_class`` in ``gunicorn.conf.py``).

A calendar feed is addressed by its private token (``/calendar/<token>.ics``): whoever reads an
access log line with it could subscribe to that user's consent expiries. Every logged value
(request line, path, referrer, headers) has such tokens replaced by ``[redacted]``.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"(/calendar/)[^/?#\s]+")


def redact(value: str) -> str:
    return SECRET_PATHS.sub(r"\1[redacted]", value)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}
