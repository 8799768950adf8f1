"""Input refused before any view runs: JSON bodies too deep or too large, and text containing
NUL characters.

A JSON body nested deeper than ``MAX_JSON_DEPTH`` (Python's parser would recurse until it
fails) or larger than ``MAX_JSON_BYTES`` is refused (400, 413) before it is parsed. PostgreSQL
text cannot hold U+0000, SQLite would store it, and no legitimate field needs it, so a NUL
anywhere in the path, the query, a form or a JSON body is a 400 on either database.

May import: ``core``, ``extensions``, ``appctx``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 4 * 1024 * 1024  # 10,000 files to check come to about 1.2 MB
_SIGNIFICANT = re.compile(rb'[\[\]{}"\\]')


def json_depth(data: bytes, limit: int) -> int:
    """How deep ``data`` nests (arrays and objects, strings skipped); stops past ``limit``."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1  # the position a backslash in a string escapes
    for found in _SIGNIFICANT.finditer(data):
        at, char = found.start(), found.group()
        if in_string:
            if at == escaped_at:
                continue
            if char == b"\\":
                escaped_at = at + 1
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif char in (b"]", b"}"):
            depth -= 1
    return deepest


def refuse_unbounded_json() -> None:
    """``before_request`` for the whole app: a JSON body too large or too deep never reaches
    the parser."""
    if request.mimetype != "application/json":
        return
    length = request.content_length
    if length is not None and length > MAX_JSON_BYTES:
        abort(413, description=f"A JSON body may hold at most {MAX_JSON_BYTES} bytes.")
    data = request.get_data(cache=True)
    if len(data) > MAX_JSON_BYTES:
        abort(413, description=f"A JSON body may hold at most {MAX_JSON_BYTES} bytes.")
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return  # it cannot nest deeper than it has brackets: no need to scan it
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        abort(400, description=f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _json_has_nul() -> bool:
    data = request.get_data(cache=True)
    if b"\x00" not in data and b"\\u0000" not in data:
        return False  # JSON text carries a NUL only as the escape \u0000 (or raw, in UTF-16/32)
    return _has_nul(request.get_json(silent=True))


def refuse_nul_characters() -> None:
    """``before_request`` for the whole app."""
    found = (
        "\x00" in request.path
        or any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True))
        or (request.mimetype == "application/json" and _json_has_nul())
        or (
            request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
            and any(_has_nul(k) or _has_nul(v) for k, v in request.form.items(multi=True))
        )
    )
    if found:
        abort(400, description="Text may not contain NUL (U+0000) characters.")
