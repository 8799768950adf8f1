"""Shapes of enhancement models, clearances and retirement in the API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from registry.rules.vocabulary import CLEARANCES
from registry.web.schemas import LINE, SHA256, TEXT, PageSchema, PaginationSchema

_ID = validate.Length(min=1, max=40)

STATUSES = ("active", "suspended", "blocked", "retired")


def no_duplicates(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Each performer once.")


class ModelSourceInSchema(Schema):
    description = fields.String(required=True, validate=[validate.Length(min=1, max=500), LINE])
    clearance = fields.String(required=True, validate=validate.OneOf(CLEARANCES))


class ModelInSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), LINE])
    production_id = fields.String(
        required=True, validate=_ID, metadata={"description": "bound for good: never re-bound"}
    )
    performer_ids = fields.List(
        fields.String(validate=_ID),
        required=True,
        validate=[validate.Length(min=1, max=100), no_duplicates],
    )
    training_sources = fields.List(
        fields.Nested(ModelSourceInSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    scope = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=4000), TEXT],
        metadata={"description": "the scope of work agreed with the talent"},
    )
    fingerprint_sha256 = fields.String(
        required=True, validate=SHA256, metadata={"description": "SHA-256 of the weights"}
    )
    vendor = fields.String(required=True, validate=[validate.Length(min=1, max=300), LINE])


class ModelFilterSchema(PaginationSchema):
    production_id = fields.String(validate=_ID)
    performer_id = fields.String(validate=_ID)


class ClearanceInSchema(Schema):
    source = fields.Integer(
        required=True,
        validate=validate.Range(min=0, max=10_000),
        metadata={"description": "index of the training source, from 0"},
    )
    evidence_sha256 = fields.String(required=True, validate=SHA256)
    note = fields.String(required=True, validate=[validate.Length(min=1, max=4000), TEXT])


class TrainingConsentInSchema(Schema):
    consent_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={
            "description": "a model_training consent, valid now, of a performer the "
            "model names, in the model's production"
        },
    )


class ModelRetireInSchema(Schema):
    reason = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=4000), TEXT]
    )


class SourceClearanceSchema(Schema):
    id = fields.String(required=True)
    evidence_sha256 = fields.String(required=True)
    note = fields.String(required=True)
    cleared_by = fields.String(required=True, allow_none=True)
    cleared_at = fields.DateTime(required=True)


class ModelSourceSchema(Schema):
    index = fields.Integer(required=True)
    description = fields.String(required=True)
    clearance = fields.String(required=True, metadata={"description": "as registered"})
    effective_clearance = fields.String(
        required=True, metadata={"description": "cleared once legal recorded its clearance"}
    )
    cleared = fields.Nested(SourceClearanceSchema, required=True, allow_none=True)


class ModelPerformerSchema(Schema):
    id = fields.String(required=True)
    professional_name = fields.String(required=True)


class ModelTrainingConsentSchema(Schema):
    consent_id = fields.String(required=True)
    performer_id = fields.String(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "the version valid at registration"}
    )


class ModelSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    production_id = fields.String(required=True)
    performer_ids = fields.List(fields.String(), required=True)
    performers = fields.List(fields.Nested(ModelPerformerSchema), required=True)
    training_sources = fields.List(fields.Nested(ModelSourceSchema), required=True)
    scope = fields.String(required=True)
    fingerprint_sha256 = fields.String(required=True)
    vendor = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    status_reasons = fields.List(fields.String(), required=True)
    training_consents = fields.List(fields.Nested(ModelTrainingConsentSchema), required=True)
    created_by = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    retired_at = fields.DateTime(required=True, allow_none=True)
    retire_reason = fields.String(required=True, allow_none=True)


class ModelPageSchema(PageSchema):
    items = fields.List(fields.Nested(ModelSchema), required=True)
