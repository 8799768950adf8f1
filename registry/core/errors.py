"""Errors that services raise; the web layer turns each into the one JSON error body."""

from __future__ import annotations


class ServiceError(Exception):
    """Base for refusals a caller can act on. ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(ServiceError):
    """Unknown, or not the caller's to see: the two are indistinguishable by design."""

    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422
