"""decide(): one request's facts in, one Decision out. Pure: no I/O, no clock, no globals written.

Order of work:
1. R0 fail closed: a fact the request kind needs is missing or outside the vocabulary -> deny
   at once (nothing else can be judged). Contradictory facts -> R0 deny, the rest still runs so
   the decision explains everything.
2. The kind's rules (`kinds.py`), then R13 and R15 for any kind.
3. Combine: deny beats escalate beats allow. R14: valid written approvals turn an escalate into
   an allow (for R12 with uncleared sources, only an approval stating they were cleared; for
   R15 with no estate consent on record, only one confirming the estate's permission); they
   never turn a deny into an allow.
4. Explain: the rules that decided it apart from those only considered, what is missing for
   an allow (never written approval on a deny), and the next step in one sentence.
"""

from __future__ import annotations

from datetime import datetime

from registry.rules import labels
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
    estate,
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
                f"a replica of {labels.performer(performer)} "
                f"(replica {labels.replica(replica)} is of another performer)"
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
    name = labels.model(model)
    if not model.performer_ids:
        items.append(f"the performers model {name} was trained on")
    known = {p.id for p in model.performers}
    for pid in model.performer_ids:
        if pid not in known:  # nothing to name them by: the bridge found no performer row
            items.append(f"the facts of performer {pid} (guild, deceased)")
    if performer_id is not None and performer_id not in model.performer_ids:
        items.append(f"a performer model {name} was trained on (not the performer given)")
    return items


def _contradiction(inp: DecisionInput, t: Trace) -> None:
    if not inp.facts.as_recorded:
        return
    significant = significant_changes(inp)
    if significant:
        what = ", ".join(words for words, _ in significant)
        t.fire("R0", "contradictory", what=what)
        t.need(f"consistent facts (as_recorded contradicts {what})", "correct the request's facts")


def decide(inp: DecisionInput) -> Decision:
    """Decide one use request. Never raises on odd facts: it denies them (R0)."""
    items = _incomplete(inp)
    t = Trace(tuple(sorted(inp.media)))
    if items:
        t.fire("R0", "incomplete", items="; ".join(items))
        step = f"correct the request ({items[0]}), then ask again"
        return Decision(
            DENY, None, t.rules(), (), tuple(items), None, RULESET_VERSION, next_step=step
        )
    _contradiction(inp, t)
    HANDLERS[inp.kind](inp, t)
    if inp.facts.may_harm_reputation:
        t.fire("R13", "harm")
        t.needs_approval = True
    estate(inp, t)
    return _conclude(inp, t)


def _deny_step(actions: list[str]) -> str:
    unique = list(dict.fromkeys(actions))
    if not unique:
        return "ask again once what is missing is on record"
    more = len(unique) - 1
    tail = f" (and {more} more thing{'s' if more > 1 else ''} listed as missing)" if more else ""
    return f"{unique[0]}{tail}, then ask again"


def _escalate_step(t: Trace, clears: bool, confirms: bool, evidenced: bool) -> str:
    wants: list[str] = []
    if t.estate and not confirms:
        wants.append("confirms the estate's permission")
    if t.clearing and not clears:
        wants.append("states that the training sources were cleared")
    if not evidenced:
        wants.append("records its evidence")
    step = "send the request to legal for a written approval"
    return f"{step} that {' and '.join(wants)}" if wants else step


def _conclude(inp: DecisionInput, t: Trace) -> Decision:
    if t.worst < 0:  # cannot happen: every handler fires a rule; fail closed all the same
        t.fire("R0", "incomplete", items="a rule that decides this request")
    outcome = (ALLOW, ESCALATE, DENY)[t.worst]
    basis: str | None = None
    approval_ids: tuple[str, ...] = ()
    valid: list[ApprovalFact] = []
    clears = confirms = False
    stale = unevidenced = False
    if inp.approvals:
        relied_now = frozenset((c.id, c.version) for c in t.relied)
        evidenced = [
            a for a in inp.approvals if a.evidence_sha256 and not a.evidence_sha256.isspace()
        ]
        valid = [a for a in evidenced if a.relied is None or a.relied == relied_now]
        stale = len(valid) < len(evidenced)
        unevidenced = not evidenced
        clears = any(a.clears_sources for a in valid)
        confirms = any(a.confirms_estate for a in valid)
        if outcome != ALLOW:
            given = labels.approvals(inp.approvals)
            if outcome == DENY:
                t.fire("R14", "deny_stays", approvals=given)
            elif not valid:
                t.fire(
                    "R14",
                    "insufficient",
                    approvals=given,
                    detail="it approved the request as it stood on other consents"
                    if stale
                    else "it records no evidence",
                )
            elif t.clearing and not clears:
                t.fire(
                    "R14",
                    "insufficient",
                    approvals=given,
                    detail="it does not state that the training sources were cleared",
                )
            elif t.estate and not confirms:
                t.fire(
                    "R14",
                    "insufficient",
                    approvals=given,
                    detail="it does not confirm the estate's permission",
                )
            else:
                approval_ids = tuple(sorted({a.id for a in valid}))
                t.fire("R14", "lifted", approvals=labels.approvals(valid))
                outcome, basis = ALLOW, "written_approval"
    if outcome == ALLOW and basis is None:
        if t.by_consent:
            basis = "consent"
        elif t.exception is not None:
            basis = "customary_exception"
        else:  # an allow with nothing under it: fail closed
            t.fire("R0", "incomplete", items="a consent or customary exception to rest on")
            t.need("a consent or customary exception to rest on", "ask legal how to proceed")
            outcome = DENY
    fired = t.rules()
    if outcome == ALLOW:
        missing: tuple[str, ...] = ()
        step = "go ahead"
    else:
        wanted = t.missing
        if t.clearing and not clears:
            wanted.extend(t.clearing)
        if outcome == DENY:  # R14: an approval cannot lift a deny, so it is never asked for
            # The rules that denied decide it; R14 only says why an approval did not help.
            decided = tuple(r for r in fired if r.outcome == DENY and r.id != "R14")
            considered = tuple(r for r in fired if r.outcome != DENY or r.id == "R14")
            return Decision(
                DENY,
                None,
                decided,
                (),
                tuple(dict.fromkeys(wanted)),
                None,
                RULESET_VERSION,
                considered=considered,
                next_step=_deny_step(t.actions),
            )
        if t.needs_approval and (not valid or (t.estate and not confirms)):
            wanted.append(
                "written approval confirming the estate's permission"
                if t.estate and not confirms
                else "written approval"
            )
        missing = tuple(dict.fromkeys(wanted))
        step = _escalate_step(t, clears, confirms, not unevidenced)
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
        fired,
        consent_ids,
        missing,
        valid_until,
        RULESET_VERSION,
        approval_ids,
        t.exception,
        next_step=step,
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
