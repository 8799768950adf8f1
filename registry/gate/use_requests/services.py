"""Use requests: submit, decide (the one path to the rules engine), re-evaluate, read.

``decide_request`` is the only caller of ``registry.rules.decide`` in the registry: the API,
the pages, approvals, re-evaluation and the cascade all come through it. It loads the facts,
decides, stores the decision with the consent versions it relied on, signs its receipt and
audits it, in the caller's transaction. Its rows are written straight to the driver, which
the audit's session hooks do not see: so it hashes the states of the decision and of the
request (now pointing at it) from the values in hand and appends them with the decision's own
events, in the same ``record_all`` (``registry.audit.records``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from registry.accounts.models import User
from registry.audit.records import state_entry
from registry.audit.services import AuditEntry
from registry.audit.trail import record_all
from registry.core.clock import utcnow
from registry.core.errors import Forbidden, Invalid, NotFound
from registry.core.hashing import sha256_hex
from registry.core.ids import new_id
from registry.core.reads import SessionCursor
from registry.core.signals import request_decided, request_link_checked
from registry.core.writes import Write
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.use_requests.models import DecisionConsent, DecisionRecord, UseRequest
from registry.gate.use_requests.validity import VALID, present, valid_clause, validities
from registry.productions.access import can_see_production, member_production_ids
from registry.receipts.signer import sign as sign_receipt
from registry.reminders import events as webhook_events
from registry.rules import RULESET_VERSION, Decision, DecisionInput, FiredRule, decide

DECISIONS = cast(Table, DecisionRecord.__table__)
DECISION_CONSENTS = cast(Table, DecisionConsent.__table__)
REQUESTS = cast(Table, UseRequest.__table__)
# The writes of a submission and a decision: compiled once, sent straight to the driver
# (``registry.core.writes``), in the session's transaction.
_REQUEST_KEYS = tuple(c.key for c in REQUESTS.c)
_INSERT_REQUEST = Write(insert(REQUESTS), _REQUEST_KEYS)
_INSERT_DECISION = Write(insert(DECISIONS), (c.key for c in DECISIONS.c))
_INSERT_DECISION_CONSENTS = Write(
    insert(DECISION_CONSENTS), ("decision_id", "version_id", "consent_id")
)
_POINT_TO_DECISION = Write(
    update(REQUESTS)
    .where(REQUESTS.c.id == bindparam("request_id"))
    .values(current_decision_id=bindparam("decision_id"), decision_count=bindparam("sequence")),
    ("request_id", "decision_id", "sequence"),
)
READERS = ("admin", "vfx_lead", "legal")
REQUESTERS = ("admin", "vfx_lead")
FACT_FLAGS = (
    "as_recorded",
    "safety",
    "unrecognizable",
    "dubbing_or_double_permitted",
    "alters_tone_delivery_or_intent",
    "new_dialogue",
    "may_harm_reputation",
)


# -- who sees what ------------------------------------------------------------------------------


def can_see_request(user: User, req: UseRequest) -> bool:
    if user.role == "vfx_lead":
        return can_see_production(user, req.production_id)
    return user.role in READERS


def visible_request(user: User, request_id: str, *, lock: bool = False) -> UseRequest:
    """The request, or NotFound. ``lock``: take a row lock (PostgreSQL ``FOR UPDATE``; on
    SQLite every transaction already holds the write lock), refreshing what the session holds."""
    if lock:
        req = db.session.execute(
            select(UseRequest)
            .where(UseRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
    else:
        req = db.session.get(UseRequest, request_id)
    if req is None or not can_see_request(user, req):
        raise NotFound("No such request.")
    return req


def current_decision(req: UseRequest) -> DecisionRecord:
    row = db.session.get(DecisionRecord, req.current_decision_id)
    assert row is not None, "every stored request has a decision"
    return row


def requests_query(user: User, filters: dict[str, Any], now: datetime) -> Select[Any]:
    """Requests the user may see, newest first, filtered by the list endpoint's filters."""
    stmt = select(UseRequest).order_by(UseRequest.created_at.desc(), UseRequest.id.desc())
    if user.role == "vfx_lead":
        stmt = stmt.where(UseRequest.production_id.in_(member_production_ids(user)))
    elif user.role not in READERS:
        raise Forbidden("Your role may not read requests.")
    for name in (
        "production_id",
        "kind",
        "model_id",
        "performer_id",
        "replica_id",
        "declaration_id",
    ):
        if filters.get(name):
            stmt = stmt.where(getattr(UseRequest, name) == filters[name])
    if filters.get("outcome") or filters.get("valid") is not None:
        stmt = stmt.join(DecisionRecord, DecisionRecord.id == UseRequest.current_decision_id)
        if filters.get("outcome"):
            stmt = stmt.where(DecisionRecord.outcome == filters["outcome"])
        if filters.get("valid") is True:
            stmt = stmt.where(valid_clause(now))
        elif filters.get("valid") is False:
            stmt = stmt.where(~valid_clause(now))
    return stmt


