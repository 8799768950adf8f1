"""Shapes of the audit trail in the API."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.web.schemas import PageSchema


class VerificationSchema(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    first_bad = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_id = fields.String(allow_none=True)
    action = fields.String(required=True)
    subject_type = fields.String(required=True)
    subject_id = fields.String(required=True)
    content_hash = fields.String(required=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AuditEventPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
