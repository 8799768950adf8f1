"""Checks on a consent's content that go beyond one field's format (C2, C5, time order).

One function, ``content_errors``, serves recording, amending (through ``amend_errors``) and
importing, so the three can never disagree; ``new_consent_errors`` adds the look-ups of
performer and production through a ``Lookups`` object: ``DbLookups`` asks the database with
the caller's rights (a performer the caller may not act for is answered exactly like a missing
one), ``SnapshotLookups`` holds the same answers in memory for a bulk import (and can travel to
worker processes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import g, has_request_context, request
from sqlalchemy import select

from registry.accounts.models import User
from registry.consents.models import Consent, ConsentVersion
from registry.consents.status import status_of
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers.access import can_change, represented_ids
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.rules.blanket import blanket_grant, blanket_message

Errors = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class PerformerInfo:
    id: str
    professional_name: str
    deceased: bool
    erased: bool


@dataclass(frozen=True, slots=True)
class ProductionInfo:
    id: str
    code: str
    title: str


class Lookups(Protocol):
    def performer(self, performer_id: str) -> PerformerInfo | None:
        """The performer if it exists and the caller may act for them; None otherwise."""

    def production(self, production_id: str) -> ProductionInfo | None: ...


def _performer_info(row: Performer) -> PerformerInfo:
    return PerformerInfo(row.id, row.professional_name, row.deceased, row.erased_at is not None)


class DbLookups:
    """Look-ups in the database with ``user``'s rights (None: the system, every performer)."""

    def __init__(self, user: User | None) -> None:
        self.user = user

    def performer(self, performer_id: str) -> PerformerInfo | None:
        row = db.session.get(Performer, performer_id)
        if row is None or (self.user is not None and not can_change(self.user, performer_id)):
            return None
        return _performer_info(row)

    def production(self, production_id: str) -> ProductionInfo | None:
        row = db.session.get(Production, production_id)
        return ProductionInfo(row.id, row.code, row.title) if row is not None else None


class SnapshotLookups:
    """Every performer ``user`` may act for and every production, loaded once (bulk import)."""

    def __init__(
        self, performers: dict[str, PerformerInfo], productions: dict[str, ProductionInfo]
    ) -> None:
        self.performers = performers
        self.productions = productions

    @classmethod
    def load(cls, user: User | None) -> SnapshotLookups:
        stmt = select(
            Performer.id, Performer.professional_name, Performer.deceased, Performer.erased_at
        )
        if user is not None and user.role != "admin":
            stmt = stmt.where(Performer.id.in_(represented_ids(user)))
        performers = {
            pid: PerformerInfo(pid, name, bool(deceased), erased is not None)
            for pid, name, deceased, erased in db.session.execute(stmt)
        }
        productions = {
            qid: ProductionInfo(qid, code, title)
            for qid, code, title in db.session.execute(
                select(Production.id, Production.code, Production.title)
            )
        }
        return cls(performers, productions)

    def performer(self, performer_id: str) -> PerformerInfo | None:
        return self.performers.get(performer_id)

    def production(self, production_id: str) -> ProductionInfo | None:
        return self.productions.get(production_id)


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def content_errors(
    data: Mapping[str, Any],
    performer: Any,
    now: datetime | None = None,
    unknown: Collection[str] = (),
) -> Errors:
    """Every problem with the consent's fields taken together (absent fields are skipped).
    ``performer``: anything with ``deceased`` (or None when unknown). ``unknown``: fields that
    failed their own checks (given as None): no check involves them, not even as a default."""
    now = now or utcnow()
    errors: Errors = {}
    for name in ("purposes", "media"):
        values = data.get(name)
        if isinstance(values, list) and len(set(values)) != len(values):
            _add(errors, name, "Lists a value more than once.")
    purposes, media = data.get("purposes") or [], data.get("media") or []
    if "synthetic_voice" in purposes and media and "voice" not in media:
        _add(errors, "media", "A synthetic_voice consent must cover the voice medium.")
    description = data.get("description")
    if isinstance(description, str):
        blanket = blanket_grant(description)
        if blanket is not None:
            _add(errors, "description", blanket_message(blanket))
    signed_by = data.get("signed_by")
    if performer is not None and signed_by:
        if performer.deceased and signed_by != "estate":
            _add(
                errors, "signed_by", "A deceased performer's consent is signed by the estate (C5)."
            )
        if not performer.deceased and signed_by == "estate":
            _add(errors, "signed_by", "Only a deceased performer's estate signs for them.")
    signed_at = data.get("signed_at")
    if isinstance(signed_at, datetime) and signed_at > now:
        _add(errors, "signed_at", "Must not be in the future.")
    effective = None if "effective_from" in unknown else (data.get("effective_from") or signed_at)
    expires = data.get("expires_at")
    if isinstance(expires, datetime):
        if isinstance(effective, datetime) and expires <= effective:
            field = "effective_from" if data.get("effective_from") else "signed_at"
            _add(errors, "expires_at", f"Must be after {field}.")
        elif expires <= now:
            _add(errors, "expires_at", "Is already in the past.")
    return errors


