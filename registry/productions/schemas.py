"""Shapes of productions and memberships in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.rules.vocabulary import PHASES, PRODUCTION_KINDS
from registry.web.schemas import LINE, PageSchema


class ProductionInSchema(Schema):
    title = fields.String(required=True, validate=[validate.Length(min=1, max=300), LINE])
    code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=64), validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")],
    )
    kind = fields.String(load_default="production", validate=validate.OneOf(PRODUCTION_KINDS))
    phase = fields.String(load_default="development", validate=validate.OneOf(PHASES))
    webhook_url = fields.Url(
        load_default=None, allow_none=True, schemes={"http", "https"}, require_tld=False
    )


class ProductionSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    phase = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ProductionPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProductionSchema), required=True)


class MemberInSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class MemberSchema(Schema):
    production_id = fields.String(required=True)
    user_id = fields.String(required=True)
    email = fields.String()
    role = fields.String()
    created_at = fields.DateTime(required=True)


class MemberListSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema), required=True)
