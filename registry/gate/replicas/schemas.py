"""Shapes of digital replicas in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.web.schemas import LINE, PageSchema, PaginationSchema

_ID = validate.Length(min=1, max=40)


class ReplicaInSchema(Schema):
    request_id = fields.String(
        required=True,
        validate=_ID,
        metadata={"description": "an allowed replica.create request whose decision is valid"},
    )
    name = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=300), LINE],
        metadata={
            "description": "how decisions name it; default: the performer's professional name "
            "and the media"
        },
    )


class ReplicaFilterSchema(PaginationSchema):
    production_id = fields.String(validate=_ID)
    performer_id = fields.String(validate=_ID)


class ReplicaConsentSchema(Schema):
    consent_id = fields.String(required=True)
    version = fields.Integer(required=True)


class ReplicaSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    performer_id = fields.String(required=True)
    production_id = fields.String(required=True)
    media = fields.List(fields.String(), required=True)
    request_id = fields.String(required=True)
    decision_id = fields.String(required=True)
    consents = fields.List(fields.Nested(ReplicaConsentSchema), required=True)
    status = fields.String(required=True, validate=validate.OneOf(("active", "suspended")))
    status_reasons = fields.List(fields.String(), required=True)
    created_by = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class ReplicaPageSchema(PageSchema):
    items = fields.List(fields.Nested(ReplicaSchema), required=True)
