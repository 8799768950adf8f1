"""Consent operations: record, amend (a new version), revoke (with the cascade signal), read.

A version is never edited in place: amending adds version + 1 and stamps the old one
``superseded_at``; revoking stamps ``revoked_at`` and a reason on the current version. Every
operation checks everything first, then writes, audits and signs its receipt, and flushes; the
caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.consents import receipts
from registry.consents.models import (
    Consent,
    ConsentPurpose,
    ConsentVersion,
    EvidenceDocument,
)
from registry.consents.status import expiring_condition, status_condition, status_of
from registry.consents.validation import (
    DbLookups,
    amend_errors,
    amended,
    new_consent_errors,
)
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Invalid, NotFound
from registry.core.hashing import canonical_json, sha256_hex
from registry.core.ids import new_id
from registry.core.signals import consent_ended, consent_read_granted
from registry.extensions import db
from registry.performers.access import can_change, represented_ids, represents
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.receipts import signer as receipt_signer

READ_ROLES = ("admin", "talent_rep", "legal")
CHANGE_ROLES = ("admin", "talent_rep")


# --- access -------------------------------------------------------------------------------


def can_read_consents_of(user: User, performer_id: str) -> bool:
    if user.role in ("admin", "legal"):
        return True
    return user.role == "talent_rep" and represents(user, performer_id)


def visible_consent(user: User, consent_id: str) -> Consent:
    """The consent, or NotFound when it does not exist or is not the caller's to see."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or not can_read_consents_of(user, consent.performer_id):
        raise NotFound("No such consent.")
    return consent


def readable_consent(user: User, consent_id: str) -> tuple[Consent, bool]:
    """The consent and whether the caller reads all of it (False: a vfx_lead reading one a
    decision of their production relied on, as the gate answers through
    ``consent_read_granted``: ``LEAD_FIELDS`` only). NotFound otherwise."""
    if user.role == "vfx_lead":
        consent = db.session.get(Consent, consent_id)
        granted = consent_read_granted.send(None, user=user, consent_id=consent_id)
        if consent is None or not any(answer for _, answer in granted):
            raise NotFound("No such consent.")
        return consent, False
    return visible_consent(user, consent_id), True


# What a vfx_lead reads of a consent a decision of their production relied on: its production,
# purposes, media, validity and description; never personal fields or the evidence.
LEAD_FIELDS = (
    "id",
    "version",
    "version_id",
    "performer_id",
    "performer_name",
    "production_id",
    "production_code",
    "purposes",
    "media",
    "description",
    "effective_from",
    "expires_at",
    "status",
    "superseded_at",
    "revoked_at",
)


def lead_view(full: dict[str, Any]) -> dict[str, Any]:
    return {name: full[name] for name in LEAD_FIELDS}


