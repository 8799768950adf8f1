"""The one verifier: a compact JWS checked against a JWK Set with joserfc, and what a receipt
says in words (``flask --app wsgi receipts verify`` prints both)."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from registry.appctx import signing_keys
from registry.core.keys import JWS_ALG


def verify_jws(token: str, jwks: dict[str, Any]) -> bytes:
    """Verify a compact JWS against a JWK Set; returns the payload or raises ValueError."""
    try:
        header_b64 = token.split(".", 1)[0]
        padded = header_b64 + "=" * (-len(header_b64) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, IndexError) as exc:
        raise ValueError("not a compact JWS") from exc
    if not isinstance(header, dict):
        raise ValueError("not a compact JWS")
    if header.get("alg") != JWS_ALG:
        raise ValueError(f"unexpected algorithm {header.get('alg')!r}")
    matching = [k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")]
    if not matching:
        raise ValueError(f"unknown key id {header.get('kid')!r}")
    key = OKPKey.import_key(matching[0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            result = jws.deserialize_compact(token, key, algorithms=[JWS_ALG])
    except JoseError as exc:
        raise ValueError(f"bad signature: {exc.error}") from exc
    return bytes(result.payload)


def verify_receipt(token: str, jwks: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload of a valid receipt; ValueError when the signature or format is wrong.
    ``jwks``: the published keys (default: this registry's)."""
    keys = jwks if jwks is not None else signing_keys().jwks()
    payload = json.loads(verify_jws(token.strip(), keys))
    if not isinstance(payload, dict):
        raise ValueError("receipt payload is not an object")
    return payload


def _facts_in_words(facts: dict[str, Any]) -> str:
    said = [name.replace("_", " ") for name, value in sorted(facts.items()) if value is True]
    for change in facts.get("changes") or ():
        said.append(f"change {change}")
    for source in facts.get("training_sources") or ():
        said.append(f"training source {source.get('description')} ({source.get('clearance')})")
    return ", ".join(said) or "none given (every fact false or empty)"


def _named(name: Any, oid: Any) -> str:
    return f"{name} [{oid}]" if name else f"[{oid}]"


def _triage_in_words(payload: dict[str, Any]) -> list[str]:
    terms = payload.get("terms") or {}
    tools = [
        f"{t.get('name')} [{t.get('id')}] (terms v{t.get('terms_version')}: stores "
        f"{t.get('stores_inputs')}, trains {t.get('trains_on_inputs')}, enterprise agreement "
        f"{t.get('enterprise_agreement')})"
        for t in terms.get("tools") or ()
    ]
    pipeline = terms.get("pipeline")
    if pipeline:
        tools.append(f"pipeline {pipeline.get('name')} [{pipeline.get('id')}]")
    counted = payload.get("principles_counted") or {}
    return [
        f"Triage {payload['triage_id']} (number {payload['sequence']}) of declaration "
        f"{payload['declaration_id']}, version {payload['version']} "
        f'"{payload.get("title", "")}".',
        f"Production {_named(payload.get('production_code'), payload['production_id'])}; "
        f"category {payload['category']}, {payload['output']} output.",
        "Facts as judged: " + _facts_in_words(payload.get("facts") or {}) + ".",
        "Principles as counted: " + ", ".join(f"{p} {a}" for p, a in sorted(counted.items())) + ".",
        "Tools as reviewed: " + ("; ".join(tools) or "none") + ".",
        f"Level: {payload['level']}, by rules {', '.join(payload.get('rules') or [])} under "
        f"ruleset {payload['ruleset_version']}; needed: "
        + ("; ".join(payload.get("needed") or []) or "nothing")
        + f". Triaged at {payload['decided_at']}.",
    ]


def in_words(payload: dict[str, Any]) -> list[str]:
    """What a receipt commits to, in sentences (decision and triage receipts in full; others
    briefly)."""
    if payload.get("typ") == "triage":
        return _triage_in_words(payload)
    if payload.get("typ") != "decision":
        kind = payload.get("typ", "receipt")
        return [f"A {kind} receipt; its fields follow."]
    out = [
        f"Decision {payload['decision_id']} (number {payload['sequence']}) on request "
        f"{payload['request_id']}: {payload['kind']}.",
        f"Asked for production {_named(payload.get('production_code'), payload['production_id'])}"
        + (
            f", performer {_named(payload.get('performer_name'), payload['performer_id'])}"
            if payload.get("performer_id")
            else ""
        )
        + (
            f", model {_named(payload.get('model_name'), payload['model_id'])}"
            if payload.get("model_id")
            else ""
        )
        + (
            f", replica {_named(payload.get('replica_name'), payload['replica_id'])}"
            if payload.get("replica_id")
            else ""
        )
        + f"; media {', '.join(payload.get('media') or []) or '(none given)'}.",
        "Facts as judged: " + _facts_in_words(payload.get("facts") or {}) + ".",
        f"Outcome: {payload['outcome']}"
        + (f", on {str(payload['basis']).replace('_', ' ')}" if payload.get("basis") else "")
        + f", by rules {', '.join(payload.get('rules') or [])} under ruleset "
        f"{payload['ruleset_version']}.",
        f"Decided at {payload['decided_at']}; "
        + (f"valid until {payload['valid_until']}" if payload.get("valid_until") else "no end date")
        + ".",
    ]
    if payload.get("consent_ids"):
        out.append(f"Consents relied on: {', '.join(payload['consent_ids'])}.")
    if payload.get("approval_ids"):
        out.append(f"Written approvals: {', '.join(payload['approval_ids'])}.")
    return out
