"""The rules of each request kind (R1-R12), written against the table in `table.py`.

Each handler reads a DecisionInput whose facts `engine._incomplete` has already found complete
(performer, production, model or replica present, vocabulary known) and records into a Trace
what fired, what is missing, and which consents it relied on. `engine.decide` combines them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from registry.rules.consent import consent_problems, cover, holds, latest_versions, near_misses
from registry.rules.decision import FiredRule
from registry.rules.facts import (
    CUSTOMARY_CHANGES,
    ConsentFact,
    DecisionInput,
    ModelFact,
    PerformerFact,
    SourceFact,
)
from registry.rules.table import RULES, SEVERITY

_CUSTOMARY = frozenset(CUSTOMARY_CHANGES)
_CLEARED = frozenset({"owned", "cleared"})
# (rule id, case) -> (rule order, section, reason template, outcome, severity, the FiredRule
# itself when its reason has no blanks to fill), read off the table once
_CASES = {
    (rule.id, name): (
        order,
        rule.section,
        case.reason,
        case.outcome,
        SEVERITY[case.outcome],
        None if "{" in case.reason else FiredRule(rule.id, rule.section, case.reason, case.outcome),
    )
    for order, rule in enumerate(RULES)
    for name, case in rule.cases.items()
}


class Trace:
    """What the rules of one decision found. Mutable, private to one `decide` call."""

    __slots__ = (
        "by_consent",
        "clearing",
        "exception",
        "fired",
        "media",
        "missing",
        "needs_approval",
        "relied",
        "worst",
    )

    def __init__(self, media: tuple[str, ...] = ()) -> None:
        self.media = media  # the requested media, sorted
        self.fired: list[tuple[int, int, FiredRule]] = []  # (rule order, firing order, rule)
        self.worst = -1  # the severest outcome fired so far: 0 allow, 1 escalate, 2 deny
        self.missing: list[str] = []
        self.relied: list[ConsentFact] = []
        self.clearing: list[str] = []  # R12: sources a clearing approval must cover
        self.needs_approval = False
        self.by_consent = False  # an allow-pushing rule rests on consent
        self.exception: str | None = None

    def fire(self, rule_id: str, case: str, **fields: str) -> None:
        order, section, template, outcome, severity, fixed = _CASES[rule_id, case]
        if fixed is None:
            fixed = FiredRule(rule_id, section, template.format(**fields), outcome)
        self.fired.append((order, len(self.fired), fixed))
        if severity > self.worst:
            self.worst = severity

    def rules(self) -> tuple[FiredRule, ...]:
        """Every rule fired, in rule-id order (firing order within one rule)."""
        fired = self.fired
        fired.sort()
        return tuple([rule for _, _, rule in fired])

    def need(self, item: str) -> None:
        self.missing.append(item)

    def rely(self, consents: Iterable[ConsentFact]) -> None:
        self.relied.extend(consents)


def ids(consents: Iterable[ConsentFact]) -> str:
    unique = {c.id for c in consents}
    return unique.pop() if len(unique) == 1 else ", ".join(sorted(unique))


def need_consent(purpose: str, production_id: str, performer_id: str | None = None) -> str:
    if performer_id is None:
        return f"consent for {purpose} in production {production_id}"
    return f"consent for {purpose} in production {production_id} (performer {performer_id})"


def _consent_rule(
    inp: DecisionInput, t: Trace, rule_id: str, purpose: str, yes: str, **fields: str
) -> bool:
    """The common shape: a valid consent for `purpose` covering the media, or deny."""
    performer, production = inp.performer, inp.production
    assert performer is not None and production is not None
    media = t.media
    chosen, uncovered = cover(inp.consents, performer, production.id, purpose, media, inp.now)
    if not uncovered:
        t.fire(
            rule_id,
            yes,
            consents=ids(chosen),
            media=", ".join(media),
            production=production.id,
            **fields,
        )
        t.rely(chosen)
        return True
    detail = near_misses(inp.consents, performer, production.id, purpose, media, inp.now)
    t.fire(
        rule_id,
        "no_consent",
        uncovered=", ".join(uncovered),
        production=production.id,
        detail=detail,
        **fields,
    )
    t.need(need_consent(purpose, production.id))
    return False


# -- replica.create: R1, R2 ---------------------------------------------------------------------


def replica_create(inp: DecisionInput, t: Trace) -> None:
    if _consent_rule(inp, t, "R1", "digital_replica", "consent"):
        t.by_consent = True
    t.fire("R2", "approval")
    t.needs_approval = True


# -- replica.use: R3, R4, R5 --------------------------------------------------------------------


def _replica_registered(inp: DecisionInput, t: Trace) -> None:
    replica, performer, production = inp.replica, inp.performer, inp.production
    assert replica is not None and performer is not None and production is not None
    ok = True
    if replica.production_id != production.id:
        t.fire(
            "R3",
            "other_production",
            replica=replica.id,
            replica_production=replica.production_id,
            production=production.id,
        )
        t.need(f"a replica registered in production {production.id}")
        ok = False
    outside_replica = sorted(inp.media - replica.media)
    if outside_replica:
        t.fire("R3", "media", replica=replica.id, uncovered=", ".join(outside_replica))
        t.need(f"a replica that includes {', '.join(outside_replica)}")
        ok = False
    behind = latest_versions(replica.consents)
    if not behind:
        t.fire("R3", "no_consent", replica=replica.id)
        t.need(f"a valid consent behind replica {replica.id}")
        return
    invalid = [c for c in behind if not holds(c, performer, replica.production_id, inp.now)]
    if invalid:
        notes = {
            f"{c.id} v{c.version}: "
            + "; ".join(
                consent_problems(
                    c, performer, replica.production_id, "digital_replica", (), inp.now
                )
            )
            for c in invalid
        }
        t.fire("R3", "consent_invalid", replica=replica.id, detail=" | ".join(sorted(notes)))
        t.need(f"a valid consent behind replica {replica.id}")
        return
    wanted = tuple(m for m in t.media if m in replica.media)
    _, uncovered = cover(
        behind, performer, replica.production_id, "digital_replica", wanted, inp.now
    )
    if uncovered:
        t.fire("R3", "consent_scope", replica=replica.id, uncovered=", ".join(uncovered))
        t.need(f"a valid consent behind replica {replica.id}")
        return
    t.rely(behind)
    if ok:
        t.fire("R3", "ok", replica=replica.id, production=production.id, consents=ids(behind))


def replica_use(inp: DecisionInput, t: Trace) -> None:
    _replica_registered(inp, t)
    facts = inp.facts
    if facts.as_recorded and not significant_changes(inp):
        exception: str | None = "as_recorded"
    elif facts.safety:
        exception = "safety"
    elif facts.unrecognizable:
        exception = "unrecognizable"
    else:
        exception = None
    if exception is not None:
        t.fire("R4", exception)
        t.exception = exception
        return
    _consent_rule(inp, t, "R5", "digital_replica", "consent")
    t.needs_approval = True


# -- alteration: R6, R7, R8 ---------------------------------------------------------------------

_SIGNIFICANT = (
    ("a change of emotional tone, delivery or intent", "digital_alteration"),
    ("visual ADR (new, unscripted dialogue)", "visual_adr"),
    ("re-ageing", "re_ageing"),
)


def significant_changes(inp: DecisionInput) -> list[tuple[str, str]]:
    """R7's triggers present in the request: (plain words, the purpose a consent must meet)."""
    facts = inp.facts
    found: list[tuple[str, str]] = []
    if facts.alters_tone_delivery_or_intent:
        found.append(_SIGNIFICANT[0])
    if facts.new_dialogue:
        found.append(_SIGNIFICANT[1])
    if "re_ageing" in facts.changes:
        found.append(_SIGNIFICANT[2])
    return found


