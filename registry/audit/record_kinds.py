"""What the audit trail hashes the state of: every audited kind of record (``KINDS``: a main
table's row with the rows that belong to it, by named non-personal columns) and every table
that is not audited, with the reason (``NOT_AUDITED``; a test holds every table to one of the
two). The machinery that hashes, notes and checks them is ``records.py``.

May import: nothing of the registry (a table of names).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """Rows of ``table`` that belong to a record: ``owner`` names the record's id (or, with
    ``via``, a row of ``via[0]`` whose ``via[2]`` column names it; ``via[1]`` is its key)."""

    name: str
    table: str
    owner: str
    columns: tuple[str, ...]
    order: tuple[str, ...]
    via: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class Kind:
    """A kind of audited record: a row of ``table`` (keyed by ``id``) with its parts."""

    name: str
    table: str
    columns: tuple[str, ...]
    parts: tuple[Part, ...] = ()
    digested: frozenset[str] = frozenset()
    """Text columns hashed as their SHA-256 (secrets, receipts); binary ones always are."""


_VERSION_COLUMNS = (
    "id",
    "version",
    "performer_id",
    "production_id",
    "purposes",
    "media",
    "description",
    "signed_by",
    "signed_at",
    "evidence_sha256",
    "guild_compliant",
    "restrictions",
    "effective_from",
    "expires_at",
    "superseded_at",
    "revoked_at",
    "revocation_reason",
    "receipt",
    "termination_receipt",
    "created_by",
    "created_at",
)

KINDS: tuple[Kind, ...] = (
    Kind(
        "user",
        "users",
        ("role", "active", "password_hash", "created_at"),
        (
            Part(
                "second_factor",
                "second_factors",
                "user_id",
                ("secret_ct", "created_at", "confirmed_at"),
                ("created_at",),
            ),
            Part(
                "recovery_codes",
                "recovery_codes",
                "user_id",
                ("id", "code_hash", "created_at", "used_at"),
                ("id",),
            ),
        ),
        digested=frozenset({"password_hash", "code_hash"}),
    ),
    Kind(
        "api_token",
        "api_tokens",
        ("user_id", "token_hash", "created_at", "revoked_at", "expires_at"),
    ),
    Kind(
        "login_session",
        "login_sessions",
        ("user_id", "token_hash", "created_at", "revoked_at", "expires_at", "awaiting"),
    ),
    Kind(
        "account_link",
        "account_links",
        (
            "user_id",
            "purpose",
            "token_hash",
            "created_by",
            "created_at",
            "expires_at",
            "used_at",
            "revoked_at",
        ),
    ),
    Kind(
        "performer",
        "performers",
        (
            "professional_name",
            "guild",
            "deceased",
            "legal_name_ct",
            "email_ct",
            "phone_ct",
            "data_key_id",
            "erased_at",
            "created_by",
            "created_at",
        ),
        (
            Part(
                "representatives",
                "performer_representatives",
                "performer_id",
                ("user_id", "created_at"),
                ("user_id",),
            ),
        ),
    ),
    Kind(
        "production",
        "productions",
        ("title", "code", "kind", "phase", "webhook_url", "created_at"),
        (
            Part(
                "members",
                "production_members",
                "production_id",
                ("user_id", "created_at"),
                ("user_id",),
            ),
        ),
    ),
    Kind(
        "consent",
        "consents",
        ("performer_id", "production_id", "current_version", "created_at"),
        (Part("versions", "consent_versions", "consent_id", _VERSION_COLUMNS, ("version",)),),
        digested=frozenset({"receipt", "termination_receipt"}),
    ),
    Kind(
        "use_request",
        "use_requests",
        (
            "kind",
            "performer_id",
            "production_id",
            "replica_id",
            "model_id",
            "media",
            "description",
            "facts",
            "requested_by",
            "declaration_id",
            "created_at",
            "current_decision_id",
            "decision_count",
        ),
    ),
    Kind(
        "decision",
        "decisions",
        (
            "request_id",
            "sequence",
            "trigger",
            "outcome",
            "basis",
            "rules",
            "considered",
            "consent_ids",
            "missing",
            "approval_ids",
            "exception",
            "next_step",
            "valid_until",
            "decided_at",
            "decided_by",
            "ruleset_version",
            "receipt",
            "invalidated_at",
            "invalidated_reason",
        ),
        (
            Part(
                "relied",
                "decision_consents",
                "decision_id",
                ("version_id", "consent_id"),
                ("version_id",),
            ),
        ),
        digested=frozenset({"receipt"}),
    ),
    Kind(
        "approval",
        "approvals",
        (
            "request_id",
            "decision_id",
            "declaration_id",
            "triage_id",
            "note",
            "evidence_sha256",
            "document_id",
            "approval_needed",
            "clears_sources",
            "confirms_estate",
            "approved_by",
            "created_at",
        ),
    ),
    Kind(
        "refusal",
        "refusals",
        (
            "request_id",
            "decision_id",
            "declaration_id",
            "triage_id",
            "reason",
            "refused_by",
            "created_at",
        ),
    ),
    Kind(
        "question",
        "questions",
        ("request_id", "declaration_id", "kind", "body", "author_id", "created_at"),
    ),
    Kind(
        "model",
        "enhancement_models",
        (
            "name",
            "production_id",
            "scope",
            "fingerprint_sha256",
            "vendor",
            "training_sources",
            "created_by",
            "created_at",
            "retired_at",
            "retired_by",
            "retire_reason",
        ),
        (
            Part(
                "performers",
                "model_performers",
                "model_id",
                ("performer_id", "position"),
                ("position",),
            ),
            Part(
                "training_consents",
                "model_training_consents",
                "model_id",
                ("consent_id", "version_id", "performer_id"),
                ("consent_id",),
            ),
            Part(
                "clearances",
                "model_source_clearances",
                "model_id",
                ("id", "source_index", "evidence_sha256", "note", "cleared_by", "cleared_at"),
                ("source_index",),
            ),
        ),
    ),
    Kind(
        "replica",
        "replicas",
        (
            "name",
            "performer_id",
            "production_id",
            "media",
            "request_id",
            "decision_id",
            "created_by",
            "created_at",
        ),
    ),
    Kind(
        "declaration",
        "declarations",
        (
            "production_id",
            "current_version",
            "current_triage_id",
            "triage_count",
            "created_by",
            "created_at",
        ),
        (
            Part(
                "versions",
                "declaration_versions",
                "declaration_id",
                (
                    "id",
                    "version",
                    "title",
                    "description",
                    "category",
                    "output",
                    "pipeline_id",
                    "performer_ids",
                    "facts",
                    "principles",
                    "created_by",
                    "created_at",
                    "superseded_at",
                ),
                ("version",),
            ),
            Part(
                "tools",
                "declaration_tools",
                "version_id",
                ("version_id", "position", "tool_id"),
                ("version_id", "position"),
                via=("declaration_versions", "id", "declaration_id"),
            ),
        ),
    ),
    Kind(
        "triage",
        "triages",
        (
            "declaration_id",
            "version_id",
            "sequence",
            "trigger",
            "level",
            "approval",
            "rules",
            "needed",
            "next_step",
            "principles",
            "terms_digest",
            "ruleset_version",
            "decided_at",
            "decided_by",
            "receipt",
        ),
        digested=frozenset({"receipt"}),
    ),
    Kind(
        "tool",
        "genai_tools",
        (
            "name",
            "vendor",
            "version",
            "plan",
            "stores_inputs",
            "trains_on_inputs",
            "enterprise_agreement",
            "terms_url",
            "terms_sha256",
            "terms_note",
            "terms_version",
            "reviewed_by",
            "reviewed_at",
            "created_at",
        ),
    ),
    Kind(
        "pipeline",
        "genai_pipelines",
        ("name", "vendor", "created_by", "created_at"),
        (
            Part(
                "stages",
                "genai_pipeline_stages",
                "pipeline_id",
                ("position", "tool_id", "does", "trains", "training_sources", "touches_likeness"),
                ("position",),
            ),
        ),
    ),
    Kind(
        "asset",
        "generated_assets",
        (
            "declaration_id",
            "production_id",
            "name",
            "sha256",
            "media_type",
            "output",
            "created_by",
            "created_at",
        ),
    ),
)

NOT_AUDITED: dict[str, str] = {
    "consent_purposes": "a look-up index of consent_versions.purposes, which is hashed",
    "evidence_documents": "documents: the consent versions hash their SHA-256; erasure clears "
    "their ciphertexts",
    "approval_documents": "documents: the approvals hash their SHA-256",
    "reminders": "notification machinery: what to tell, not a record of consent",
    "reminder_deliveries": "notification machinery",
    "expiry_cascades": "notification machinery (which expiries were cascaded)",
    "scheduler_leases": "the scheduler's leases",
    "webhook_secrets": "notification machinery (webhook keys, encrypted)",
    "calendar_tokens": "private calendar feed tokens (read-only access to expiry dates)",
    "idempotency_keys": "stored answers of API writes, replayed; no record of their own",
    "audit_events": "the trail itself (a hash chain with signed checkpoints)",
    "audit_checkpoints": "the trail itself",
    "audit_states": "the trail itself (a hash chain with signed checkpoints)",
    "audit_state_checkpoints": "the trail itself",
    "audit_record_checks": "results of the records checks",
    "audit_witness_marks": "how far each witness has been sent the checkpoints",
    "alembic_version": "the schema's revision",
}
