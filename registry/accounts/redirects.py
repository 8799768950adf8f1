"""Where sign-in may send the browser afterwards: ``next``, only to a page of this site.

``next`` is read as the Location header will carry it: Werkzeug passes a redirect's location
through ``iri_to_uri``, whose URL parsing (Python's ``urlsplit``, as browsers do) drops tabs,
carriage returns and line feeds, so ``/\\t/evil.example`` would leave as ``//evil.example``, a
link to another site; and a CR/LF left in would make the header invalid (a 500). So the value is
normalised that way first, and only then checked: a path (no scheme, no host; one leading
slash), nothing left for a second normalisation to change, and a page this app serves to GET.
Anything else gives None, and the caller sends the browser home.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.urls import iri_to_uri

MAX_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """The location on this site ``target`` names, exactly as it will be sent, or None."""
    if not target or len(target) > MAX_LENGTH:
        return None
    try:
        location = iri_to_uri(target)
        parts = urlsplit(location)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not location.startswith("/"):
        return None
    if location.startswith("//") or "\\" in location or iri_to_uri(location) != location:
        return None
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in location):
        return None
    return location if _served_here(unquote(parts.path)) else None


def _served_here(path: str) -> bool:
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return False
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True  # the same page with a trailing slash
    except HTTPException:
        return False
    return True
