"""Request ids: every request gets one, taken from its ``X-Request-Id`` header when that is a
well-formed id (a proxy or a client's own trace id) or else generated, and every answer echoes
it in ``X-Request-Id``. While the request runs it is ``current()``: every log line of the
request carries it (``registry.web.logs``) and so does every audit event it appends
(``registry.audit.services``; never hashed: it says where to look, it is not evidence).

A well-formed id is 1 to 128 characters of letters, digits and ``. _ : -`` (a UUID, a W3C trace
id, nginx's ``$request_id``); anything else is replaced, never refused: a request id is for
finding log lines, not a reason to fail a request.

May import: nothing of the registry.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar, Token

from flask import Flask, Response, g, request

HEADER = "X-Request-Id"
MAX_LENGTH = 128
_WELL_FORMED = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}")
_CURRENT: ContextVar[str | None] = ContextVar("registry_request_id", default=None)
_TOKEN = "registry_request_id_token"


def current() -> str | None:
    """The id of the request being served in this context, None outside a request."""
    return _CURRENT.get()


def accepted(offered: str | None) -> str:
    """``offered`` if it is a well-formed id, else a new one (32 hex digits)."""
    if offered is not None and _WELL_FORMED.fullmatch(offered):
        return offered
    return os.urandom(16).hex()


def _begin() -> None:
    # A request served inside an app context pushed by a test shares its ``g``: a token left by
    # an earlier request there is replaced, as its context var was reset at its teardown.
    setattr(g, _TOKEN, _CURRENT.set(accepted(request.headers.get(HEADER))))


def _echo(response: Response) -> Response:
    rid = _CURRENT.get()
    if rid is not None:
        response.headers[HEADER] = rid
    return response


def _end(_exc: BaseException | None) -> None:
    token: Token[str | None] | None = g.pop(_TOKEN, None)
    if token is not None:
        try:
            _CURRENT.reset(token)
        except ValueError:  # set in another context (a streamed answer's teardown): clear it
            _CURRENT.set(None)


def init_app(app: Flask) -> None:
    """Before every other hook (a request refused by one still gets and echoes its id)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_echo)
    app.teardown_request(_end)