# -- deciding -------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rules(rules: tuple[FiredRule, ...]) -> list[dict[str, str]]:
    return [
        {"id": r.id, "section": r.section, "reason": r.reason, "outcome": r.outcome} for r in rules
    ]


def receipt_payload(
    req: UseRequest,
    inp: DecisionInput,
    decision: Decision,
    decision_id: str,
    sequence: int,
    now: datetime,
) -> dict[str, Any]:
    """What a decision receipt commits to (API.md "Decisions"): what was asked (kind,
    performer, production, model or replica, media, the facts (as judged, canonical
    JSON) with the names a person knows them by, and what was decided under which ruleset.
    ``facts`` are the facts as stored and judged: every fact the API names, those not given as
    false or empty (API.md: "Facts not given are false or empty")."""
    performer, production = inp.performer, inp.production
    return {
        "typ": "decision",
        "decision_id": decision_id,
        "request_id": req.id,
        "sequence": sequence,
        "kind": req.kind,
        "performer_id": req.performer_id,
        "performer_name": performer.name if performer is not None else None,
        "production_id": req.production_id,
        "production_code": production.code if production is not None else None,
        "model_id": req.model_id,
        "model_name": inp.model.name if inp.model is not None else None,
        "replica_id": req.replica_id,
        "replica_name": inp.replica.name if inp.replica is not None else None,
        "media": sorted(req.media or ()),
        "facts": req.facts or {},
        "outcome": decision.outcome,
        "basis": decision.basis,
        "rules": list(decision.rule_ids),
        "consent_ids": list(decision.consent_ids),
        "approval_ids": list(decision.approval_ids),
        "decided_at": now.isoformat(),
        "valid_until": _iso(decision.valid_until),
        "ruleset_version": decision.ruleset_version,
    }


@dataclass(frozen=True, slots=True)
class Submission:
    """A request submitted in this very transaction: its row (``row``, inserted by
    ``decide_request`` with its decision), what its checks read (``checked``, not read again
    when deciding) and the event that records it (appended in the same append as the
    decision's, so the trail takes its lock and reads its head once)."""

    row: dict[str, Any]
    checked: bridge.Checked
    created: AuditEntry


