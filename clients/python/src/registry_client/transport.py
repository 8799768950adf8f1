"""HTTP with the standard library (``urllib.request``): JSON in and out, the bearer token,
``Idempotency-Key`` on every POST, retries after a lost connection, and the registry's error
body turned into ``ApiError``.

Retries: a GET, and a POST carrying its ``Idempotency-Key``, are sent again (after a short,
growing pause) when no answer came back (connection refused or reset, timeout, a cut answer),
when a proxy in front of the registry answers 502, 503 or 504, and, for a POST, when the
registry says the first attempt with that key is still running (409). The key is the same on
every attempt, so the registry writes once and answers a retry with the stored answer
(``Idempotency-Replayed: true``). Redirects are never followed: a redirect to another host
would carry the token along.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from typing import Any

from registry_client._version import __version__
from registry_client.errors import ApiError, RegistryError, Unreachable

API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({502, 503, 504})
_IDEMPOTENCY_BUSY = "Idempotency-Key"


def normalise_base_url(url: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash or ``/api/v1``."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)].rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the registry URL must be http(s)://host[:port], not {url!r}")
    return url


def new_idempotency_key() -> str:
    """A fresh key for one logical call (kept for its retries)."""
    return f"registry-client-{uuid.uuid4()}"


@dataclass(frozen=True)
class Reply:
    """A successful answer: its status, headers and parsed JSON body."""

    status: int
    headers: Message
    body: Any

    @property
    def replayed(self) -> bool:
        """The registry answered with the answer it stored for this ``Idempotency-Key``."""
        return self.headers.get("Idempotency-Replayed", "").lower() == "true"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        raise RegistryError(
            f"the registry redirected {req.get_method()} {req.full_url} to {newurl} ({code}); "
            "set the registry URL to where it is served"
        )


class Transport:
    """One registry, one token: sends JSON requests and reads JSON answers."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self.base_url = normalise_base_url(base_url)
        self.token = token.strip() if token else None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._opener = urllib.request.build_opener(_NoRedirects())

    def url(self, path: str, query: Mapping[str, str | int] | None = None) -> str:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return url

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, str | int] | None = None,
        idempotency_key: str | None = None,
        auth: bool = True,
    ) -> Reply:
        """Send one logical call (retried as the module says); its answer, or raise."""
        method = method.upper()
        if method == "POST" and idempotency_key is None:
            idempotency_key = new_idempotency_key()
        headers = {"Accept": "application/json", "User-Agent": f"registry-client/{__version__}"}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            if not self.token:
                raise RegistryError("no API token: set REGISTRY_TOKEN or give a token file")
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        url = self.url(path, query)
        retriable = method == "GET" or idempotency_key is not None
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                return self._send(request)
            except ApiError as exc:
                busy = exc.code == 409 and _IDEMPOTENCY_BUSY in exc.message
                if not retriable or attempt >= self.retries:
                    raise
                if exc.code not in RETRY_STATUSES and not (busy and idempotency_key):
                    raise
            except (OSError, http.client.HTTPException) as exc:
                if not retriable or attempt >= self.retries:
                    raise Unreachable(
                        f"{method} {url}: no answer from the registry "
                        f"after {attempt + 1} attempt(s): {_reason(exc)}"
                    ) from exc
            time.sleep(self.backoff * (2**attempt))
            attempt += 1

    def _send(self, request: urllib.request.Request) -> Reply:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
                status, headers = int(response.status), response.headers
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            exc.close()
            raise _api_error(exc.code, raw, request) from None
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:
            raise RegistryError(
                f"{request.get_method()} {request.full_url}: the answer is not JSON"
            ) from exc
        return Reply(status, headers, body)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _api_error(code: int, raw: bytes, request: urllib.request.Request) -> ApiError:
    """The registry's error body ``{"code", "status", "message", "errors"?}`` as an ApiError
    (a proxy's non-JSON page still gives the status and its phrase)."""
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    message, errors = phrase, None
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = str(body.get("message") or phrase)
        phrase = str(body.get("status") or phrase)
        found = body.get("errors")
        if isinstance(found, dict):
            errors = {
                str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
                for k, v in found.items()
            }
    return ApiError(
        code, phrase, message, errors, method=request.get_method(), url=request.full_url
    )
