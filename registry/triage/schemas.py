"""Shapes of tools, pipelines, declarations, their triage, assets and the final-cut check in the
API (API.md, "GenAI use declarations, tools and pipelines"). Contradictions are refused here,
with the field named: ideation with final output, talent replication naming no performer,
both tools and a pipeline or neither."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from registry.rules.vocabulary import (
    ANSWERS,
    ASSET_STATUSES,
    CATEGORIES,
    CLEARANCES,
    DECLARATION_FACTS,
    LEVELS,
    OUTPUTS,
    PRINCIPLES,
    TERMS,
)
from registry.web.schemas import LINE, SHA256, TEXT, PageSchema, PaginationSchema

_ID = validate.Length(min=1, max=40)
_NAME = validate.Length(min=1, max=300)
MAX_FILES = 10_000


def _term(required: bool) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.OneOf(TERMS),
        metadata={"description": "yes, no or unknown"},
    )


class ToolInSchema(Schema):
    name = fields.String(required=True, validate=[_NAME, LINE])
    vendor = fields.String(required=True, validate=[_NAME, LINE])
    version = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=100), LINE]
    )
    plan = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=200), LINE],
        metadata={"description": "the licence tier or plan the terms are for"},
    )
    stores_inputs = _term(True)
    trains_on_inputs = _term(True)
    enterprise_agreement = _term(True)
    terms_url = fields.URL(load_default=None, allow_none=True, validate=validate.Length(max=500))
    terms_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    terms_note = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=5000), TEXT]
    )


class ToolPatchSchema(Schema):
    """Changed terms (a new review: the caller is the reviewer, now the review time)."""

    version = fields.String(allow_none=True, validate=[validate.Length(max=100), LINE])
    plan = fields.String(allow_none=True, validate=[validate.Length(max=200), LINE])
    stores_inputs = _term(False)
    trains_on_inputs = _term(False)
    enterprise_agreement = _term(False)
    terms_url = fields.URL(allow_none=True, validate=validate.Length(max=500))
    terms_sha256 = fields.String(allow_none=True, validate=SHA256)
    terms_note = fields.String(allow_none=True, validate=[validate.Length(max=5000), TEXT])

    @validates_schema
    def something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("Change at least one field.", "_schema")


class ToolSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    vendor = fields.String(required=True)
    version = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    stores_inputs = fields.String(required=True)
    trains_on_inputs = fields.String(required=True)
    enterprise_agreement = fields.String(required=True)
    terms_url = fields.String(allow_none=True)
    terms_sha256 = fields.String(allow_none=True)
    terms_note = fields.String(allow_none=True)
    terms_version = fields.Integer(required=True)
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(required=True)
    passes = fields.Boolean(required=True, metadata={"description": "passes T4"})
    problems = fields.List(fields.String(), required=True)


class ToolPageSchema(PageSchema):
    items = fields.List(fields.Nested(ToolSchema), required=True)


class SourceSchema(Schema):
    description = fields.String(required=True, validate=[validate.Length(min=1, max=500), LINE])
    clearance = fields.String(required=True, validate=validate.OneOf(CLEARANCES))


class StageInSchema(Schema):
    tool_id = fields.String(required=True, validate=_ID)
    does = fields.String(required=True, validate=[validate.Length(min=1, max=1000), LINE])
    trains = fields.Boolean(load_default=False)
    training_sources = fields.List(
        fields.Nested(SourceSchema), load_default=list, validate=validate.Length(max=50)
    )
    touches_likeness = fields.Boolean(load_default=False)


class PipelineInSchema(Schema):
    name = fields.String(required=True, validate=[_NAME, LINE])
    vendor = fields.String(required=True, validate=[_NAME, LINE])
    stages = fields.List(
        fields.Nested(StageInSchema), required=True, validate=validate.Length(min=1, max=50)
    )


class StageSchema(Schema):
    position = fields.Integer(required=True)
    tool_id = fields.String(required=True)
    tool_name = fields.String(required=True)
    does = fields.String(required=True)
    trains = fields.Boolean(required=True)
    training_sources = fields.List(fields.Nested(SourceSchema), required=True)
    touches_likeness = fields.Boolean(required=True)
    passes = fields.Boolean(required=True)
    problems = fields.List(fields.String(), required=True)


class PipelineSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    vendor = fields.String(required=True)
    stages = fields.List(fields.Nested(StageSchema), required=True)
    passes = fields.Boolean(required=True)
    failing_stages = fields.List(
        fields.Integer(), required=True, metadata={"description": "0-based stage positions"}
    )
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class PipelinePageSchema(PageSchema):
    items = fields.List(fields.Nested(PipelineSchema), required=True)


_ANSWER_DOC = {"type": "string", "enum": list(ANSWERS)}


def _answers(**kwargs: Any) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(PRINCIPLES)),
        values=fields.String(validate=validate.OneOf(ANSWERS)),
        metadata={
            "description": "p1..p5, each yes, no or unsure; missing ones count as unsure",
            "properties": {p: _ANSWER_DOC for p in PRINCIPLES},
        },
        **kwargs,
    )


# What the API answers: the same closed vocabularies, typed for generated clients.
PrinciplesSchema = Schema.from_dict(
    {p: fields.String(validate=validate.OneOf(ANSWERS)) for p in PRINCIPLES},
    name="Principles",
)
DeclarationFactsOutSchema = Schema.from_dict(
    {name: fields.Boolean(required=True) for name in DECLARATION_FACTS},
    name="DeclarationFactsOut",
)


class MatrixSchema(Schema):
    """The declaration's row of the guidance's use-case matrix."""

    use = fields.String(required=True)
    action = fields.String(required=True)


class DeclarationFactsSchema(Schema):
    story_relevant = fields.Boolean(load_default=False)
    prominent = fields.Boolean(load_default=False)
    personal_data_input = fields.Boolean(load_default=False)
    proprietary_input = fields.Boolean(load_default=False)
    talent_likeness = fields.Boolean(load_default=False)
    references_protected = fields.Boolean(load_default=False)
    could_mislead = fields.Boolean(load_default=False)
    replaces_union_work = fields.Boolean(load_default=False)


class _DeclarationBody(Schema):
    title = fields.String(validate=[_NAME, LINE])
    description = fields.String(validate=[validate.Length(min=1, max=5000), TEXT])
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    output = fields.String(validate=validate.OneOf(OUTPUTS))
    tool_ids = fields.List(fields.String(validate=_ID), validate=validate.Length(max=20))
    pipeline_id = fields.String(allow_none=True, validate=_ID)
    performer_ids = fields.List(fields.String(validate=_ID), validate=validate.Length(max=50))
    principles = _answers()
    facts = fields.Nested(DeclarationFactsSchema)

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


def contradictions(data: dict[str, Any]) -> dict[str, list[str]]:
    """DOMAIN.md's refused contradictions, by field (the fields taken together)."""
    errors: dict[str, list[str]] = {}
    if data.get("category") == "ideation" and data.get("output") == "final":
        errors["output"] = ["Ideation is non-final by definition: choose temporary."]
    if data.get("category") == "talent_replication" and not data.get("performer_ids"):
        errors["performer_ids"] = ["Talent replication must name the performers it touches."]
    tools, pipeline = bool(data.get("tool_ids")), bool(data.get("pipeline_id"))
    if tools == pipeline:
        message = (
            "Name the tools or the pipeline, not both."
            if tools
            else "Name the tools or the vendor pipeline used."
        )
        errors["tool_ids"] = [message]
    for name in ("tool_ids", "performer_ids"):
        values = data.get(name) or []
        if len(set(values)) != len(values):
            errors.setdefault(name, []).append("Lists a value more than once.")
    return errors


