"""Shapes of written approvals in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.web.schemas import SHA256, TEXT, PageSchema


class ApprovalInSchema(Schema):
    note = fields.String(required=True, validate=[validate.Length(min=1, max=4000), TEXT])
    evidence_sha256 = fields.String(
        required=True, validate=SHA256, metadata={"description": "SHA-256 of the signed approval"}
    )
    clears_sources = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the approval states that the unowned or uncleared training "
            "material was cleared (needed for model.train with such sources, R12)"
        },
    )
    confirms_estate = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the approval confirms the estate's permission (needed on a deceased "
            "performer's request when no estate consent for the use is on record, R15)"
        },
    )
    decision_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "the decision approved; 409 if it is no longer the current"},
    )


class ApprovalSchema(Schema):
    id = fields.String(required=True)
    request_id = fields.String(required=True)
    decision_id = fields.String(required=True)
    note = fields.String(required=True)
    evidence_sha256 = fields.String(required=True)
    clears_sources = fields.Boolean(required=True)
    confirms_estate = fields.Boolean(required=True)
    approved_by = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class RefusalInSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=4000), TEXT])


class ApprovalPageSchema(PageSchema):
    items = fields.List(fields.Nested(ApprovalSchema), required=True)
