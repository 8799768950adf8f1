"""Schemas shared by every feature: pagination in, the page envelope out, a SHA-256 field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from registry.extensions import db

MAX_PER_PAGE = 500
T = TypeVar("T")
SHA256 = validate.Regexp(r"^[0-9a-fA-F]{64}$", error="Must be 64 hexadecimal characters (SHA-256).")


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
