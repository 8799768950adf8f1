"""decide(): one request's facts in, one Decision out. Pure: no I/O, no clock, no globals written.

Order of work:
1. R0 fail closed: a fact the request kind needs is missing or outside the vocabulary -> deny
   at once (nothing else can be judged). Contradictory facts -> R0 deny, the rest still runs so
   the decision explains everything.
2. The kind's rules (`kinds.py`), then R13 for any kind.
3. Combine: deny beats escalate beats allow. R14: valid written approvals turn an escalate into
   an allow (for R12 with uncleared sources, only an approval stating they were cleared); they
   never turn a deny into an allow.
"""

from __future__ import annotations

from datetime import datetime

from registry.rules.consent import latest_versions
from registry.rules.decision import Decision
from registry.rules.facts import (
    CHANGES,
    CLEARANCES,
    MEDIA,
    PRODUCTION_KINDS,
    REQUEST_KINDS,
    ApprovalFact,
    DecisionInput,
    ModelFact,
)
from registry.rules.kinds import (
    HANDLERS,
    Trace,
    significant_changes,
    training_problems,
    uncleared_sources,
)
from registry.rules.table import ALLOW, DENY, ESCALATE, RULESET_VERSION

_KINDS = frozenset(REQUEST_KINDS)
_MEDIA = frozenset(MEDIA)
_CHANGES = frozenset(CHANGES)
_PRODUCTION_KINDS = frozenset(PRODUCTION_KINDS)
_CLEARANCES = frozenset(CLEARANCES)


def _incomplete(inp: DecisionInput) -> list[str]:
    """R0: what the request lacks before any rule can judge it (plain words, for `missing`)."""
    items: list[str] = []
    kind = inp.kind
    if kind not in _KINDS:
        return [f"a known request kind (not {kind!r})"]
    if inp.now.tzinfo is None:
        items.append("the time of the request, timezone-aware")
    if inp.production is None:
        items.append("the target production")
    elif inp.production.kind not in _PRODUCTION_KINDS:
        items.append(f"a known production kind (not {inp.production.kind!r})")
    if not inp.media:
        items.append("at least one medium")
    elif not inp.media <= _MEDIA:
        items.append(f"known media (not {', '.join(sorted(inp.media - _MEDIA))})")
    facts = inp.facts
    if not facts.changes <= _CHANGES:
        items.append(f"known changes (not {', '.join(sorted(facts.changes - _CHANGES))})")
    performer = inp.performer
    if kind == "model.use":
        model = inp.model
        if model is None:
            items.append("the model")
        else:
            items.extend(_model_incomplete(model, performer.id if performer else None))
    elif performer is None:
        items.append("the performer")
    if kind == "replica.use":
        replica = inp.replica
        if replica is None:
            items.append("the replica")
        elif performer is not None and replica.performer_id != performer.id:
            items.append(
                f"a replica of performer {performer.id} "
                f"(replica {replica.id} is of {replica.performer_id})"
            )
    elif kind == "alteration":
        if not (
            facts.changes
            or facts.as_recorded
            or facts.dubbing_or_double_permitted
            or facts.alters_tone_delivery_or_intent
            or facts.new_dialogue
        ):
            items.append("the change the alteration makes")
    elif kind == "model.train":
        for index, source in enumerate(facts.training_sources):
            if source.clearance not in _CLEARANCES:
                items.append(
                    f"a known clearance of training source {index} (not {source.clearance!r})"
                )
    return items


def _model_incomplete(model: ModelFact, performer_id: str | None) -> list[str]:
    items: list[str] = []
    if not model.performer_ids:
        items.append(f"the performers model {model.id} was trained on")
    known = {p.id for p in model.performers}
    for pid in model.performer_ids:
        if pid not in known:
            items.append(f"the facts of performer {pid} (guild, deceased)")
    if performer_id is not None and performer_id not in model.performer_ids:
        items.append(f"a performer model {model.id} was trained on (not {performer_id})")
    return items


