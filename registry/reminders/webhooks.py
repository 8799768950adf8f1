"""Webhooks: a signed JSON POST to a production's URL (standard library only).

Signed as Standard Webhooks (standardwebhooks.com) define it, so that receivers verify with
off-the-shelf code: ``webhook-id`` (the delivery id: the same on every retry, for the receiver
to dedupe), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64>``, the
HMAC-SHA256 of ``"{id}.{timestamp}.{body}"`` under the secret's key (the base64 after
``whsec_``). For one release the registry's own headers stay beside them:
``X-Registry-Timestamp``, ``X-Registry-Signature: sha256=<hex>`` (HMAC-SHA256 under the whole
secret of ``"{timestamp}.{body}"``) and ``X-Registry-Delivery``.
A 2xx answer is success; anything else, or no answer within the timeout, is a failure to retry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 10.0


class WebhookFailed(RuntimeError):
    """The receiver did not accept the delivery."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer we do not follow (it would turn the POST into a GET)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def standard_key(secret: str) -> bytes:
    """The signing key of a ``whsec_`` secret, decoded as Standard Webhooks libraries decode it."""
    encoded = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def standard_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does: compare in constant time (and reject stale timestamps itself)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def post(
    url: str,
    secret: str,
    payload: dict[str, Any],
    *,
    delivery_id: str,
    timestamp: int,
    timeout: float = TIMEOUT_SECONDS,
) -> int:
    """POST the payload; returns the status code, raises WebhookFailed unless 2xx."""
    if not url.lower().startswith(("http://", "https://")):
        raise WebhookFailed("the webhook URL must be http:// or https://")
    body = encode(payload)
    stamp = str(timestamp)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "talent-consent-registry-webhooks/1",
            "webhook-id": delivery_id,
            "webhook-timestamp": stamp,
            "webhook-signature": standard_signature(secret, delivery_id, stamp, body),
            "X-Registry-Timestamp": stamp,
            "X-Registry-Signature": signature(secret, stamp, body),
            "X-Registry-Delivery": delivery_id,
            "X-Registry-Event": str(payload.get("event", "")),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise WebhookFailed(f"HTTP {exc.code} from the webhook") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WebhookFailed(f"webhook not reachable: {exc}") from exc
    if not 200 <= status < 300:
        raise WebhookFailed(f"HTTP {status} from the webhook")
    return status