def alteration(inp: DecisionInput, t: Trace) -> None:
    facts = inp.facts
    significant = significant_changes(inp)
    changes = ", ".join(sorted(facts.changes))
    if not significant:
        if facts.as_recorded:
            exception: str | None = "as_recorded"
        elif facts.changes and facts.changes <= _CUSTOMARY:
            exception = "customary_changes"
        elif facts.dubbing_or_double_permitted:
            exception = "dubbing_or_double"
        else:
            exception = None
        if exception is not None:
            t.fire("R6", exception, changes=changes)
            t.exception = exception
            return
    else:
        _significant(inp, t, significant)
    if "other" in facts.changes and not facts.dubbing_or_double_permitted:
        other = ", ".join(sorted(facts.changes - _CUSTOMARY - {"re_ageing"}))
        if _consent_rule(inp, t, "R8", "digital_alteration", "consent", changes=other):
            t.by_consent = True


def _significant(inp: DecisionInput, t: Trace, significant: list[tuple[str, str]]) -> None:
    performer, production = inp.performer, inp.production
    assert performer is not None and production is not None
    media = t.media
    what = ", ".join(words for words, _ in significant)
    chosen: list[ConsentFact] = []
    lacking: list[str] = []
    detail = ""
    for _, purpose in significant:
        found, uncovered = cover(inp.consents, performer, production.id, purpose, media, inp.now)
        if uncovered:
            lacking.append(purpose)
            detail += near_misses(inp.consents, performer, production.id, purpose, media, inp.now)
        else:
            chosen.extend(found)
    t.needs_approval = True
    if lacking:
        t.fire(
            "R7",
            "no_consent",
            what=what,
            purposes=" or ".join(lacking),
            production=production.id,
            detail=detail,
        )
        for purpose in lacking:
            t.need(need_consent(purpose, production.id))
        return
    t.fire("R7", "consent", what=what, consents=ids(chosen))
    t.rely(chosen)