def decide_request(
    req: UseRequest,
    now: datetime,
    *,
    trigger: str = "request",
    actor_id: str | None = None,
    submission: Submission | None = None,
) -> DecisionRecord:
    """Decide ``req`` as of ``now`` and store the decision as its current one (signed, audited).

    Earlier decisions are kept unchanged. Returns the stored decision (a copy not attached to
    the session: it is valid as made). The rows are written with fixed statements sent
    straight to the driver (a submitted request's own row, the decision, the consent versions
    it relied on, the request's pointer to it, its webhook event if the production has a
    webhook; ``registry.core.writes``) rather than ORM flushes, whose per-call work would cost
    more than loading the facts and deciding together; on PostgreSQL they go in one round trip.

    Everything is read, decided, signed and hashed before the first write (a submitted
    request's own row included), and the writes follow one another, the trail's append last:
    on PostgreSQL the trail's lock (taken by the append, held until the commit) then covers
    only the append and the commit. (On SQLite every transaction begins IMMEDIATE: the whole
    transaction holds the write lock, reads included, so that a decision never relies on
    facts another writer is changing.)
    """
    checked = submission.checked if submission is not None else None
    loaded = bridge.load(db.session, req, now, checked)
    decision = decide(loaded.input)
    sequence = req.decision_count + 1
    decision_id = new_id("dec")
    payload = receipt_payload(req, loaded.input, decision, decision_id, sequence, now)
    receipt = sign_receipt(payload)
    values = {
        "id": decision_id,
        "request_id": req.id,
        "sequence": sequence,
        "trigger": trigger,
        "outcome": decision.outcome,
        "basis": decision.basis,
        "rules": _rules(decision.rules),
        "considered": _rules(decision.considered),
        "consent_ids": list(decision.consent_ids),
        "missing": list(decision.missing),
        "approval_ids": list(decision.approval_ids),
        "exception": decision.exception,
        "next_step": decision.next_step,
        "valid_until": decision.valid_until,
        "decided_at": now,
        "decided_by": actor_id,
        "ruleset_version": decision.ruleset_version,
        "receipt": receipt,
        "invalidated_at": None,
        "invalidated_reason": None,
    }
    relied = [
        {"decision_id": decision_id, "version_id": loaded.version_ids[cid], "consent_id": cid}
        for cid in decision.consent_ids
    ]
    made = AuditEntry(
        "decision.made",
        "decision",
        decision_id,
        {**payload, "receipt_sha256": sha256_hex(receipt.encode())},
        actor_id,
    )
    pointed = {"current_decision_id": decision_id, "decision_count": sequence}
    states = [
        state_entry("use_request", {**_request_row(req), **pointed}),
        state_entry("decision", values, {"relied": relied}),
    ]
    cursor = SessionCursor(db.session)
    if submission is not None:
        # The object joins the session as the persistent row it is about to be (the documented
        # pattern for rows already in the database; nothing reads it through the session before
        # the INSERT below): cheaper than a unit-of-work flush.
        make_transient_to_detached(req)
        db.session.add(req)
    with cursor.batch():  # PostgreSQL: the writes in one round trip
        if submission is not None:
            _INSERT_REQUEST.run(cursor, submission.row)  # the first write
        _INSERT_DECISION.run(cursor, values)
        if relied:
            _INSERT_DECISION_CONSENTS.run_many(cursor, relied)
        _POINT_TO_DECISION.run(
            cursor, {"request_id": req.id, "decision_id": decision_id, "sequence": sequence}
        )
        # queued only if the production has a webhook: the statement itself checks
        webhook_events.decision_made(
            decision_id=decision_id,
            request_id=req.id,
            production_id=req.production_id,
            kind=req.kind,
            outcome=decision.outcome,
            rules=[r.id for r in decision.rules],
            sequence=sequence,
            trigger=trigger,
            valid_until=decision.valid_until,
            decided_at=now,
            ruleset_version=decision.ruleset_version,
            cursor=cursor,
        )
    set_committed_value(req, "current_decision_id", decision_id)
    set_committed_value(req, "decision_count", sequence)
    record_all([submission.created, made] if submission is not None else [made], states)
    if req.declaration_id is not None:
        request_decided.send(
            None, declaration_id=req.declaration_id, request_id=req.id, at=now, actor_id=actor_id
        )
    return DecisionRecord(**values)


