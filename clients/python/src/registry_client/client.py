"""``RegistryClient``: what a pipeline asks the registry, as typed calls.

- ``ask``: "May I use this?" (``POST /api/v1/requests``), answered with a decision at once;
  ``get_request`` and ``decision``: read a request's current decision again (it can stop being
  valid when a consent it relied on is revoked or expires).
- ``declare``, ``get_declaration`` and ``register_asset``: a GenAI use declaration, its triage
  and the generated files made under it.
- ``check_final_cut``: the final cut's files by SHA-256, in as many calls as it takes (at most
  10,000 files and about 3.5 MB a call).
- ``verify_receipt``, ``verify_decision``, ``verify_triage``: receipts checked offline against
  the published JWK Set (fetched once, or given).

Every POST carries an ``Idempotency-Key`` of its own, kept for its retries (``transport``).
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from registry_client import receipts
from registry_client.errors import ApiError, RegistryError
from registry_client.models import (
    Asset,
    CutReport,
    Decision,
    DeclarationRecord,
    FileCheck,
    GenAIDeclaration,
    Production,
    RequestRecord,
    UseRequest,
)
from registry_client.transport import Reply, Transport

MAX_FILES = 10_000  # the registry takes at most this many files a check
MAX_CHECK_BYTES = 3_500_000  # and refuses a JSON body over 4 MiB
PAGE = 500  # the largest page the registry serves


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def read_token_file(path: str | Path) -> str:
    """The token in a file (its first line), so that it never shows on a command line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").strip().splitlines()
    except OSError as exc:
        raise RegistryError(f"cannot read the token file {path}: {exc.strerror}") from exc
    if not lines or not lines[0].strip():
        raise RegistryError(f"the token file {path} is empty")
    return lines[0].strip()


