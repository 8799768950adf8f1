"""Checks on a consent's content that go beyond one field's format (C2, C5, time order).

One function, ``content_errors``, serves recording, amending and importing, so the three can
never disagree; ``new_consent_errors`` adds the look-ups of performer and production (a
performer the caller may not act for is answered exactly like a missing one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from registry.accounts.models import User
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers.access import can_change
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.rules.consent import BLANKET_DESCRIPTIONS

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def content_errors(
    data: Mapping[str, Any], performer: Performer | None, now: datetime | None = None
) -> Errors:
    """Every problem with the consent's fields taken together (absent fields are skipped)."""
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
        if " ".join(description.lower().split()) in BLANKET_DESCRIPTIONS:
            _add(errors, "description", "Describe the specific intended use (C2).")
    signed_by = data.get("signed_by")
    if performer is not None and signed_by:
        if performer.deceased and signed_by != "estate":
            _add(errors, "signed_by", "A deceased performer's consent is signed by the estate (C5).")
        if not performer.deceased and signed_by == "estate":
            _add(errors, "signed_by", "Only a deceased performer's estate signs for them.")
    signed_at = data.get("signed_at")
    if isinstance(signed_at, datetime) and signed_at > now:
        _add(errors, "signed_at", "Must not be in the future.")
    effective = data.get("effective_from") or signed_at
    expires = data.get("expires_at")
    if isinstance(expires, datetime):
        if isinstance(effective, datetime) and expires <= effective:
            field = "effective_from" if data.get("effective_from") else "signed_at"
            _add(errors, "expires_at", f"Must be after {field}.")
        elif expires <= now:
            _add(errors, "expires_at", "Is already in the past.")
    return errors


def new_consent_errors(
    data: Mapping[str, Any], user: User | None, now: datetime | None = None
) -> Errors:
    """``content_errors`` plus: the performer exists, is the caller's, is not erased; the
    production exists. ``user`` None is the system (command line without ``--as``)."""
    errors: Errors = {}
    performer: Performer | None = None
    performer_id = data.get("performer_id")
    if isinstance(performer_id, str):
        performer = db.session.get(Performer, performer_id)
        if performer is None or (user is not None and not can_change(user, performer_id)):
            performer = None
            _add(errors, "performer_id", "No such performer.")
        elif performer.erased_at is not None:
            _add(errors, "performer_id", "This performer's record was erased.")
    production_id = data.get("production_id")
    if isinstance(production_id, str) and db.session.get(Production, production_id) is None:
        _add(errors, "production_id", "No such production.")
    for field, messages in content_errors(data, performer, now).items():
        errors.setdefault(field, []).extend(messages)
    return errors