def _request_row(req: UseRequest) -> dict[str, Any]:
    """The request's columns as they now stand (its pointer to the decision included)."""
    return {key: getattr(req, key) for key in _REQUEST_KEYS}


# -- submitting -----------------------------------------------------------------------------------


def _stored_facts(facts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: bool(facts.get(name, False)) for name in FACT_FLAGS}
    out["changes"] = sorted(set(facts.get("changes") or ()))
    out["training_sources"] = [
        {"description": s["description"], "clearance": s["clearance"]}
        for s in facts.get("training_sources") or ()
    ]
    return out


def _check_references(user: User, data: dict[str, Any]) -> tuple[str | None, bridge.Checked]:
    """Every refusal before anything is written: 422 for bad fields, 404 for hidden objects.

    Returns the performer the request is about (for replica.use: the replica's by default) and
    what was read on the way (its production, the performer given)."""
    kind = data["kind"]
    errors: dict[str, list[str]] = {}
    performer_id = data.get("performer_id")
    performer = None
    cursor = SessionCursor(db.session)
    if kind not in ("model.use", "replica.use") and not performer_id:
        errors["performer_id"] = [f"Required for a {kind} request."]
    if performer_id:
        performer = bridge.performer_fact(db.session, performer_id)
        if performer is None:
            errors["performer_id"] = ["No performer with this id."]
    if kind == "replica.use" and not data.get("replica_id"):
        errors["replica_id"] = ["Required for a replica.use request."]
    if kind != "replica.use" and data.get("replica_id"):
        errors["replica_id"] = ["Only for a replica.use request."]
    if kind == "model.use" and not data.get("model_id"):
        errors["model_id"] = ["Required for a model.use request."]
    if kind != "model.use" and data.get("model_id"):
        errors["model_id"] = ["Only for a model.use request."]
    if errors:
        raise Invalid("Some fields are invalid.", errors)
    production_id = data["production_id"]
    production = bridge.production_fact(db.session, production_id)
    if production is None or not can_see_production(user, production_id):
        raise NotFound("No such production.", {"production_id": ["No such production."]})
    if data.get("replica_id"):
        replicas = cursor.rows(bridge.REPLICA, replica_id=data["replica_id"])
        if not replicas or not can_see_production(user, replicas[0].production_id):
            raise NotFound("No such replica.", {"replica_id": ["No such replica."]})
        performer_id = performer_id or replicas[0].performer_id
    if data.get("model_id"):
        models = cursor.rows(bridge.MODEL, model_id=data["model_id"])
        if not models or not can_see_production(user, models[0].production_id):
            raise NotFound("No such model.", {"model_id": ["No such model."]})
    if data.get("declaration_id"):
        _check_declaration(user, data["declaration_id"], production_id, performer_id)
    return performer_id, bridge.Checked(production, performer)


def _check_declaration(
    user: User, declaration_id: str, production_id: str, performer_id: str | None
) -> None:
    """422 unless the request may serve this declaration (the triage feature answers)."""
    answers = [
        answer
        for _, answer in request_link_checked.send(
            None,
            user=user,
            declaration_id=declaration_id,
            production_id=production_id,
            performer_id=performer_id,
        )
    ]
    problems = [a for a in answers if a is not None] if answers else ["No such declaration."]
    if problems:
        raise Invalid("Some fields are invalid.", {"declaration_id": problems})


