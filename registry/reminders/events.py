"""Webhook events: what the production's webhook is told beyond the notices, one function each.

The features that make these facts call them in their own transaction, as they call
``outbox.tell`` for notices: the talent gate when it decides a use request
(``decision.made``) and when decisions stop being valid (``decision.invalidated``), triage when
a declaration is triaged ``escalate`` (``declaration.escalated``) and when legal clears it
(``declaration.cleared``). Consents that end are told by the existing ``consent.revoked`` and
``consent.expired`` events (``receivers.py``).

Facts are ids, outcomes, rule ids and times: no names, no free text, nothing a production's
webhook could not read through the API with the production's own access. Every event goes
only to the webhook of the production it belongs to. Each one's ``data`` is listed in
README "Webhooks".

May import: ``core``, ``extensions``, ``reminders``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from registry.core.reads import SessionCursor
from registry.reminders.outbox import Event, announce


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def decision_made(
    *,
    decision_id: str,
    request_id: str,
    production_id: str,
    kind: str,
    outcome: str,
    rules: Sequence[str],
    sequence: int,
    trigger: str,
    valid_until: datetime | None,
    decided_at: datetime,
    ruleset_version: str,
    cursor: SessionCursor | None = None,
) -> None:
    """A use request got a new (current) decision (``cursor``: the decision's own, to join its
    batch of writes)."""
    data: dict[str, Any] = {
        "decision_id": decision_id,
        "request_id": request_id,
        "request_kind": kind,
        "outcome": outcome,
        "rules": list(rules),
        "sequence": sequence,
        "trigger": trigger,
        "valid_until": _iso(valid_until),
        "decided_at": _iso(decided_at),
        "ruleset_version": ruleset_version,
    }
    announce(
        [
            Event(
                "decision.made",
                production_id,
                ("decision", decision_id),
                f"Use request {request_id} decided: {outcome}",
                f"/requests/{request_id}",
                data,
            )
        ],
        decided_at,
        cursor,
    )


def decisions_invalidated(
    invalidated: Sequence[tuple[str, str, str, datetime]], *, reason: str, now: datetime
) -> None:
    """Decisions no longer valid: (decision id, request id, production id, since when) each;
    ``reason`` is why the consent they relied on ended (``revoked`` or ``expired``)."""
    announce(
        [
            Event(
                "decision.invalidated",
                production_id,
                ("decision", decision_id),
                f"Decision {decision_id} on use request {request_id} is no longer valid",
                f"/requests/{request_id}",
                {
                    "decision_id": decision_id,
                    "request_id": request_id,
                    "valid": False,
                    "reason": reason,
                    "invalidated_at": _iso(since),
                },
            )
            for decision_id, request_id, production_id, since in invalidated
        ],
        now,
    )


def declaration_escalated(
    *,
    declaration_id: str,
    production_id: str,
    version: int,
    triage_id: str,
    trigger: str,
    approval: str,
    rules: Sequence[str],
    decided_at: datetime,
    ruleset_version: str,
) -> None:
    """A declaration was triaged ``escalate``: it waits on legal (or the studio's guidance)."""
    announce(
        [
            Event(
                "decl.escalated",
                production_id,
                ("declaration", declaration_id),
                f"Declaration {declaration_id} (version {version}) escalated",
                f"/declarations/{declaration_id}",
                {
                    "declaration_id": declaration_id,
                    "version": version,
                    "triage_id": triage_id,
                    "level": "escalate",
                    "approval": approval,
                    "rules": list(rules),
                    "trigger": trigger,
                    "decided_at": _iso(decided_at),
                    "ruleset_version": ruleset_version,
                },
            )
        ],
        decided_at,
    )


def declaration_cleared(
    *,
    declaration_id: str,
    production_id: str,
    version: int,
    triage_id: str,
    approval_id: str,
    approval_needed: bool,
    cleared_at: datetime,
) -> None:
    """Legal cleared an escalated declaration (written approval, or none needed)."""
    announce(
        [
            Event(
                "decl.cleared",
                production_id,
                ("declaration", declaration_id),
                f"Declaration {declaration_id} (version {version}) cleared: it may proceed",
                f"/declarations/{declaration_id}",
                {
                    "declaration_id": declaration_id,
                    "version": version,
                    "triage_id": triage_id,
                    "approval_id": approval_id,
                    "approval_needed": approval_needed,
                    "cleared": True,
                    "cleared_at": _iso(cleared_at),
                },
            )
        ],
        cleared_at,
    )
