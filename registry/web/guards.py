"""Input refused before any view runs: text containing NUL characters.

PostgreSQL text cannot hold U+0000, SQLite would store it, and no legitimate field needs it, so
a NUL anywhere in the path, the query, a form or a JSON body is a 400 on either database.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    """``before_request`` for the whole app."""
    found = (
        "\x00" in request.path
        or any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True))
        or (request.mimetype == "application/json" and _has_nul(request.get_json(silent=True)))
        or (
            request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
            and any(_has_nul(k) or _has_nul(v) for k, v in request.form.items(multi=True))
        )
    )
    if found:
        abort(400, description="Text may not contain NUL (U+0000) characters.")
