"""The one JWS signer: a compact JWS (EdDSA, ``kid``) over the canonical JSON of a payload.

A ``Signer`` holds one Ed25519 key and is picklable, so bulk-import workers carry one and sign
each consent's receipt as they build its row. ``sign`` uses the app's current key. The header
is fixed per key (encoded once); the signature is Ed25519 over ``base64url(header) .
base64url(payload)`` exactly as RFC 7515 and RFC 8037 define it, and ``verify.verify_receipt``
checks it with joserfc, an independent implementation.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.appctx import signing_keys
from registry.core.hashing import canonical_json
from registry.core.keys import JWS_ALG, SigningKeys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    """Signs payloads with one Ed25519 key."""

    def __init__(self, kid: str, private_raw: bytes) -> None:
        self.kid = kid
        self.private_raw = private_raw
        self._key = Ed25519PrivateKey.from_private_bytes(private_raw)
        header = canonical_json({"alg": JWS_ALG, "kid": kid, "typ": "JWT"})
        self._header = b64url(header)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Signer, (self.kid, self.private_raw))

    def __call__(self, payload: dict[str, Any]) -> str:
        return self.encoded(canonical_json(payload))

    def encoded(self, payload: bytes) -> str:
        """The JWS over a payload already in canonical JSON (when the caller hashes it too)."""
        signing_input = f"{self._header}.{b64url(payload)}"
        return f"{signing_input}.{b64url(self._key.sign(signing_input.encode('ascii')))}"


_SIGNERS: dict[str, Signer] = {}  # by kid: a kid names one key for good


def current(keys: SigningKeys | None = None) -> Signer:
    """A signer with the current key of ``keys`` (default: the app's key ring)."""
    keys = keys if keys is not None else signing_keys()
    found = _SIGNERS.get(keys.current_kid)
    if found is None:
        raw = keys.private[keys.current_kid].private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        found = _SIGNERS[keys.current_kid] = Signer(keys.current_kid, raw)
    return found


def sign(payload: dict[str, Any]) -> str:
    """A receipt: the payload signed with the app's current key (``typ`` says what it is)."""
    return current()(payload)