def changeable_consent(user: User, consent_id: str, *, lock: bool = True) -> Consent:
    """The consent (locked for change unless ``lock`` is False) if the caller may act for its
    performer; NotFound otherwise."""
    stmt = select(Consent).where(Consent.id == consent_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    consent = db.session.execute(stmt).scalar_one_or_none()
    if consent is None or not can_change(user, consent.performer_id):
        raise NotFound("No such consent.")
    return consent


def current_version(consent: Consent, *, fresh: bool = False) -> ConsentVersion:
    """The consent's current version; ``fresh``: as stored now, even if the session already
    holds it (amend and revoke, after locking the consent: a validation before the lock may
    have loaded the version, and a revocation committed since must not go unseen)."""
    stmt = select(ConsentVersion).where(
        ConsentVersion.consent_id == consent.id,
        ConsentVersion.version == consent.current_version,
    )
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one()


def _performer_now(consent: Consent) -> Performer:
    performer = db.session.get(Performer, consent.performer_id, populate_existing=True)
    assert performer is not None
    return performer


def version_of(consent: Consent, version: int | None) -> ConsentVersion:
    if version is None:
        return current_version(consent)
    row = db.session.execute(
        select(ConsentVersion).where(
            ConsentVersion.consent_id == consent.id, ConsentVersion.version == version
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("No such version of this consent.")
    return row


def versions(consent: Consent) -> list[ConsentVersion]:
    return list(
        db.session.execute(
            select(ConsentVersion)
            .where(ConsentVersion.consent_id == consent.id)
            .order_by(ConsentVersion.version)
        ).scalars()
    )


# --- recording ----------------------------------------------------------------------------


@dataclass
class NewRows:
    """The rows one new consent version writes (also used by the bulk import), and the SHA-256
    of its receipt's payload (what its audit event commits to)."""

    consent: dict[str, Any] | None
    version: dict[str, Any]
    purposes: list[dict[str, Any]]
    payload_sha256: str


def build_version(
    data: dict[str, Any],
    *,
    consent_id: str,
    number: int,
    performer: Any,
    production: Any,
    actor_id: str | None,
    now: datetime,
    supersedes: str | None = None,
    signer: receipt_signer.Signer | None = None,
    issuer: str | None = None,
    version_id: str | None = None,
) -> NewRows:
    """The rows of a new version, with its signed receipt (``data`` is already validated).

    ``performer`` has ``id`` and ``professional_name``; ``production`` has ``id``, ``code`` and
    ``title`` (rows or ``validation`` infos). Needs no database: bulk-import workers call it
    with the ``signer`` they carry (default: the app's current key)."""
    version_id = version_id or new_id("cnv")
    row: dict[str, Any] = {
        "id": version_id,
        "consent_id": consent_id,
        "version": number,
        "performer_id": performer.id,
        "production_id": production.id,
        "purposes": list(data["purposes"]),
        "media": list(data["media"]),
        "description": data["description"],
        "signed_by": data["signed_by"],
        "signed_at": data["signed_at"],
        "evidence_sha256": data["evidence_sha256"],
        "guild_compliant": bool(data["guild_compliant"]),
        "restrictions": data.get("restrictions") or None,
        "effective_from": data.get("effective_from") or data["signed_at"],
        "expires_at": data["expires_at"],
        "superseded_at": None,
        "revoked_at": None,
        "revocation_reason": None,
        "receipt": None,
        "termination_receipt": None,
        "created_by": actor_id,
        "created_at": now,
    }
    payload = receipts.consent_payload(
        _RowView(row),
        professional_name=performer.professional_name,
        production=production,
        supersedes=supersedes,
        issuer=issuer,
    )
    encoded = canonical_json(payload)
    row["receipt"] = (signer or receipt_signer.current()).encoded(encoded)
    purposes = [
        {
            "version_id": version_id,
            "purpose": purpose,
            "performer_id": performer.id,
            "production_id": production.id,
        }
        for purpose in row["purposes"]
    ]
    consent = None
    if number == 1:
        consent = {
            "id": consent_id,
            "performer_id": performer.id,
            "production_id": production.id,
            "current_version": 1,
            "created_at": now,
        }
    return NewRows(consent, row, purposes, sha256_hex(encoded))


class _RowView:
    """Attribute access to a row dict (so receipts and status read dicts and rows alike)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


def audit_content(rows: NewRows) -> dict[str, Any]:
    """What the audit event of a new version commits to: its id and the SHA-256 of its
    receipt's payload (the canonical JSON the receipt signs, which carries the whole content
    and no personal data). The same for recording, amending and importing, whether the receipt
    is signed at once or later."""
    return {"version_id": rows.version["id"], "receipt_payload_sha256": rows.payload_sha256}


def _write(rows: NewRows) -> ConsentVersion:
    if rows.consent is not None:
        db.session.add(Consent(**rows.consent))
        db.session.flush()
    version = ConsentVersion(**rows.version)
    db.session.add(version)
    db.session.flush()
    db.session.add_all(ConsentPurpose(**p) for p in rows.purposes)
    db.session.flush()
    return version


def record_consent(data: dict[str, Any], *, actor: User | None) -> ConsentVersion:
    """Record a new consent (version 1). ``data`` as ``ConsentInSchema`` loads it."""
    now = utcnow()
    errors = new_consent_errors(data, DbLookups(actor), now)
    if errors:
        raise Invalid("Some fields are invalid.", errors)
    performer = db.session.get(Performer, data["performer_id"])
    production = db.session.get(Production, data["production_id"])
    assert performer is not None and production is not None
    actor_id = actor.id if actor else None
    rows = build_version(
        data,
        consent_id=new_id("cns"),
        number=1,
        performer=performer,
        production=production,
        actor_id=actor_id,
        now=now,
    )
    version = _write(rows)
    record(
        "consent.recorded",
        "consent",
        version.consent_id,
        audit_content(rows),
        actor_id=actor_id,
    )
    return version


def amend_consent(
    consent: Consent, data: dict[str, Any], *, actor_id: str | None
) -> ConsentVersion:
    """A new version (same id, version + 1) that supersedes the current one; 409 if it ended."""
    now = utcnow()
    old = current_version(consent, fresh=True)
    status = status_of(old, now)
    if status in ("revoked", "expired"):
        raise Conflict(f"This consent is {status}; it can no longer be amended.")
    performer = _performer_now(consent)
    production = db.session.get(Production, consent.production_id)
    assert performer is not None and production is not None
    errors = amend_errors(old, performer, data, now)
    if errors:
        raise Invalid("Some fields are invalid.", errors)
    merged = amended(old, data)
    old.superseded_at = now
    consent.current_version = old.version + 1
    db.session.flush()
    rows = build_version(
        merged,
        consent_id=consent.id,
        number=old.version + 1,
        performer=performer,
        production=production,
        actor_id=actor_id,
        now=now,
        supersedes=old.id,
    )
    version = _write(rows)
    record(
        "consent.amended",
        "consent",
        consent.id,
        {**audit_content(rows), "supersedes": old.id},
        actor_id=actor_id,
    )
    return version


def revoke_consent(consent: Consent, reason: str, *, actor_id: str | None) -> ConsentVersion:
    """End the consent now, keeping its history; signals ``consent_ended`` before commit."""
    now = utcnow()
    version = current_version(consent, fresh=True)
    status = status_of(version, now)
    if status == "revoked":
        raise Conflict("This consent is already revoked.")
    if status == "expired":
        raise Conflict("This consent has expired; there is nothing left to revoke.")
    reason = reason.strip()
    if not reason:
        raise Invalid("Some fields are invalid.", {"reason": ["Give a reason."]})
    performer = _performer_now(consent)
    production = db.session.get(Production, consent.production_id)
    assert performer is not None and production is not None
    version.revoked_at = now
    version.revocation_reason = reason
    version.termination_receipt = receipt_signer.sign(
        receipts.termination_payload(
            version,
            professional_name=performer.professional_name,
            production=production,
            at=now,
        )
    )
    db.session.flush()
    record(
        "consent.revoked",
        "consent",
        consent.id,
        {"version_id": version.id, "reason": reason, "at": now},
        actor_id=actor_id,
    )
    version_ids = [v.id for v in versions(consent)]
    consent_ended.send(None, version_ids=version_ids, reason="revoked", at=now, actor_id=actor_id)
    db.session.flush()
    return version


# --- reading ------------------------------------------------------------------------------


def consent_query(
    user: User | None,
    *,
    performer_id: str | None = None,
    production_id: str | None = None,
    purpose: str | None = None,
    status: str | None = None,
    expiring_within_days: int | None = None,
    now: datetime | None = None,
) -> Select[tuple[ConsentVersion]]:
    """Current versions (or superseded ones, with ``status="superseded"``) matching the filters,
    limited to what ``user`` may read (None: the system, everything). Status from the clock."""
    now = now or utcnow()
    cv = ConsentVersion
    stmt = select(cv)
    if status:
        stmt = stmt.where(status_condition(status, now))
    else:
        stmt = stmt.where(cv.superseded_at.is_(None))
    if expiring_within_days is not None:
        stmt = stmt.where(expiring_condition(expiring_within_days, now))
    if performer_id:
        stmt = stmt.where(cv.performer_id == performer_id)
    if production_id:
        stmt = stmt.where(cv.production_id == production_id)
    if purpose:
        stmt = stmt.where(
            exists().where(
                ConsentPurpose.performer_id == cv.performer_id,
                ConsentPurpose.production_id == cv.production_id,
                ConsentPurpose.purpose == purpose,
                ConsentPurpose.version_id == cv.id,
            )
        )
    if user is not None and user.role == "talent_rep":
        stmt = stmt.where(cv.performer_id.in_(represented_ids(user)))
    elif user is not None and user.role not in ("admin", "legal"):
        stmt = stmt.where(cv.id.is_(None))
    if expiring_within_days is not None:
        return stmt.order_by(cv.expires_at, cv.id)
    return stmt.order_by(cv.id.desc())


def evidence_present(pairs: Iterable[tuple[str, str | None]]) -> set[tuple[str, str]]:
    """Which (performer_id, sha256) pairs have a stored, readable document."""
    wanted = {(p, s) for p, s in pairs if s}
    if not wanted:
        return set()
    rows = db.session.execute(
        select(EvidenceDocument.performer_id, EvidenceDocument.sha256).where(
            EvidenceDocument.sha256.in_({s for _, s in wanted}),
            EvidenceDocument.content_ct.is_not(None),
        )
    ).all()
    return {(p, s) for p, s in rows if (p, s) in wanted}


def views(versions_: Sequence[ConsentVersion], now: datetime | None = None) -> list[dict[str, Any]]:
    """Versions as the API shows them: status from the clock, names, evidence presence."""
    now = now or utcnow()
    performer_ids = {v.performer_id for v in versions_}
    production_ids = {v.production_id for v in versions_}
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    if performer_ids:
        names = {
            pid: name
            for pid, name in db.session.execute(
                select(Performer.id, Performer.professional_name).where(
                    Performer.id.in_(performer_ids)
                )
            )
        }
    if production_ids:
        codes = {
            qid: code
            for qid, code in db.session.execute(
                select(Production.id, Production.code).where(Production.id.in_(production_ids))
            )
        }
    docs = evidence_present((v.performer_id, v.evidence_sha256) for v in versions_)
    out = []
    for v in versions_:
        out.append(
            {
                "id": v.consent_id,
                "version": v.version,
                "version_id": v.id,
                "performer_id": v.performer_id,
                "performer_name": names.get(v.performer_id),
                "production_id": v.production_id,
                "production_code": codes.get(v.production_id),
                "purposes": v.purposes,
                "media": v.media,
                "description": v.description,
                "signed_by": v.signed_by,
                "signed_at": v.signed_at,
                "evidence_sha256": v.evidence_sha256,
                "evidence_uploaded": (v.performer_id, v.evidence_sha256) in docs,
                "guild_compliant": v.guild_compliant,
                "restrictions": v.restrictions,
                "effective_from": v.effective_from,
                "expires_at": v.expires_at,
                "status": status_of(v, now),
                "superseded_at": v.superseded_at,
                "revoked_at": v.revoked_at,
                "revocation_reason": v.revocation_reason,
                "created_at": v.created_at,
                "receipt": v.receipt,
                "termination_receipt": v.termination_receipt,
            }
        )
    return out


def view(version: ConsentVersion, now: datetime | None = None) -> dict[str, Any]:
    return views([version], now)[0]