def submit_request(
    data: dict[str, Any], *, user: User, now: datetime | None = None
) -> tuple[UseRequest, DecisionRecord]:
    """Store a use request and decide it at once (a deny is stored too: it is not an error).

    Returns the request and its first decision (valid as made)."""
    now = now or utcnow()
    if not user.has_role(*REQUESTERS):
        raise Forbidden("Your role may not submit use requests.")
    performer_id, checked = _check_references(user, data)
    values: dict[str, Any] = {
        "id": new_id("req"),
        "kind": data["kind"],
        "performer_id": performer_id,
        "production_id": data["production_id"],
        "replica_id": data.get("replica_id"),
        "model_id": data.get("model_id"),
        "media": sorted(set(data["media"])),
        "description": data["description"],
        "facts": _stored_facts(data.get("facts") or {}),
        "requested_by": user.id,
        "declaration_id": data.get("declaration_id"),
        "created_at": now,
        "current_decision_id": None,
        "decision_count": 0,
    }
    req = UseRequest(**values)  # inserted by decide_request, after everything it reads
    created = AuditEntry(
        "request.created",
        "use_request",
        req.id,
        {
            "kind": req.kind,
            "production_id": req.production_id,
            "performer_id": req.performer_id,
            "model_id": req.model_id,
            "replica_id": req.replica_id,
            "media": req.media,
            "facts": req.facts,
            **({"declaration_id": req.declaration_id} if req.declaration_id else {}),
        },
        user.id,
    )
    decided = decide_request(
        req,
        now,
        trigger="request",
        actor_id=user.id,
        submission=Submission(values, checked, created),
    )
    return req, decided


def decided_now(req: UseRequest, now: datetime) -> Decision:
    """The request decided again under the current ruleset, in memory: nothing is written."""
    return decide(bridge.load(db.session, req, now).input)


def missing_now(req: UseRequest, decision: DecisionRecord, now: datetime) -> list[str]:
    """What the decision lacks for an allow, in the current ruleset's words (a decision made
    under an older ruleset is decided again in memory to say it)."""
    if decision.ruleset_version == RULESET_VERSION:
        return list(decision.missing)
    return list(decided_now(req, now).missing)


def reevaluate(
    request_id: str, *, user: User, now: datetime | None = None
) -> tuple[UseRequest, DecisionRecord]:
    """Decide the request again on the current facts (a new decision; the old ones stay)."""
    now = now or utcnow()
    req = visible_request(user, request_id, lock=True)
    return req, decide_request(req, now, trigger="reevaluation", actor_id=user.id)


def decisions_query(req: UseRequest) -> Select[Any]:
    return (
        select(DecisionRecord)
        .where(DecisionRecord.request_id == req.id)
        .order_by(DecisionRecord.sequence)
    )


# -- presenting -----------------------------------------------------------------------------------


def present_request(req: UseRequest, decision: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": req.id,
        "kind": req.kind,
        "performer_id": req.performer_id,
        "production_id": req.production_id,
        "replica_id": req.replica_id,
        "model_id": req.model_id,
        "media": req.media,
        "description": req.description,
        "facts": req.facts,
        "requested_by": req.requested_by,
        "declaration_id": req.declaration_id,
        "created_at": req.created_at,
        "decision_count": req.decision_count,
        "decision": decision,
    }


def present_decisions(
    rows: list[DecisionRecord], now: datetime, tz: tzinfo = UTC
) -> list[dict[str, Any]]:
    """Each decision with its validity; the dates in its sentences are in ``tz`` (a page passes
    the reader's zone; the API keeps UTC)."""
    found = validities(db.session, rows, now)
    return [present(row, found[row.id], tz) for row in rows]


def present_requests(
    reqs: list[UseRequest], now: datetime, tz: tzinfo = UTC
) -> list[dict[str, Any]]:
    """Each request with its current decision (two queries for the whole list), its sentences'
    dates in ``tz``."""
    ids = [r.current_decision_id for r in reqs]
    rows = list(
        db.session.execute(select(DecisionRecord).where(DecisionRecord.id.in_(ids))).scalars()
    )
    by_id = {d["id"]: d for d in present_decisions(rows, now, tz)}
    return [present_request(r, by_id[str(r.current_decision_id)]) for r in reqs]


def present_made(req: UseRequest, decided: DecisionRecord) -> dict[str, Any]:
    """A request with the decision just made, without reading it back (it is valid as made)."""
    return present_request(req, present(decided, VALID))
