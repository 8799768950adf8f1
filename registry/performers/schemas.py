"""Shapes of performers in the API. Personal fields appear only for callers allowed them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from registry.web.schemas import LINE, PageSchema, PaginationSchema

PHONE = validate.Regexp(r"^\+?[0-9][0-9 ()./-]{2,38}$", error="Not a valid phone number.")


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    return data


class PerformerInSchema(Schema):
    legal_name = fields.String(required=True, validate=[validate.Length(min=1, max=300), LINE])
    professional_name = fields.String(
        required=True, validate=[validate.Length(min=1, max=300), LINE]
    )
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    guild = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=100), LINE],
        metadata={"description": "guild name, e.g. SAG-AFTRA; null or omitted for none"},
    )
    deceased = fields.Boolean(load_default=False)

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        return _strip(data)


class PerformerUpdateSchema(Schema):
    legal_name = fields.String(validate=[validate.Length(min=1, max=300), LINE])
    professional_name = fields.String(validate=[validate.Length(min=1, max=300), LINE])
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=PHONE)
    guild = fields.String(allow_none=True, validate=[validate.Length(min=1, max=100), LINE])
    deceased = fields.Boolean()

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        return _strip(data)


class RepresentativeSchema(Schema):
    user_id = fields.String(required=True)
    email = fields.String()
    name = fields.String()


class PerformerSchema(Schema):
    id = fields.String(required=True)
    professional_name = fields.String(required=True)
    guild = fields.String(allow_none=True)
    deceased = fields.Boolean(required=True)
    erased = fields.Boolean(required=True)
    erased_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    # Only for admin and the performer's own representatives (omitted for everyone else):
    legal_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    representatives = fields.List(fields.Nested(RepresentativeSchema))


class PerformerPageSchema(PageSchema):
    items = fields.List(fields.Nested(PerformerSchema), required=True)


class PerformerQuerySchema(PaginationSchema):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "part of the professional name (and, for reps, legal name)"},
    )


class RepresentativeInSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class RepresentativeOutSchema(Schema):
    performer_id = fields.String(required=True)
    user_id = fields.String(required=True)
    created_at = fields.DateTime(required=True)