class RegistryClient:
    """One registry (``base_url``, e.g. ``http://127.0.0.1:5000``) and one API token.

    ``jwks``: a JWK Set to verify receipts against (e.g. ``receipts.load_jwks(file)``), for
    verification with no call to the registry; by default the published set is fetched once
    (and once more when a receipt names a key it does not hold: keys rotate)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        jwks: Mapping[str, Any] | None = None,
    ) -> None:
        self.transport = Transport(
            base_url, token, timeout=timeout, retries=retries, backoff=backoff
        )
        self._jwks = receipts.checked_jwks(dict(jwks)) if jwks is not None else None
        self._jwks_pinned = jwks is not None

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        token: str | None = None,
        *,
        token_file: str | Path | None = None,
        **options: Any,
    ) -> RegistryClient:
        """A client configured by ``REGISTRY_URL`` and ``REGISTRY_TOKEN`` (or
        ``REGISTRY_TOKEN_FILE``), unless given here."""
        url = base_url or os.environ.get("REGISTRY_URL")
        if not url:
            raise RegistryError("no registry URL: set REGISTRY_URL or give --url")
        token_file = token_file or os.environ.get("REGISTRY_TOKEN_FILE") or None
        if token is None and token_file:
            token = read_token_file(token_file)
        if token is None:
            token = os.environ.get("REGISTRY_TOKEN") or None
        return cls(url, token, **options)

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    # -- the raw API, for what has no method here -------------------------------------------

    def get(self, path: str, query: Mapping[str, str | int] | None = None) -> Any:
        """``GET`` a path under the registry (e.g. ``/api/v1/me``): the answer's JSON."""
        return self.transport.call("GET", path, query=query).body

    def post(self, path: str, body: Any, *, idempotency_key: str | None = None) -> Any:
        """``POST`` JSON to a path (one ``Idempotency-Key`` for it and its retries)."""
        return self.transport.call("POST", path, body, idempotency_key=idempotency_key).body

    def me(self) -> dict[str, Any]:
        """Who the token belongs to: ``{id, email, role}``."""
        return dict(self.get("/api/v1/me"))

    # -- productions -------------------------------------------------------------------------

    def productions(self) -> Iterator[Production]:
        """Every production the caller may see (a vfx_lead: those they are a member of)."""
        page = 1
        while True:
            body = self.get("/api/v1/productions", {"page": page, "per_page": PAGE})
            for item in body["items"]:
                yield Production.from_json(item)
            if page * PAGE >= int(body["total"]):
                return
            page += 1

    def production(self, id_or_code: str) -> Production:
        """A production by its id or its code (``NH-01``); ApiError 404 if the caller may not
        see one."""
        try:
            return Production.from_json(self.get(f"/api/v1/productions/{_segment(id_or_code)}"))
        except ApiError as exc:
            if not exc.not_found:
                raise
        for production in self.productions():
            if production.code == id_or_code:
                return production
        raise ApiError(404, "Not Found", f"No production with the id or code {id_or_code!r}.")

    # -- use requests and decisions -----------------------------------------------------------

    def ask(self, request: UseRequest, *, idempotency_key: str | None = None) -> RequestRecord:
        """Ask "May I use this?": the stored request with its decision (a deny is an answer,
        not an error).

        ``idempotency_key``: your own key for this logical request (e.g. the render job's id);
        asking again with it returns the same request instead of a new one, with its decision
        as it stands now."""
        reply = self.transport.call(
            "POST", "/api/v1/requests", request.to_json(), idempotency_key=idempotency_key
        )
        if reply.replayed:  # the stored answer may be old: read the decision as it is now
            current = self.transport.call("GET", f"/api/v1/requests/{_segment(reply.body['id'])}")
            return RequestRecord.from_json(current.body, replayed=True)
        return RequestRecord.from_json(reply.body)

    def get_request(self, request_id: str) -> RequestRecord:
        """A request with its current decision (``valid`` false once it no longer holds)."""
        return RequestRecord.from_json(self.get(f"/api/v1/requests/{_segment(request_id)}"))

    def decision(self, request_id: str) -> Decision:
        """A request's current decision."""
        return self.get_request(request_id).decision

    # -- GenAI use declarations and the final cut --------------------------------------------

    def declare(self, declaration: GenAIDeclaration) -> DeclarationRecord:
        """Declare an intended GenAI use; it is triaged at once (``.triage``)."""
        return DeclarationRecord.from_json(self.post("/api/v1/declarations", declaration.to_json()))

    def get_declaration(self, declaration_id: str) -> DeclarationRecord:
        """A declaration with its current triage (``triage.cleared``: may it proceed)."""
        path = f"/api/v1/declarations/{_segment(declaration_id)}"
        return DeclarationRecord.from_json(self.get(path))

    def register_asset(
        self, declaration_id: str, *, name: str, sha256: str, media_type: str, output: str
    ) -> Asset:
        """Register a generated file by its SHA-256 under its declaration (``output``:
        ``temporary`` or ``final``)."""
        body = {"name": name, "sha256": sha256.lower(), "media_type": media_type, "output": output}
        path = f"/api/v1/declarations/{_segment(declaration_id)}/assets"
        return Asset.from_json(self.post(path, body))

    def check_final_cut(self, production_id: str, files: Iterable[tuple[str, str]]) -> CutReport:
        """Check the final cut's files, ``(name, sha256)`` pairs (``manifest.files_of`` reads
        a folder or a manifest), streamed in calls of at most 10,000 files. ``ok`` is false
        when any file blocks delivery. ValueError when there is no file at all."""
        path = f"/api/v1/productions/{_segment(production_id)}/deliverables/check"
        items: list[FileCheck] = []
        counts = {"cleared": 0, "blocked": 0, "not_generated": 0}
        calls = 0
        for batch in _batches(files):
            reply: Reply = self.transport.call("POST", path, {"files": batch})
            calls += 1
            items.extend(FileCheck.from_json(item) for item in reply.body["items"])
            for status, count in dict(reply.body.get("counts") or {}).items():
                counts[str(status)] = counts.get(str(status), 0) + int(count)
        if calls == 0:
            raise ValueError("no files to check")
        return CutReport(tuple(items), counts, calls)

    # -- receipts ------------------------------------------------------------------------------

    def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        """The registry's published keys (``/.well-known/jwks.json``), fetched once."""
        if self._jwks is None or (refresh and not self._jwks_pinned):
            reply = self.transport.call("GET", "/.well-known/jwks.json", auth=False)
            self._jwks = receipts.checked_jwks(reply.body)
        return self._jwks

    def verify_receipt(self, token: str) -> dict[str, Any]:
        """The payload of a receipt that verifies against the registry's keys (ReceiptError
        otherwise). Offline once the keys are at hand."""
        jwks = self.jwks()
        kid = receipts.header_of(token).get("kid")
        if kid not in receipts.key_ids(jwks) and not self._jwks_pinned:
            jwks = self.jwks(refresh=True)  # a key made after the set was fetched
        return receipts.verify_receipt(token, jwks)

    def verify_decision(self, decision: Decision) -> dict[str, Any]:
        """The verified receipt of ``decision``, held to it (same decision, same outcome)."""
        payload = self.verify_receipt(decision.receipt)
        receipts.check_decision(payload, decision)
        return payload

    def verify_triage(self, declaration: DeclarationRecord) -> dict[str, Any]:
        """The verified receipt of a declaration's triage, held to it (same triage, level)."""
        payload = self.verify_receipt(declaration.triage.receipt)
        receipts.check_triage(payload, declaration.triage)
        return payload


def _batches(files: Iterable[tuple[str, str]]) -> Iterator[list[dict[str, str]]]:
    batch: list[dict[str, str]] = []
    size = 0
    for name, sha256 in files:
        entry = {"name": name, "sha256": sha256.lower()}
        entry_size = len(json.dumps(entry, ensure_ascii=False).encode()) + 1
        if batch and (len(batch) >= MAX_FILES or size + entry_size > MAX_CHECK_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += entry_size
    if batch:
        yield batch
