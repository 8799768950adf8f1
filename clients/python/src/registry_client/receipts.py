"""Receipts checked offline: a compact JWS (``alg: EdDSA``, Ed25519, ``kid``) verified with
joserfc, the library the registry verifies with, against the registry's published JWK Set
(``/.well-known/jwks.json``, fetched once or read from a saved file).

A receipt whose ``kid`` is not in the set, whose algorithm is not EdDSA, or whose signature does
not verify is refused with ``ReceiptError``; nothing of its payload is returned then.
``check_decision`` and ``check_triage`` also hold a verified payload to the answer it came with
(same decision or triage, same outcome or level), so a pipeline can trust the answer it acts on.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from registry_client.errors import ReceiptError
from registry_client.models import Decision, Triage

ALGORITHM = "EdDSA"

Jwks = Mapping[str, Any]


def load_jwks(path: str | Path) -> dict[str, Any]:
    """A JWK Set saved from ``/.well-known/jwks.json``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReceiptError(f"cannot read the JWK Set {path}: {exc}") from exc
    return checked_jwks(data)


def checked_jwks(data: Any) -> dict[str, Any]:
    """``data`` if it is a JWK Set (``{"keys": [...]}``), else ReceiptError."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ReceiptError('not a JWK Set: expected {"keys": [...]}')
    return data


def header_of(token: str) -> dict[str, Any]:
    """The receipt's protected header, unverified (to pick its key)."""
    try:
        found = jws.extract_compact(token.strip().encode("ascii"))
    except (JoseError, ValueError) as exc:
        raise ReceiptError(f"not a compact JWS: {exc}") from exc
    return dict(found.protected)


def key_ids(jwks: Jwks) -> list[str]:
    return [str(k.get("kid")) for k in jwks.get("keys", []) if isinstance(k, Mapping)]


def verify_receipt(token: str, jwks: Jwks) -> dict[str, Any]:
    """The payload of a receipt signed by a key in ``jwks``; ReceiptError otherwise."""
    token = token.strip()
    header = header_of(token)
    if header.get("alg") != ALGORITHM:
        raise ReceiptError(f"unexpected algorithm {header.get('alg')!r} (receipts use EdDSA)")
    kid = header.get("kid")
    matching = [k for k in jwks.get("keys", []) if isinstance(k, Mapping) and k.get("kid") == kid]
    if not kid or not matching:
        raise ReceiptError(f"unknown key id {kid!r}: not among the published keys")
    jwk = dict(matching[0])
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ReceiptError(f"key {kid!r} is not an Ed25519 key")
    jwk.pop("d", None)  # a public key only, whatever a saved set holds
    try:
        key = OKPKey.import_key(jwk)
        with warnings.catch_warnings():
            # joserfc warns that RFC 9864 deprecates the name "EdDSA"; receipts use it.
            warnings.simplefilter("ignore", SecurityWarning)
            result = jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as exc:
        raise ReceiptError(f"bad signature: {getattr(exc, 'error', None) or exc}") from exc
    try:
        payload = json.loads(result.payload)
    except ValueError as exc:
        raise ReceiptError("the receipt's payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise ReceiptError("the receipt's payload is not a JSON object")
    return payload


def check_decision(payload: Mapping[str, Any], decision: Decision) -> None:
    """ReceiptError unless a verified payload is this decision's receipt, with its outcome."""
    expected = {
        "typ": "decision",
        "decision_id": decision.id,
        "request_id": decision.request_id,
        "outcome": decision.outcome,
    }
    _same(payload, expected, "decision")


def check_triage(payload: Mapping[str, Any], triage: Triage) -> None:
    """ReceiptError unless a verified payload is this triage's receipt, with its level."""
    _same(payload, {"typ": "triage", "triage_id": triage.id, "level": triage.level}, "triage")


def _same(payload: Mapping[str, Any], expected: Mapping[str, Any], what: str) -> None:
    wrong = [
        f"{name} {payload.get(name)!r} (the answer says {value!r})"
        for name, value in expected.items()
        if payload.get(name) != value
    ]
    if wrong:
        raise ReceiptError(f"the receipt is not this {what}'s: " + "; ".join(wrong))
