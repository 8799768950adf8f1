"""Shapes of consents in the API, also used by the pages and the bulk import.

``ConsentInSchema`` checks every field and then the fields together (``validation``) with the
caller's rights, so a refusal names every bad field at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import g
from flask_smorest.fields import Upload
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from registry.consents.status import STATUSES
from registry.consents.validation import (
    AmendBase,
    DbLookups,
    Lookups,
    amend_base_of_request,
    amend_errors,
    new_consent_errors,
)
from registry.rules.vocabulary import MEDIA, PURPOSES, SIGNERS
from registry.web.schemas import LINE, SHA256, TEXT, Moment, PageSchema, PaginationSchema

DESCRIPTION = validate.Length(
    min=20, max=5000, error="Describe the specific intended use in 20 to 5000 characters."
)
_TEXT_FIELDS = frozenset(
    ("description", "restrictions", "reason", "evidence_sha256", "performer_id", "production_id")
)


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: (v.strip() if k in _TEXT_FIELDS and type(v) is str else v) for k, v in data.items()
        }
    return data


def _lower_hash(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("evidence_sha256"), str):
        data["evidence_sha256"] = data["evidence_sha256"].lower()
    return data


def _purposes(**kwargs: Any) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.OneOf(PURPOSES)),
        validate=validate.Length(min=1, max=len(PURPOSES)),
        **kwargs,
    )


def _media(**kwargs: Any) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.OneOf(MEDIA)),
        validate=validate.Length(min=1, max=len(MEDIA)),
        **kwargs,
    )


class ConsentInSchema(Schema):
    performer_id = fields.String(required=True, validate=[validate.Length(min=1, max=40), LINE])
    production_id = fields.String(required=True, validate=[validate.Length(min=1, max=40), LINE])
    purposes = _purposes(required=True)
    media = _media(required=True)
    description = fields.String(required=True, validate=[DESCRIPTION, TEXT])
    signed_by = fields.String(required=True, validate=validate.OneOf(SIGNERS))
    signed_at = Moment(required=True)
    evidence_sha256 = fields.String(required=True, validate=SHA256)
    guild_compliant = fields.Boolean(required=True)
    restrictions = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=5000), TEXT]
    )
    effective_from = Moment(
        load_default=None, allow_none=True, metadata={"description": "default: signed_at"}
    )
    expires_at = Moment(required=True)

    def __init__(self, *args: Any, lookups: Lookups | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookups = lookups

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        return _strip(data)

    @validates_schema(skip_on_field_errors=False)
    def together(self, data: dict[str, Any], **_: Any) -> None:
        """The fields together, and performer and production with the caller's rights."""
        lookups = self.lookups or DbLookups(g.get("actor"))
        errors = new_consent_errors(data, lookups)
        if errors:
            raise ValidationError(errors)

    @post_load
    def normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return _lower_hash(data)


class AmendSchema(Schema):
    """The signed amendment: its evidence and signature time, and whatever changes.

    The fields are then checked together with the consent's current version (``amend_errors``),
    so one refusal names every bad field. ``base`` gives that version and its performer; by
    default they are found from the request (``consent_id`` in the URL, the caller's rights),
    and when the consent is not the caller's or can no longer be amended the check is left to
    the view, which answers 404 or 409.
    """

    evidence_sha256 = fields.String(required=True, validate=SHA256)
    signed_at = Moment(required=True)
    signed_by = fields.String(validate=validate.OneOf(SIGNERS))
    purposes = _purposes()
    media = _media()
    description = fields.String(validate=[DESCRIPTION, TEXT])
    restrictions = fields.String(allow_none=True, validate=[validate.Length(max=5000), TEXT])
    guild_compliant = fields.Boolean()
    effective_from = Moment()
    expires_at = Moment()

    def __init__(
        self,
        *args: Any,
        base: AmendBase | None = None,
        failed: Collection[str] = (),
        **kwargs: Any,
    ) -> None:
        """``failed``: fields that already failed before reaching the schema (a page's form)."""
        super().__init__(*args, **kwargs)
        self.base = base
        self.failed = frozenset(failed)

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        return _strip(data)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def together(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        base = self.base or amend_base_of_request()
        if base is None:
            return
        # Fields that failed their own check did not load (a list keeps its valid items): they
        # are unknown, and no check on the fields together judges them, or the others, against
        # the value of the current version they were meant to replace.
        given = original if isinstance(original, Mapping) else {}
        failed = {name for name in self.failed if name in self.fields}
        for name in self.fields:
            if name in given and (
                name not in data
                or (isinstance(data[name], list) and len(data[name]) != len(given[name] or ()))
            ):
                failed.add(name)
        changes = {k: v for k, v in data.items() if k not in failed}
        errors = amend_errors(base.current, base.performer, changes, unknown=failed)
        if errors:
            raise ValidationError(errors)

    @post_load
    def normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return _lower_hash(data)


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), TEXT])

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        return _strip(data)


class ConsentSchema(Schema):
    """A consent version. A vfx_lead gets only the fields marked required here (production,
    purposes, media, validity, description): never who signed, the evidence, restrictions or
    the receipts."""

    id = fields.String(required=True, metadata={"description": "the consent's id (all versions)"})
    version = fields.Integer(required=True)
    version_id = fields.String(required=True)
    performer_id = fields.String(required=True)
    performer_name = fields.String(allow_none=True, metadata={"description": "professional name"})
    production_id = fields.String(required=True)
    production_code = fields.String(allow_none=True)
    purposes = fields.List(fields.String(), required=True)
    media = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    signed_by = fields.String()
    signed_at = fields.DateTime()
    evidence_sha256 = fields.String(allow_none=True)
    evidence_uploaded = fields.Boolean()
    guild_compliant = fields.Boolean()
    restrictions = fields.String(allow_none=True)
    effective_from = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    superseded_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    receipt = fields.String(allow_none=True, metadata={"description": "JWS consent receipt"})
    termination_receipt = fields.String(
        allow_none=True, metadata={"description": "JWS termination receipt (revoked only)"}
    )


class ConsentPageSchema(PageSchema):
    items = fields.List(fields.Nested(ConsentSchema), required=True)


class ConsentListSchema(Schema):
    items = fields.List(fields.Nested(ConsentSchema), required=True)


class ConsentQuerySchema(PaginationSchema):
    performer_id = fields.String(validate=validate.Length(max=40))
    production_id = fields.String(validate=validate.Length(max=40))
    purpose = fields.String(validate=validate.OneOf(PURPOSES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    expiring_within_days = fields.Integer(
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "active consents whose expires_at is within N days"},
    )


class VersionQuerySchema(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=1_000_000))


class ReceiptSchema(Schema):
    consent_id = fields.String(required=True)
    version = fields.Integer(required=True)
    receipt = fields.String(allow_none=True, required=True)
    termination_receipt = fields.String(allow_none=True)


class EvidenceUploadSchema(Schema):
    file = Upload(
        required=True, metadata={"description": "the signed document (PDF, PNG, JPEG, WebP)"}
    )


class EvidenceSchema(Schema):
    id = fields.String(required=True)
    consent_id = fields.String(required=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