def _contradiction(inp: DecisionInput, t: Trace) -> None:
    if not inp.facts.as_recorded:
        return
    significant = significant_changes(inp)
    if significant:
        what = ", ".join(words for words, _ in significant)
        t.fire("R0", "contradictory", what=what)
        t.need(f"consistent facts (as_recorded contradicts {what})")


def decide(inp: DecisionInput) -> Decision:
    """Decide one use request. Never raises on odd facts: it denies them (R0)."""
    items = _incomplete(inp)
    t = Trace(tuple(sorted(inp.media)))
    if items:
        t.fire("R0", "incomplete", items="; ".join(items))
        return Decision(DENY, None, t.rules(), (), tuple(items), None, RULESET_VERSION)
    _contradiction(inp, t)
    HANDLERS[inp.kind](inp, t)
    if inp.facts.may_harm_reputation:
        t.fire("R13", "harm")
        t.needs_approval = True
    return _conclude(inp, t)


def _conclude(inp: DecisionInput, t: Trace) -> Decision:
    if t.worst < 0:  # cannot happen: every handler fires a rule; fail closed all the same
        t.fire("R0", "incomplete", items="a rule that decides this request")
    outcome = (ALLOW, ESCALATE, DENY)[t.worst]
    basis: str | None = None
    approval_ids: tuple[str, ...] = ()
    valid: list[ApprovalFact] = []
    clears = False
    if inp.approvals:
        valid = [a for a in inp.approvals if a.evidence_sha256 and not a.evidence_sha256.isspace()]
        for approval in valid:
            if approval.clears_sources:
                clears = True
        if outcome != ALLOW:
            given = ", ".join(sorted({a.id for a in inp.approvals}))
            if outcome == DENY:
                t.fire("R14", "deny_stays", approvals=given)
            elif not valid:
                t.fire("R14", "insufficient", approvals=given, detail="it records no evidence")
            elif t.clearing and not clears:
                t.fire(
                    "R14",
                    "insufficient",
                    approvals=given,
                    detail="it does not state that the training sources were cleared",
                )
            else:
                approval_ids = tuple(sorted({a.id for a in valid}))
                t.fire("R14", "lifted", approvals=", ".join(approval_ids))
                outcome, basis = ALLOW, "written_approval"
    if outcome == ALLOW and basis is None:
        if t.by_consent:
            basis = "consent"
        elif t.exception is not None:
            basis = "customary_exception"
        else:  # an allow with nothing under it: fail closed
            t.fire("R0", "incomplete", items="a consent or customary exception to rest on")
            t.need("a consent or customary exception to rest on")
            outcome = DENY
    if outcome == ALLOW:
        missing: tuple[str, ...] = ()
    else:
        wanted = t.missing
        if t.clearing and not clears:
            wanted.extend(t.clearing)
        if t.needs_approval and not valid:
            wanted.append("written approval")
        missing = tuple(dict.fromkeys(wanted))
        if outcome == DENY:
            return Decision(DENY, None, t.rules(), (), missing, None, RULESET_VERSION)
    relied = t.relied
    if not relied:
        consent_ids: tuple[str, ...] = ()
        valid_until = None
    elif len(relied) == 1:
        consent_ids, valid_until = (relied[0].id,), relied[0].expires_at
    else:
        consent_ids = tuple(sorted({c.id for c in relied}))
        valid_until = min([c.expires_at for c in relied])
    return Decision(
        outcome,
        basis,
        t.rules(),
        consent_ids,
        missing,
        valid_until,
        RULESET_VERSION,
        approval_ids,
        t.exception,
    )


def model_status(model: ModelFact, now: datetime) -> str:
    """'retired' | 'blocked' (R11) | 'suspended' (R10) | 'active'; blocked beats suspended.

    Fails closed: a naive `now`, or a performer without facts, reads as suspended."""
    if model.retired:
        return "retired"
    if uncleared_sources(model.sources):
        return "blocked"
    if now.tzinfo is None:
        return "suspended"
    performers = {p.id: p for p in model.performers}
    notes, _ = training_problems(model, latest_versions(model.training_consents), performers, now)
    return "suspended" if notes else "active"
