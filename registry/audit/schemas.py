"""Shapes of the audit trail in the API."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.web.schemas import PageSchema


class VerificationSchema(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    state_events = fields.Integer(required=True)
    chain = fields.String(allow_none=True, metadata={"description": "events or states"})
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


class MismatchSchema(Schema):
    kind = fields.String(required=True)
    id = fields.String(required=True)
    problem = fields.String(required=True)


class RecordCheckSchema(Schema):
    """A records check: every audited record against its latest state event, run by the
    scheduler. Records are named by kind and id only."""

    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "queued, running, done, failed"})
    requested_by = fields.String(allow_none=True)
    requested_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    total = fields.Integer(required=True, metadata={"description": "events, state events, records"})
    checked = fields.Integer(required=True)
    ok = fields.Boolean(allow_none=True)
    events = fields.Integer(allow_none=True)
    state_events = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True, metadata={"description": "the chains' first problem"})
    mismatch_count = fields.Integer(required=True)
    mismatches = fields.List(fields.Nested(MismatchSchema), required=True)
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    error = fields.String(allow_none=True)
