"""Shapes of account data in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.accounts.models import Role


class MeSchema(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    name = fields.String()
    token_expires_at = fields.DateTime(
        allow_none=True,
        dump_only=True,
        metadata={"description": "When the API token of this request expires (null: never)"},
    )


class UserInSchema(Schema):
    email = fields.Email(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    name = fields.String(load_default="", validate=validate.Length(max=200))


class UserOutSchema(MeSchema):
    created_at = fields.DateTime()


class UserCreatedSchema(UserOutSchema):
    token = fields.String(metadata={"description": "API token, shown once"})