class DeclarationInSchema(_DeclarationBody):
    production_id = fields.String(required=True, validate=_ID)
    title = fields.String(required=True, validate=[_NAME, LINE])
    description = fields.String(required=True, validate=[validate.Length(min=1, max=5000), TEXT])
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    output = fields.String(required=True, validate=validate.OneOf(OUTPUTS))
    tool_ids = fields.List(
        fields.String(validate=_ID), load_default=list, validate=validate.Length(max=20)
    )
    pipeline_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    principles = _answers(load_default=dict)
    performer_ids = fields.List(
        fields.String(validate=_ID), load_default=list, validate=validate.Length(max=50)
    )
    facts = fields.Nested(DeclarationFactsSchema, load_default=dict)

    @validates_schema
    def together(self, data: dict[str, Any], **_: Any) -> None:
        errors = contradictions(data)
        if errors:
            raise ValidationError(errors)


class DeclarationAmendSchema(_DeclarationBody):
    """The changed fields; the rest stay as they are (checked together with them)."""


class RuleSchema(Schema):
    id = fields.String(required=True)
    section = fields.String(required=True)
    reason = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"description": "the level it pushes"})


class TriageSchema(Schema):
    id = fields.String(required=True)
    sequence = fields.Integer(required=True)
    trigger = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    approval = fields.String(
        required=True,
        metadata={"description": "what an escalation needs: written, guidance or none"},
    )
    rules = fields.List(fields.Nested(RuleSchema), required=True)
    needed = fields.List(fields.String(), required=True)
    cleared = fields.Boolean(required=True, metadata={"description": "may proceed"})
    cleared_reason = fields.String(required=True)
    refused = fields.Boolean(required=True)
    next_step = fields.String(required=True)
    principles = fields.Nested(PrinciplesSchema, required=True)
    ruleset_version = fields.String(required=True)
    decided_at = fields.DateTime(required=True)
    receipt = fields.String(required=True)


