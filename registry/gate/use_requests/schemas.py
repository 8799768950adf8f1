"""Shapes of use requests and decisions in the API (API.md "Use requests" and "Decisions")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.approvals.schemas import ApprovalSchema
from registry.gate.use_requests.models import TRIGGERS
from registry.rules import CHANGES, MEDIA
from registry.rules.vocabulary import BASES, CLEARANCES, OUTCOMES, REQUEST_KINDS
from registry.web.schemas import LINE, TEXT, PageSchema, PaginationSchema

_ID = validate.Length(min=1, max=40)


class RequestSourceSchema(Schema):
    description = fields.String(required=True, validate=[validate.Length(min=1, max=500), LINE])
    clearance = fields.String(required=True, validate=validate.OneOf(CLEARANCES))


class RequestFactsSchema(Schema):
    """The facts of a request; facts not given are false or empty."""

    as_recorded = fields.Boolean(load_default=False)
    safety = fields.Boolean(load_default=False)
    unrecognizable = fields.Boolean(load_default=False)
    changes = fields.List(
        fields.String(validate=validate.OneOf(CHANGES)),
        load_default=list,
        validate=validate.Length(max=len(CHANGES)),
    )
    dubbing_or_double_permitted = fields.Boolean(load_default=False)
    alters_tone_delivery_or_intent = fields.Boolean(load_default=False)
    new_dialogue = fields.Boolean(load_default=False)
    may_harm_reputation = fields.Boolean(load_default=False)
    training_sources = fields.List(
        fields.Nested(RequestSourceSchema), load_default=list, validate=validate.Length(max=100)
    )


class RequestInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(REQUEST_KINDS))
    performer_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "not needed for model.use; for replica.use, the replica's"},
    )
    production_id = fields.String(
        required=True, validate=_ID, metadata={"description": "where the output will be used"}
    )
    replica_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    model_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    media = fields.List(
        fields.String(validate=validate.OneOf(MEDIA)),
        required=True,
        validate=validate.Length(min=1, max=len(MEDIA)),
    )
    description = fields.String(required=True, validate=[validate.Length(min=1, max=4000), TEXT])
    facts = fields.Nested(RequestFactsSchema, load_default=dict, allow_none=True)
    declaration_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "the GenAI use declaration this request serves (same production)"},
    )


class RequestFilterSchema(PaginationSchema):
    production_id = fields.String(validate=_ID)
    kind = fields.String(validate=validate.OneOf(REQUEST_KINDS))
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    model_id = fields.String(validate=_ID)
    performer_id = fields.String(validate=_ID)
    replica_id = fields.String(validate=_ID)
    declaration_id = fields.String(validate=_ID)
    valid = fields.Boolean(metadata={"description": "whether the current decision is valid"})


class DecisionRuleSchema(Schema):
    id = fields.String(required=True)
    section = fields.String(required=True)
    reason = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))


class DecisionSchema(Schema):
    id = fields.String(required=True)
    request_id = fields.String(required=True)
    sequence = fields.Integer(required=True, metadata={"description": "1 for the first"})
    trigger = fields.String(required=True, validate=validate.OneOf(TRIGGERS))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    basis = fields.String(required=True, allow_none=True, validate=validate.OneOf(BASES))
    rules = fields.List(
        fields.Nested(DecisionRuleSchema),
        required=True,
        metadata={"description": "the rules that decided the outcome"},
    )
    considered = fields.List(
        fields.Nested(DecisionRuleSchema),
        required=True,
        metadata={
            "description": "rules weighed that did not decide it (e.g. an exception that "
            "held while another rule denied)"
        },
    )
    next_step = fields.String(
        required=True,
        metadata={
            "description": "what to do now, in one sentence; computed when read (a "
            "decision no longer valid says so)"
        },
    )
    next_step_at = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={
            "description": "the date the next step speaks of (validity ended, or an "
            "allow's end), to render in the reader's time zone"
        },
    )
    consent_ids = fields.List(fields.String(), required=True)
    missing = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "only what can turn it into an allow (never written approval "
            "on a deny, R14)"
        },
    )
    valid_until = fields.DateTime(required=True, allow_none=True)
    valid = fields.Boolean(
        required=True,
        metadata={"description": "false once a consent it relied on is revoked or expires"},
    )
    invalidated_at = fields.DateTime(required=True, allow_none=True)
    invalidated_reason = fields.String(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True)
    decided_by = fields.String(required=True, allow_none=True)
    ruleset_version = fields.String(required=True)
    approval_ids = fields.List(fields.String(), required=True)
    exception = fields.String(required=True, allow_none=True)
    receipt = fields.String(required=True, metadata={"description": "JWS compact, EdDSA, kid"})


class DecisionPageSchema(PageSchema):
    items = fields.List(fields.Nested(DecisionSchema), required=True)


class RequestFactsOutSchema(RequestFactsSchema):
    pass


class RequestSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    performer_id = fields.String(required=True, allow_none=True)
    production_id = fields.String(required=True)
    replica_id = fields.String(required=True, allow_none=True)
    model_id = fields.String(required=True, allow_none=True)
    media = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    facts = fields.Nested(RequestFactsOutSchema, required=True)
    requested_by = fields.String(required=True, allow_none=True)
    declaration_id = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    decision_count = fields.Integer(required=True)
    decision = fields.Nested(DecisionSchema, required=True)


class RequestPageSchema(PageSchema):
    items = fields.List(fields.Nested(RequestSchema), required=True)


class ApprovedRequestSchema(RequestSchema):
    approval = fields.Nested(ApprovalSchema, required=True)
