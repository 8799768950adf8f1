"""What can go wrong, as types a pipeline can catch.

``RegistryError`` is the base of all of them. ``ApiError`` is the registry's own refusal,
carrying its one error body ``{"code", "status", "message", "errors"?}``; ``Unreachable`` means
no answer came back at all (after the retries); ``ReceiptError`` is a receipt that does not
verify; ``ManifestError`` a bad line in a ``sha256sum`` manifest.
"""

from __future__ import annotations

from collections.abc import Mapping


class RegistryError(Exception):
    """Anything this client raises on purpose."""


class ApiError(RegistryError):
    """The registry answered with an error (4xx or 5xx).

    ``code`` is the HTTP status code, ``status`` its phrase, ``message`` the registry's sentence
    and ``errors`` the invalid fields, each with its messages (on 422, sometimes on 409)."""

    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        errors: Mapping[str, list[str]] | None = None,
        *,
        method: str = "",
        url: str = "",
    ) -> None:
        self.code = code
        self.status = status
        self.message = message
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        self.method = method
        self.url = url
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.code} {self.status}: {self.message}"
        for name, messages in sorted(self.errors.items()):
            text += f"\n  {name}: {' '.join(messages)}"
        return text

    @property
    def not_found(self) -> bool:
        """404: unknown, or not yours to see (the registry does not say which)."""
        return self.code == 404

    @property
    def conflict(self) -> bool:
        """409: refused by the object's current state."""
        return self.code == 409


class Unreachable(RegistryError):
    """No answer from the registry: refused connection, reset, timeout (after the retries)."""


class ReceiptError(RegistryError, ValueError):
    """A receipt that does not verify: malformed, unknown key id, wrong algorithm, bad
    signature, or saying something else than the answer it came with."""


class ManifestError(RegistryError, ValueError):
    """A line of a manifest that is not ``<sha256>  <name>`` (or a bare SHA-256)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