# -- model.use: R9, R10, R11 --------------------------------------------------------------------


def uncleared_sources(sources: tuple[SourceFact, ...]) -> list[tuple[int, SourceFact]]:
    """Sources not owned or cleared (an unknown clearance counts as uncleared: fail closed).

    Numbered from 0, as the `source` index of the clearances endpoint."""
    return [(i, s) for i, s in enumerate(sources) if s.clearance not in _CLEARED]


def source_words(uncleared: list[tuple[int, SourceFact]]) -> str:
    return ", ".join(f"{i} ({s.description})" for i, s in uncleared)


def need_clearance(index: int, source: SourceFact) -> str:
    return f"clearance of training source {index}: {source.description}"


def training_problems(
    model: ModelFact,
    latest: tuple[ConsentFact, ...],
    performers: dict[str, PerformerFact],
    now: datetime,
) -> tuple[list[str], list[str]]:
    """R10: why the model's training consents are not all valid, and which performers it touches.

    Every latest training consent must hold (C1-C5 in the model's production, purpose
    model_training), and every performer the model names must have one. Empty lists: all valid.
    """
    bad: list[ConsentFact] = []
    ok: set[str] = set()
    for consent in latest:
        performer = performers.get(consent.performer_id)
        if (
            performer is not None
            and consent.performer_id in model.performer_ids
            and "model_training" in consent.purposes
            and holds(consent, performer, model.production_id, now)
        ):
            ok.add(consent.performer_id)
        else:
            bad.append(consent)
    if not bad and len(ok) == len(set(model.performer_ids)):
        return [], []
    notes: set[str] = set()
    touched: set[str] = set()
    for consent in bad:
        performer = performers.get(consent.performer_id)
        if consent.performer_id not in model.performer_ids or performer is None:
            problems: tuple[str, ...] = (
                f"C1: performer {consent.performer_id} is not one the model names",
            )
        else:
            problems = consent_problems(
                consent, performer, model.production_id, "model_training", (), now
            )
        notes.add(f"{consent.id} v{consent.version}: {'; '.join(problems)}")
        touched.add(consent.performer_id)
    for performer_id in model.performer_ids:
        if performer_id not in ok and performer_id not in touched:
            notes.add(f"performer {performer_id}: no model_training consent recorded")
            touched.add(performer_id)
    named = [pid for pid in dict.fromkeys(model.performer_ids) if pid in touched]
    return sorted(notes), named + sorted(touched - set(named))


