"""How triage hears of the talent gate (``core.signals``; imported by ``registry.app``).

A use request may serve a declaration only in the declaration's production and for a
performer the declaration names. When such a request is decided, or a decision of one stops
being valid (the revocation cascade), the declaration is triaged again, in the same
transaction: its principle 5 and what it still needs depend on those requests. Legal's queue
(the gate's page) lists the escalated declarations waiting on legal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from registry.accounts.models import User
from registry.core.chunks import chunked
from registry.core.clock import utcnow
from registry.core.signals import (
    decisions_invalidated,
    escalations_listed,
    request_decided,
    request_link_checked,
)
from registry.extensions import db
from registry.gate.overview import production_declarations
from registry.gate.use_requests.models import UseRequest
from registry.triage.declarations import (
    can_see,
    current_version,
    declarations_query,
    present,
    retriage,
)
from registry.triage.models import Declaration

CHUNK = 500


@request_link_checked.connect
def may_serve(
    sender: Any,
    *,
    user: User,
    declaration_id: str,
    production_id: str,
    performer_id: str | None,
    **_: Any,
) -> str | None:
    decl = db.session.get(Declaration, declaration_id)
    if decl is None or not can_see(user, decl.production_id):
        return "No such declaration."
    if decl.production_id != production_id:
        return "The declaration belongs to another production."
    named = list(current_version(decl).performer_ids or ())
    if performer_id is not None and performer_id not in named:
        return "The declaration does not name this performer: amend it to name them first."
    return None


@request_decided.connect
def on_request_decided(
    sender: Any,
    *,
    declaration_id: str,
    at: datetime,
    actor_id: str | None = None,
    **_: Any,
) -> None:
    decl = db.session.get(Declaration, declaration_id)
    if decl is not None:
        retriage(decl, at, trigger="use_request", actor_id=actor_id)


@decisions_invalidated.connect
def on_decisions_invalidated(
    sender: Any,
    *,
    decision_ids: Sequence[str],
    at: datetime,
    actor_id: str | None = None,
    **_: Any,
) -> None:
    declaration_ids: set[str] = set()
    for chunk in chunked(sorted(set(decision_ids)), CHUNK):
        declaration_ids.update(
            d
            for d in db.session.execute(
                select(UseRequest.declaration_id).where(
                    UseRequest.current_decision_id.in_(chunk),
                    UseRequest.declaration_id.is_not(None),
                )
            ).scalars()
            if d is not None
        )
    for declaration_id in sorted(declaration_ids):
        decl = db.session.get(Declaration, declaration_id)
        if decl is not None:
            retriage(decl, at, trigger="use_request", actor_id=actor_id)


QUEUE_LIMIT = 200


@escalations_listed.connect
def waiting_on_legal(sender: Any, *, user: User, now: datetime, **_: Any) -> list[dict[str, Any]]:
    """Escalated declarations the user may see that are neither cleared nor refused, oldest
    first (for legal's queue)."""
    stmt = declarations_query(user, {"level": "escalate"}).order_by(None)
    stmt = stmt.order_by(Declaration.created_at, Declaration.id).limit(QUEUE_LIMIT)
    items = []
    for d in present(list(db.session.execute(stmt).scalars()), now):
        triage = d["triage"]
        if triage["cleared"] or triage["refused"]:
            continue
        items.append(
            {
                "id": d["id"],
                "production_id": d["production_id"],
                "title": d["title"],
                "link": f"/declarations/{d['id']}",
                "level": triage["level"],
                "summary": "; ".join(
                    r["reason"] for r in triage["rules"] if r["outcome"] == "escalate"
                ),
                "next_step": triage["next_step"],
                "asked_at": d["created_at"],
            }
        )
    return items


@production_declarations.connect
def declarations_of(
    sender: Any, *, user: User, production_id: str, **_: Any
) -> list[dict[str, Any]]:
    """The production's declarations the user may see, newest first (for its page)."""
    stmt = declarations_query(user, {"production_id": production_id}).limit(QUEUE_LIMIT)
    items = []
    for d in present(list(db.session.execute(stmt).scalars()), utcnow()):
        triage = d["triage"]
        status = "refused" if triage["refused"] else "cleared" if triage["cleared"] else "open"
        items.append(
            {
                "id": d["id"],
                "title": d["title"],
                "level": triage["level"],
                "status": status,
                "next_step": triage["next_step"],
                "created_at": d["created_at"],
            }
        )
    return items
