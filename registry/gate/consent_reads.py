"""The gate's receiver of ``consent_read_granted``: a vfx_lead may read a consent that a
decision of a production they are a member of relied on (API.md, roles). Connected by
``registry.app`` in every process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.core.signals import consent_read_granted
from registry.extensions import db
from registry.gate.use_requests.models import DecisionConsent, DecisionRecord, UseRequest
from registry.productions.access import member_production_ids


@consent_read_granted.connect
def relied_on_in_their_productions(sender: Any, *, user: Any, consent_id: str, **_: Any) -> bool:
    if user.role != "vfx_lead":
        return False
    found = db.session.execute(
        select(DecisionConsent.consent_id)
        .join(DecisionRecord, DecisionRecord.id == DecisionConsent.decision_id)
        .join(UseRequest, UseRequest.id == DecisionRecord.request_id)
        .where(
            DecisionConsent.consent_id == consent_id,
            UseRequest.production_id.in_(member_production_ids(user)),
        )
        .limit(1)
    ).first()
    return found is not None