class NeededRequestSchema(Schema):
    performer_id = fields.String(required=True)
    performer_name = fields.String(required=True)
    request_id = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    valid = fields.Boolean(allow_none=True)
    allowed = fields.Boolean(required=True)


class DeclarationSchema(Schema):
    id = fields.String(required=True)
    production_id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.String(required=True)
    output = fields.String(required=True)
    tool_ids = fields.List(fields.String(), required=True)
    pipeline_id = fields.String(allow_none=True)
    performer_ids = fields.List(fields.String(), required=True)
    principles = fields.Nested(PrinciplesSchema, required=True)
    facts = fields.Nested(DeclarationFactsOutSchema, required=True)
    matrix = fields.Nested(MatrixSchema, required=True)
    use_requests = fields.List(fields.Nested(NeededRequestSchema), required=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    triage = fields.Nested(TriageSchema, required=True)


class TriageRecordSchema(Schema):
    id = fields.String(required=True)
    sequence = fields.Integer(required=True)
    version_id = fields.String(required=True)
    trigger = fields.String(required=True)
    level = fields.String(required=True)
    approval = fields.String(required=True)
    rules = fields.List(fields.Nested(RuleSchema), required=True)
    needed = fields.List(fields.String(), required=True)
    next_step = fields.String(required=True)
    principles = fields.Nested(PrinciplesSchema, required=True)
    terms_digest = fields.String(required=True)
    ruleset_version = fields.String(required=True)
    decided_at = fields.DateTime(required=True)
    decided_by = fields.String(allow_none=True)
    receipt = fields.String(required=True)


class TriageHistorySchema(Schema):
    items = fields.List(fields.Nested(TriageRecordSchema), required=True)


class DeclarationPageSchema(PageSchema):
    items = fields.List(fields.Nested(DeclarationSchema), required=True)


class DeclarationFilterSchema(PaginationSchema):
    production_id = fields.String(validate=_ID)
    level = fields.String(validate=validate.OneOf(LEVELS))
    cleared = fields.Boolean()


class DeclarationApprovalInSchema(Schema):
    note = fields.String(required=True, validate=[validate.Length(min=1, max=4000), TEXT])
    evidence_sha256 = fields.String(
        required=True, validate=SHA256, metadata={"description": "SHA-256 of the signed approval"}
    )
    approval_needed = fields.Boolean(
        load_default=True,
        metadata={
            "description": "false records that no written approval is needed (only for an "
            "escalation for guidance, T1 alone)"
        },
    )


class AssetInSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=500), LINE])
    sha256 = fields.String(required=True, validate=SHA256)
    media_type = fields.String(required=True, validate=[validate.Length(min=1, max=100), LINE])
    output = fields.String(required=True, validate=validate.OneOf(OUTPUTS))


class AssetSchema(Schema):
    id = fields.String(required=True)
    declaration_id = fields.String(required=True)
    production_id = fields.String(required=True)
    name = fields.String(required=True)
    sha256 = fields.String(required=True)
    media_type = fields.String(required=True)
    output = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class AssetPageSchema(PageSchema):
    items = fields.List(fields.Nested(AssetSchema), required=True)


class CheckFileSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=1000), LINE])
    sha256 = fields.String(required=True, validate=SHA256)


class CheckInSchema(Schema):
    files = fields.List(
        fields.Nested(CheckFileSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_FILES),
        metadata={"description": f"at most {MAX_FILES:,} files a call (the CLI streams more)"},
    )


class CheckItemSchema(Schema):
    name = fields.String(required=True)
    sha256 = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ASSET_STATUSES))
    declaration_id = fields.String(allow_none=True)
    reason = fields.String(required=True)


class CheckSchema(Schema):
    ok = fields.Boolean(required=True, metadata={"description": "no file is blocked"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(CheckItemSchema), required=True)


def facts_of(data: dict[str, Any]) -> frozenset[str]:
    return frozenset(name for name in DECLARATION_FACTS if (data or {}).get(name))
