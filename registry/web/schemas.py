"""Schemas shared by every feature: pagination in, the page envelope out, the one error body
(``ErrorSchema``), a SHA-256 field, and the bounds every input field keeps: dates within
1900-2200 (``Moment``), single-line text without control characters (``LINE``: a CR/LF in a
production's title would break every e-mail header it reaches), longer text without control
characters but line breaks and tabs (``TEXT``; NUL included: PostgreSQL cannot store it,
SQLite would)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select

from registry.core.clock import EARLIEST, LATEST
from registry.extensions import db

MAX_PER_PAGE = 500
T = TypeVar("T")
SHA256 = validate.Regexp(r"^[0-9a-fA-F]{64}$", error="Must be 64 hexadecimal characters (SHA-256).")
LINE = validate.Regexp(
    r"^[^\x00-\x1f\x7f]*$", error="Must be one line, without control characters."
)
TEXT = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
    error="Must not contain control characters (line breaks and tabs are fine).",
)


def _in_range(value: Any) -> bool:
    if value < EARLIEST or value >= LATEST:
        raise ValidationError(f"Must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC).")
    return True


class Moment(fields.AwareDateTime):
    """An aware date and time (ISO 8601 with an offset) between 1900 and 2200."""

    def __init__(self, **kwargs: Any) -> None:
        extra = kwargs.pop("validate", None)
        checks = [_in_range, *([extra] if callable(extra) else list(extra or []))]
        super().__init__(validate=checks, **kwargs)


class PaginationSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int


def paginate(stmt: Select[Any], page: int, per_page: int) -> Page:
    """Run ``stmt`` for one page, with the total count of the unpaged query."""
    total = db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    items = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars())
    return Page(items, page, per_page, int(total))


class ErrorSchema(Schema):
    """The one error body of the API (``registry.web.errors.error_response``)."""

    code = fields.Integer(
        required=True, metadata={"description": "The HTTP status", "example": 404}
    )
    status = fields.String(
        required=True, metadata={"description": "The status's phrase", "example": "Not Found"}
    )
    message = fields.String(
        required=True,
        metadata={"description": "What went wrong, for a person", "example": "No such consent."},
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Messages by field (dotted paths into the body); only on 422 and "
            "on refusals that name fields",
            "example": {"expires_at": ["Must be after signed_at."]},
        },
    )
