"""The rules of each request kind (R1-R12, R7 in every kind that produces output), and R15.

Each handler reads a DecisionInput whose facts `engine._incomplete` has already found complete
(performer, production, model or replica present, vocabulary known) and records into a Trace
what fired, what is missing (with the action that would supply it), and which consents it
relied on. `engine.decide` combines them. Every sentence names things through `labels`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from registry.rules import labels
from registry.rules.consent import consent_problems, cover, holds, latest_versions, near_misses
from registry.rules.decision import FiredRule
from registry.rules.facts import (
    CUSTOMARY_CHANGES,
    ConsentFact,
    DecisionInput,
    ModelFact,
    PerformerFact,
    ProductionFact,
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
        "actions",
        "by_consent",
        "clearing",
        "estate",
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
        self.actions: list[str] = []  # what a person does to supply each missing item
        self.relied: list[ConsentFact] = []
        self.clearing: list[str] = []  # R12: sources a clearing approval must cover
        self.needs_approval = False
        self.estate = False  # R15: the approval must confirm the estate's permission
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

    def need(self, item: str, action: str) -> None:
        """Something missing for an allow, and the action that supplies it (for next_step)."""
        self.missing.append(item)
        self.actions.append(action)

    def rely(self, consents: Iterable[ConsentFact]) -> None:
        self.relied.extend(consents)


def need_consent(
    t: Trace,
    purpose: str,
    production: ProductionFact | None,
    performer: PerformerFact | None,
    *,
    named: bool = False,
) -> None:
    """Missing: a consent for `purpose` in `production` (naming the performer when `named`,
    as for a model's several performers)."""
    where = labels.production(production)
    who = labels.performer(performer)
    item = f"consent for {purpose} in production {where}"
    if named:
        item += f" from {who}"
    t.need(item, f"ask {asker(performer)} for a {purpose} consent for production {where}")


def asker(performer: PerformerFact | None) -> str:
    """Who gives a performer's consent: their representative, or for the deceased the estate."""
    who = labels.performer(performer)
    return (
        f"the estate of {who}"
        if performer is not None and performer.deceased
        else (f"{who}'s representative")
    )


def _consent_rule(
    inp: DecisionInput, t: Trace, rule_id: str, purpose: str, yes: str | None, **fields: str
) -> tuple[ConsentFact, ...] | None:
    """The common shape: a valid consent for `purpose` covering the media, or deny.

    Returns the consents chosen (relied on; fires `yes` unless None), or None (fires
    `no_consent`)."""
    performer, production = inp.performer, inp.production
    assert performer is not None and production is not None
    media = t.media
    chosen, uncovered = cover(inp.consents, performer, production.id, purpose, media, inp.now)
    where = labels.production(production)
    if not uncovered:
        t.rely(chosen)
        if yes is None:
            return chosen
        t.fire(
            rule_id,
            yes,
            consents=labels.consents(chosen),
            media=", ".join(media),
            production=where,
            performer=labels.performer(performer),
            **fields,
        )
        return chosen
    detail = near_misses(inp.consents, performer, production.id, purpose, media, inp.now)
    t.fire(
        rule_id,
        "no_consent",
        uncovered=", ".join(uncovered),
        production=where,
        performer=labels.performer(performer),
        detail=detail,
        **fields,
    )
    need_consent(t, purpose, production, performer)
    return None


# -- replica.create: R1, R2 ---------------------------------------------------------------------


def replica_create(inp: DecisionInput, t: Trace) -> None:
    if _consent_rule(inp, t, "R1", "digital_replica", "consent") is not None:
        t.by_consent = True
    t.fire("R2", "approval")
    t.needs_approval = True


# -- replica.use: R3, R4, R5 (and R7) -------------------------------------------------------------


def _replica_elsewhere(inp: DecisionInput, t: Trace, names: dict[str, str]) -> None:
    """R3 in another production: the performer's digital_replica consent there, or deny."""
    performer, production = inp.performer, inp.production
    assert performer is not None and production is not None
    chosen, uncovered = cover(
        inp.consents, performer, production.id, "digital_replica", t.media, inp.now
    )
    if uncovered:
        detail = near_misses(
            inp.consents, performer, production.id, "digital_replica", t.media, inp.now
        )
        t.fire("R3", "other_production", uncovered=", ".join(uncovered), detail=detail, **names)
        need_consent(t, "digital_replica", production, performer)
        return
    t.fire(
        "R3",
        "other_production_consent",
        consents=labels.consents(chosen),
        media=", ".join(t.media),
        **names,
    )
    t.rely(chosen)
    t.needs_approval = True


def _replica_registered(inp: DecisionInput, t: Trace) -> None:
    replica, performer, production = inp.replica, inp.performer, inp.production
    assert replica is not None and performer is not None and production is not None
    names = {
        "replica": labels.replica(replica),
        "replica_production": labels.production(replica.production, replica.production_id),
        "production": labels.production(production),
        "performer": labels.performer(performer),
    }
    ok = replica.production_id == production.id
    if not ok:
        _replica_elsewhere(inp, t, names)
    outside_replica = sorted(inp.media - replica.media)
    if outside_replica:
        t.fire("R3", "media", uncovered=", ".join(outside_replica), **names)
        t.need(
            f"a replica that includes {', '.join(outside_replica)}",
            f"use a replica of {names['performer']} that includes {', '.join(outside_replica)}",
        )
        ok = False
    renew = f"ask {asker(performer)} to renew the consent behind replica {names['replica']}"
    behind = latest_versions(replica.consents)
    if not behind:
        t.fire("R3", "no_consent", **names)
        t.need(f"a valid consent behind replica {names['replica']}", renew)
        return
    invalid = [c for c in behind if not holds(c, performer, replica.production_id, inp.now)]
    if invalid:
        notes = {
            f"{labels.consent(c)}: "
            + "; ".join(
                consent_problems(
                    c, performer, replica.production_id, "digital_replica", (), inp.now
                )
            )
            for c in invalid
        }
        t.fire("R3", "consent_invalid", detail=" | ".join(sorted(notes)), **names)
        t.need(f"a valid consent behind replica {names['replica']}", renew)
        return
    wanted = tuple(m for m in t.media if m in replica.media)
    _, uncovered = cover(
        behind, performer, replica.production_id, "digital_replica", wanted, inp.now
    )
    if uncovered:
        t.fire("R3", "consent_scope", uncovered=", ".join(uncovered), **names)
        t.need(f"a valid consent behind replica {names['replica']}", renew)
        return
    t.rely(behind)
    if not ok:
        return
    restricted = [c for c in behind if _restricted(c)]
    if restricted:
        t.fire(
            "R3",
            "restricted",
            consents=labels.consents(behind),
            restrictions=_quoted_restrictions(restricted),
            **names,
        )
        t.needs_approval = True
        return
    t.fire("R3", "ok", consents=labels.consents(behind), **names)


def replica_use(inp: DecisionInput, t: Trace) -> None:
    _replica_registered(inp, t)
    facts = inp.facts
    significant = significant_changes(inp)
    if significant:  # a new performance: R7, whatever exception is claimed, and R5
        assert inp.performer is not None
        _significant(inp, t, significant, (inp.performer,))
    else:
        if facts.as_recorded:
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
        elif facts.dubbing_or_double_permitted and "other" not in facts.changes:
            exception = "dubbing_or_double"
        else:
            exception = None
        if exception is not None:
            t.fire("R6", exception, changes=changes)
            t.exception = exception
            return
    else:
        assert inp.performer is not None
        _significant(inp, t, significant, (inp.performer,))
    if "other" in facts.changes:  # dubbing or a double does not cover an unnamed other change
        _other_alteration(inp, t, ", ".join(sorted(facts.changes - _CUSTOMARY - {"re_ageing"})))


def _other_alteration(inp: DecisionInput, t: Trace, changes: str) -> None:
    """R8: a consent for digital_alteration, quoted; one that records restrictions goes to
    legal (an unrestricted valid consent is preferred, so more consent never makes it worse)."""
    performer, production = inp.performer, inp.production
    assert performer is not None and production is not None
    plain = [c for c in inp.consents if not _restricted(c)]
    chosen, uncovered = cover(
        plain, performer, production.id, "digital_alteration", t.media, inp.now
    )
    if not uncovered:
        t.rely(chosen)
        relied = "; ".join(
            f"consent [{c.id} v{c.version}] for digital_alteration: "
            f"'{' '.join(c.description.split())}'"
            for c in chosen
        )
        t.fire("R8", "consent", changes=changes, relied=relied)
        t.by_consent = True
        return
    found = _consent_rule(inp, t, "R8", "digital_alteration", None, changes=changes)
    if found is None:
        return
    restricted = [c for c in found if _restricted(c)]
    t.fire(
        "R8",
        "restricted",
        changes=changes,
        consents=labels.consents(restricted),
        restrictions=_quoted_restrictions(restricted),
    )
    t.needs_approval = True


def _restricted(consent: ConsentFact) -> bool:
    return bool(consent.restrictions and consent.restrictions.strip())


def _quoted_restrictions(consents: Iterable[ConsentFact]) -> str:
    return "; ".join(sorted({f"'{labels.short(c.restrictions or '', 120)}'" for c in consents}))


def _significant(
    inp: DecisionInput,
    t: Trace,
    significant: list[tuple[str, str]],
    performers: tuple[PerformerFact, ...],
) -> None:
    """R7: every performer the output shows gave consent for each significant change."""
    production = inp.production
    assert production is not None
    media = t.media
    what = ", ".join(words for words, _ in significant)
    chosen: list[ConsentFact] = []
    lacking: list[str] = []
    lacking_from: list[str] = []
    detail = ""
    several = len(performers) > 1
    for performer in performers:
        for _, purpose in significant:
            found, uncovered = cover(
                inp.consents, performer, production.id, purpose, media, inp.now
            )
            if uncovered:
                if purpose not in lacking:
                    lacking.append(purpose)
                name = labels.performer(performer)
                if name not in lacking_from:
                    lacking_from.append(name)
                detail += near_misses(
                    inp.consents, performer, production.id, purpose, media, inp.now
                )
                need_consent(t, purpose, production, performer, named=several)
            else:
                chosen.extend(found)
    t.needs_approval = True
    if lacking:
        t.fire(
            "R7",
            "no_consent",
            what=what,
            purposes=" or ".join(lacking),
            production=labels.production(production),
            performers=", ".join(lacking_from),
            detail=detail,
        )
        return
    t.fire("R7", "consent", what=what, consents=labels.consents(chosen))
    t.rely(chosen)


# -- model.use: R9, R10, R11 (and R7) -------------------------------------------------------------


def uncleared_sources(sources: tuple[SourceFact, ...]) -> list[tuple[int, SourceFact]]:
    """Sources not owned or cleared (an unknown clearance counts as uncleared: fail closed).

    Numbered from 0, as the `source` index of the clearances endpoint."""
    return [(i, s) for i, s in enumerate(sources) if s.clearance not in _CLEARED]


def source_words(uncleared: list[tuple[int, SourceFact]]) -> str:
    return ", ".join(f"{i} ({s.description})" for i, s in uncleared)


def need_clearance(t: Trace, index: int, source: SourceFact) -> None:
    t.need(
        f"clearance of training source {index}: {source.description}",
        f"ask legal to record the clearance of training source {index} ({source.description})",
    )


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
            problems: tuple[str, ...] = ("C1: given by a performer the model does not name",)
        else:
            problems = consent_problems(
                consent, performer, model.production_id, "model_training", (), now
            )
        notes.add(f"{labels.consent(consent)}: {'; '.join(problems)}")
        touched.add(consent.performer_id)
    for performer_id in model.performer_ids:
        if performer_id not in ok and performer_id not in touched:
            name = labels.performer(performers.get(performer_id), performer_id)
            notes.add(f"{name}: no model_training consent recorded")
            touched.add(performer_id)
    named = [pid for pid in dict.fromkeys(model.performer_ids) if pid in touched]
    return sorted(notes), named + sorted(touched - set(named))


def model_use(inp: DecisionInput, t: Trace) -> None:
    model, production = inp.model, inp.production
    assert model is not None and production is not None
    now = inp.now
    performers = {p.id: p for p in model.performers}
    home = model.production or ProductionFact(model.production_id, "production")
    where = {
        "model": labels.model(model),
        "model_production": labels.production(home),
        "production": labels.production(production),
        "production_kind": production.kind,
    }
    if model.retired:
        t.fire("R9", "retired", model=where["model"])
        t.need(
            f"a model that is not retired (model {where['model']})",
            "use a model that is not retired",
        )
    latest = latest_versions(model.training_consents)
    notes, touched = training_problems(model, latest, performers, now)
    if notes:
        t.fire("R10", "suspended", model=where["model"], detail=" | ".join(notes))
        for performer_id in touched:
            who = performers.get(performer_id)
            t.need(
                f"a valid model_training consent from {labels.performer(who, performer_id)} "
                f"linked to model {where['model']}",
                f"ask {asker(who)} for a new model_training consent for production "
                f"{where['model_production']}, then link it to model {where['model']}",
            )
    uncleared = uncleared_sources(model.sources)
    if uncleared:
        t.fire("R11", "blocked", model=where["model"], sources=source_words(uncleared))
        for index, source in uncleared:
            need_clearance(t, index, source)
    # "another production, pitch, or concept" means another one than the model is bound to
    outside = production.id != model.production_id
    if not notes:
        _model_scope(inp, t, model, latest, performers, where, in_home=not outside)
    if outside:
        _model_reuse(inp, t, model, performers, where)
    significant = significant_changes(inp)
    if significant:
        ordered = tuple(performers[pid] for pid in dict.fromkeys(model.performer_ids))
        _significant(inp, t, significant, ordered)


def _model_scope(
    inp: DecisionInput,
    t: Trace,
    model: ModelFact,
    latest: tuple[ConsentFact, ...],
    performers: dict[str, PerformerFact],
    where: dict[str, str],
    *,
    in_home: bool,
) -> None:
    """R9 within the agreed scope: its training consents cover the media asked for."""
    lacking: list[str] = []
    uncovered_all: set[str] = set()
    for performer_id in model.performer_ids:
        performer = performers[performer_id]
        _, uncovered = cover(
            latest, performer, model.production_id, "model_training", t.media, inp.now
        )
        if uncovered:
            lacking.append(labels.performer(performer))
            uncovered_all.update(uncovered)
            for medium in uncovered:
                t.need(
                    f"consent for model_training covering {medium} in production "
                    f"{where['model_production']} from {labels.performer(performer)}",
                    f"ask {asker(performer)} for a model_training consent covering {medium} for "
                    f"production {where['model_production']}",
                )
    t.rely(latest)
    if lacking:
        t.fire(
            "R9",
            "scope",
            model=where["model"],
            uncovered=", ".join(sorted(uncovered_all)),
            performers=", ".join(lacking),
        )
        return
    if not in_home or model.retired:
        return
    restricted = [c for c in latest if _restricted(c)]
    if restricted:
        t.fire(
            "R9",
            "in_production_restricted",
            consents=labels.consents(restricted),
            restrictions=_quoted_restrictions(restricted),
            **where,
        )
        t.needs_approval = True
        return
    t.fire("R9", "in_production", consents=labels.consents(latest), **where)
    t.by_consent = True


def _model_reuse(
    inp: DecisionInput,
    t: Trace,
    model: ModelFact,
    performers: dict[str, PerformerFact],
    where: dict[str, str],
) -> None:
    production = inp.production
    assert production is not None
    candidates = inp.consents
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
            lacking.append(labels.performer(performer))
            detail += near_misses(
                candidates, performer, production.id, "model_reuse", media, inp.now
            )
            need_consent(t, "model_reuse", production, performer, named=True)
        else:
            chosen.extend(found)
    t.needs_approval = True
    if lacking:
        t.fire("R9", "outside", performers=", ".join(lacking), detail=detail, **where)
        return
    t.fire("R9", "reuse", consents=labels.consents(chosen), **where)
    t.rely(chosen)


# -- model.train: R12 ---------------------------------------------------------------------------


def model_train(inp: DecisionInput, t: Trace) -> None:
    production = inp.production
    assert production is not None
    uncleared = uncleared_sources(inp.facts.training_sources)
    case = "consent_uncleared" if uncleared else "consent"
    _consent_rule(inp, t, "R12", "model_training", case, sources=source_words(uncleared))
    t.needs_approval = True
    t.clearing.extend(f"clearance of training source {i}: {s.description}" for i, s in uncleared)


# -- any kind: R15 ------------------------------------------------------------------------------

# The purposes whose estate consent is the permission for a use that relies on no consent: for
# an alteration, any consent of the estate to alter the performance in this production.
_ESTATE_PURPOSES = {
    "replica.create": ("digital_replica",),
    "replica.use": ("digital_replica",),
    "alteration": ("digital_alteration", "visual_adr", "re_ageing"),
    "model.use": ("model_reuse",),
    "model.train": ("model_training",),
}


def estate(inp: DecisionInput, t: Trace) -> None:
    """R15: a deceased performer's likeness, voice or performance always needs written
    approval; the estate's consent is the permission, or the approval must confirm it."""
    if inp.model is not None and inp.kind == "model.use":
        people: Iterable[PerformerFact] = inp.model.performers
    else:
        people = (inp.performer,) if inp.performer is not None else ()
    deceased = [p for p in people if p.deceased]
    if not deceased:
        return
    production = inp.production
    assert production is not None
    t.needs_approval = True
    names = ", ".join(labels.performer(p) for p in deceased)
    verb = " is" if len(deceased) == 1 else " are"
    permission: list[ConsentFact] = []
    unknown = False
    for person in deceased:
        by_estate = [c for c in t.relied if c.performer_id == person.id and c.signed_by == "estate"]
        if by_estate:
            permission.extend(by_estate)
            continue
        for purpose in _ESTATE_PURPOSES[inp.kind]:
            chosen, uncovered = cover(
                inp.consents, person, production.id, purpose, t.media, inp.now
            )
            if not uncovered:
                permission.extend(chosen)
                t.rely(chosen)
                break
        else:
            unknown = True
    if unknown:
        t.estate = True
        t.fire(
            "R15",
            "no_estate_consent",
            performers=names + verb,
            production=labels.production(production),
        )
        return
    t.fire("R15", "estate_consent", performers=names + verb, consents=labels.consents(permission))


HANDLERS: dict[str, Callable[[DecisionInput, Trace], None]] = {
    "replica.create": replica_create,
    "replica.use": replica_use,
    "alteration": alteration,
    "model.use": model_use,
    "model.train": model_train,
}
