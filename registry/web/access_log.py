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

# a calendar feed, an invitation and a password reset link (``registry.accounts.invitations``)
SECRET_PREFIXES = ("/calendar/", "/welcome/", "/reset-password/")
SECRET_PATHS = re.compile(f"({'|'.join(map(re.escape, SECRET_PREFIXES))})" + r"[^/?#\s]+")
# ``q=`` with its separator, key and ``=`` each as typed or percent-encoded at any depth (the
# sign-in page's ``next`` carries the search URL encoded once, fully or in part; ``%71`` is a
# ``q`` that werkzeug decodes). The value is redacted up to the next literal ``&``: in a
# nested URL that takes the rest of the outer parameter with it, so nothing of the term leaks.
_SEARCH = re.compile(
    r"((?:^|[?&]|%(?:25)*(?:3F|26))(?:q|%(?:25)*71)(?:=|%(?:25)*3D))[^&#\s]*",
    re.IGNORECASE,
)


def redact(value: str) -> str:
    return _SEARCH.sub(r"\1[redacted]", SECRET_PATHS.sub(r"\1[redacted]", value))


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}
