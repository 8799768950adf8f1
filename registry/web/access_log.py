"""gunicorn's access log without secrets or personal data in URLs (``logger_class`` in
``gunicorn.conf.py``).

- A calendar feed is addressed by its private token (``/calendar/<token>.ics``): whoever reads
  an access log line with it could subscribe to that user's consent expiries.
- A performer search (``?q=``, pages and API) may be a legal name, which only the performer's
  representatives may see; the log is read by operators.

Every logged value (request line, path, query, referrer, headers) has both replaced by
``[redacted]``, also where a URL carries them percent-encoded (``/login?next=...``).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"(/calendar/)[^/?#\s]+")
# ``q=`` as typed: its value runs to the next ``&``. The key may itself be percent-encoded
# (``%71``: werkzeug decodes it to ``q``).
_SEARCH = re.compile(r"((?:^|[?&])(?:q|%71)=)[^&#\s]*", re.IGNORECASE)
# ``q=`` percent-encoded inside another parameter (the sign-in page's ``next``), at any depth:
# its value runs to the next separator of the same depth (``%26``, ``%2526``, ...) or the end
# of the outer parameter.
_NESTED_SEARCH = re.compile(
    r"(%(?P<d>(?:25)*)(?:3F|26)(?:q|%(?P=d)2571|%(?P=d)71)%(?P=d)3D)(?:(?!%(?P=d)26)[^&#\s])*",
    re.IGNORECASE,
)


def redact(value: str) -> str:
    value = SECRET_PATHS.sub(r"\1[redacted]", value)
    value = _NESTED_SEARCH.sub(r"\1[redacted]", value)
    return _SEARCH.sub(r"\1[redacted]", value)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}