def model_use(inp: DecisionInput, t: Trace) -> None:
    model, production = inp.model, inp.production
    assert model is not None and production is not None
    now, media = inp.now, t.media
    performers = {p.id: p for p in model.performers}
    if model.retired:
        t.fire("R9", "retired", model=model.id)
        t.need(f"a model that is not retired (model {model.id})")
    latest = latest_versions(model.training_consents)
    notes, touched = training_problems(model, latest, performers, now)
    if notes:
        t.fire("R10", "suspended", model=model.id, detail=" | ".join(notes))
        for performer_id in touched:
            t.need(need_consent("model_training", model.production_id, performer_id))
    uncleared = uncleared_sources(model.sources)
    if uncleared:
        t.fire("R11", "blocked", model=model.id, sources=source_words(uncleared))
        for index, source in uncleared:
            t.need(need_clearance(index, source))
    outside = production.id != model.production_id or production.kind != "production"
    where = {
        "model": model.id,
        "model_production": model.production_id,
        "production": production.id,
        "production_kind": production.kind,
    }
    if not notes:
        lacking: list[str] = []
        uncovered_all: set[str] = set()
        for performer_id in model.performer_ids:
            _, uncovered = cover(
                latest, performers[performer_id], model.production_id, "model_training", media, now
            )
            if uncovered:
                lacking.append(performer_id)
                uncovered_all.update(uncovered)
                for medium in uncovered:
                    t.need(
                        f"consent for model_training covering {medium} in production "
                        f"{model.production_id} (performer {performer_id})"
                    )
        if lacking:
            t.fire(
                "R9",
                "scope",
                model=model.id,
                uncovered=", ".join(sorted(uncovered_all)),
                performers=", ".join(lacking),
            )
        elif not outside and not model.retired:
            t.fire("R9", "in_production", consents=ids(latest), **where)
            t.by_consent = True
        t.rely(latest)
    if outside:
        _model_reuse(inp, t, model, performers, where)


def _model_reuse(
    inp: DecisionInput,
    t: Trace,
    model: ModelFact,
    performers: dict[str, PerformerFact],
    where: dict[str, str],
) -> None:
    production = inp.production
    assert production is not None
    candidates = model.reuse_consents + inp.consents
    media = t.media
    chosen: list[ConsentFact] = []
    lacking: list[str] = []
    detail = ""
    for performer_id in model.performer_ids:
        performer = performers[performer_id]
        found, uncovered = cover(
            candidates, performer, production.id, "model_reuse", media, inp.now
        )
        if uncovered:
            lacking.append(performer_id)
            detail += near_misses(
                candidates, performer, production.id, "model_reuse", media, inp.now
            )
            t.need(need_consent("model_reuse", production.id, performer_id))
        else:
            chosen.extend(found)
    t.needs_approval = True
    if lacking:
        t.fire("R9", "outside", performers=", ".join(lacking), detail=detail, **where)
        return
    t.fire("R9", "reuse", consents=ids(chosen), **where)
    t.rely(chosen)


# -- model.train: R12 ---------------------------------------------------------------------------


def model_train(inp: DecisionInput, t: Trace) -> None:
    production = inp.production
    assert production is not None
    uncleared = uncleared_sources(inp.facts.training_sources)
    case = "consent_uncleared" if uncleared else "consent"
    _consent_rule(inp, t, "R12", "model_training", case, sources=source_words(uncleared))
    t.needs_approval = True
    t.clearing.extend(need_clearance(i, s) for i, s in uncleared)


HANDLERS: dict[str, Callable[[DecisionInput, Trace], None]] = {
    "replica.create": replica_create,
    "replica.use": replica_use,
    "alteration": alteration,
    "model.use": model_use,
    "model.train": model_train,
}