def new_consent_errors(
    data: Mapping[str, Any], lookups: Lookups, now: datetime | None = None
) -> Errors:
    """``content_errors`` plus: the performer exists, is the caller's to act for, is not
    erased; the production exists."""
    errors: Errors = {}
    performer: PerformerInfo | None = None
    performer_id = data.get("performer_id")
    if isinstance(performer_id, str):
        performer = lookups.performer(performer_id)
        if performer is None:
            _add(errors, "performer_id", "No such performer.")
        elif performer.erased:
            _add(errors, "performer_id", "This performer's record was erased.")
    production_id = data.get("production_id")
    if isinstance(production_id, str) and lookups.production(production_id) is None:
        _add(errors, "production_id", "No such production.")
    for field, messages in content_errors(data, performer, now).items():
        errors.setdefault(field, []).extend(messages)
    return errors


# What an amendment starts from: the current version's values, then the amendment's changes.
AMEND_BASE = (
    "purposes",
    "media",
    "description",
    "restrictions",
    "guild_compliant",
    "signed_by",
    "effective_from",
    "expires_at",
)


def amended(current: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The current version's values with ``changes`` applied: what the new version will say."""
    merged = {name: getattr(current, name) for name in AMEND_BASE}
    merged.update(changes)
    return merged


def amend_errors(
    current: Any,
    performer: Performer,
    changes: Mapping[str, Any],
    now: datetime | None = None,
    unknown: Collection[str] = (),
) -> Errors:
    """``content_errors`` of the amended consent, and the performer must not be erased.
    ``changes``: the fields given that passed their own checks (fields not given keep the
    current version's values); ``unknown``: those given that failed, which no check may judge,
    nor judge others by, as the value they were meant to replace. So a refusal names every bad
    field at once, and only those."""
    merged = amended(current, changes)
    merged.update(dict.fromkeys(unknown))
    errors = content_errors(merged, performer, now, unknown)
    if performer.erased_at is not None:
        _add(errors, "performer_id", "This performer's record was erased.")
    return errors


@dataclass(frozen=True, slots=True)
class AmendBase:
    current: Any  # the consent's current version
    performer: Performer


def amend_base_of_request() -> AmendBase | None:
    """The current version and performer of the consent in this request's URL, when the caller
    may amend it and it is still pending or active; None otherwise (the view answers)."""
    if not has_request_context():
        return None
    consent_id = (request.view_args or {}).get("consent_id")
    user = g.get("actor")
    consent = db.session.get(Consent, consent_id) if isinstance(consent_id, str) else None
    if consent is None or user is None or not can_change(user, consent.performer_id):
        return None
    current = db.session.execute(
        select(ConsentVersion).where(
            ConsentVersion.consent_id == consent.id,
            ConsentVersion.version == consent.current_version,
        )
    ).scalar_one()
    performer = db.session.get(Performer, consent.performer_id)
    if performer is None or status_of(current, utcnow()) not in ("pending", "active"):
        return None
    return AmendBase(current, performer)
