"""Properties every decision keeps, over generated requests of all five kinds.

deny < escalate < allow. More consent or an approval never makes a decision worse; R7's facts
(new dialogue, a changed tone, delivery or intent, re-ageing) never make it better, in any kind;
an allow always has a basis; an allow resting on consent stops being one when those consents
go; order of the facts never matters; missing, unknown or contradictory facts never allow; a
deny never asks for written approval and lists only the rules that denied.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from registry.rules import (
    CHANGES,
    MEDIA,
    PURPOSES,
    REQUEST_KINDS,
    ApprovalFact,
    ConsentFact,
    Decision,
    DecisionInput,
    ModelFact,
    PerformerFact,
    ProductionFact,
    ReplicaFact,
    RequestFacts,
    SourceFact,
    consent_problems,
    decide,
)
from registry.rules.consent import holds
from tests.rules.builders import NOW, SHA

RANK = {"deny": 0, "escalate": 1, "allow": 2}
BASES = {"consent", "customary_exception", "written_approval"}
SETTINGS = settings(max_examples=200, deadline=None, database=None)

PRODUCTIONS = (
    ProductionFact("P1", "production"),
    ProductionFact("P2", "production"),
    ProductionFact("X1", "pitch"),
)
FLAWS = (
    "blank",
    "blanket",
    "undocumented",
    "not_guild",
    "estate",
    "agent",
    "revoked",
    "expired",
    "future",
    "superseded",
)

RARE = st.sampled_from((False, False, False, True))
ALL_MEDIA = frozenset(MEDIA)
MEDIA_SETS = st.one_of(
    st.sampled_from(
        (ALL_MEDIA, ALL_MEDIA, frozenset({"likeness"}), frozenset({"likeness", "voice"}))
    ),
    st.frozensets(st.sampled_from(MEDIA), min_size=1),
)
REQUEST_MEDIA = st.sampled_from(
    (frozenset({"likeness"}), frozenset({"likeness"}), frozenset({"voice"}))
) | st.frozensets(st.sampled_from(MEDIA), min_size=1)
R7_PURPOSES = ("digital_alteration", "visual_adr", "re_ageing")
KIND_PURPOSES = {
    "replica.create": ("digital_replica", "synthetic_voice"),
    "replica.use": ("digital_replica", *R7_PURPOSES),
    "alteration": R7_PURPOSES,
    "model.use": ("model_reuse", *R7_PURPOSES),
    "model.train": ("model_training",),
}


@st.composite
def consents(
    draw: st.DrawFn,
    performer: str | None = None,
    production: str | None = None,
    deceased: bool = False,
    purposes: tuple[str, ...] = PURPOSES,
    id: str | None = None,
) -> ConsentFact:
    """A consent; when performer, production and purposes are given, usually a valid one."""
    flaws = set(draw(st.lists(st.sampled_from(FLAWS), max_size=2))) if draw(RARE) else set()
    return ConsentFact(
        id=id or draw(st.sampled_from(("K1", "K2", "K3", "K4", "T1", "U1"))),
        version=1 if id else draw(st.integers(1, 2)),
        performer_id=performer or draw(st.sampled_from(("A1", "A2"))),
        production_id=production or draw(st.sampled_from(("P1", "P2", "X1"))),
        purposes=draw(
            st.one_of(
                st.sampled_from(purposes).map(lambda p: frozenset({p})),
                st.frozensets(st.sampled_from(PURPOSES), min_size=1, max_size=3),
            )
        ),
        media=draw(MEDIA_SETS),
        description=(
            "" if "blank" in flaws else "any use" if "blanket" in flaws else "Rooftop stunt double"
        ),
        evidence_sha256=None if "undocumented" in flaws else SHA,
        guild_compliant="not_guild" not in flaws,
        signed_by=(
            "representative"
            if "agent" in flaws
            else "estate"
            if deceased or "estate" in flaws
            else "performer"
        ),
        effective_from=NOW + timedelta(days=3 if "future" in flaws else -3),
        expires_at=NOW + timedelta(days=-1 if "expired" in flaws else draw(st.integers(1, 400))),
        revoked_at=NOW - timedelta(hours=1) if "revoked" in flaws else None,
        superseded="superseded" in flaws,
        restrictions="Not in trailers" if draw(RARE) else None,
    )


sources = st.builds(
    SourceFact,
    description=st.sampled_from(("dailies", "celebrity faces", "licensed stock")),
    clearance=st.sampled_from(("owned", "owned", "cleared", "uncleared")),
)
approvals = st.builds(
    ApprovalFact,
    id=st.sampled_from(("AP1", "AP2", "AP3")),
    note=st.just("approved"),
    evidence_sha256=st.sampled_from((SHA, SHA, None)),
    clears_sources=st.booleans(),
    confirms_estate=st.booleans(),
)
request_facts = st.builds(
    RequestFacts,
    as_recorded=RARE,
    safety=RARE,
    unrecognizable=RARE,
    changes=st.frozensets(st.sampled_from(CHANGES), max_size=3),
    dubbing_or_double_permitted=RARE,
    alters_tone_delivery_or_intent=RARE,
    new_dialogue=RARE,
    may_harm_reputation=RARE,
    training_sources=st.lists(sources, max_size=2).map(tuple),
)


@st.composite
def inputs(draw: st.DrawFn, kinds: tuple[str, ...] = REQUEST_KINDS) -> DecisionInput:
    kind = draw(st.sampled_from(kinds))
    production = draw(st.sampled_from(PRODUCTIONS))
    performer = PerformerFact("A1", draw(st.sampled_from((None, "Equity"))), draw(RARE))
    cast = (performer,) if draw(st.booleans()) else (performer, PerformerFact("A2", None, False))
    home = draw(st.sampled_from(("P1", "P1", "P2", "X1")))
    wanted = KIND_PURPOSES[kind]

    def own(
        p: PerformerFact, prod: str, purposes: tuple[str, ...] = wanted, id: str | None = None
    ) -> st.SearchStrategy[ConsentFact]:
        return consents(p.id, prod, p.deceased, purposes, id)

    model = None
    if kind == "model.use":
        model = ModelFact(
            id="M1",
            production_id=home if draw(st.booleans()) else production.id,
            performer_ids=tuple(p.id for p in cast),
            sources=tuple(draw(st.lists(sources, max_size=2))),
            retired=draw(RARE),
            training_consents=tuple(
                draw(own(p, home, ("model_training",), f"T-{p.id}-{i}"))
                for p in cast
                for i in range(draw(st.sampled_from((1, 1, 1, 0, 2))))
            ),
            performers=cast,
        )
    replica = None
    if kind == "replica.use":
        replica = ReplicaFact(
            id="R1",
            performer_id="A1",
            production_id=draw(st.sampled_from((production.id, production.id, "P2"))),
            media=draw(st.sampled_from((ALL_MEDIA, ALL_MEDIA, frozenset({"likeness"})))),
            consents=tuple(
                draw(
                    st.lists(
                        own(performer, production.id), min_size=0 if draw(RARE) else 1, max_size=2
                    )
                )
            ),
        )
    # model.use: the candidates are those of every performer the model names
    mine = (
        st.one_of(*(own(p, production.id) for p in cast))
        if model
        else own(performer, production.id)
    )
    return DecisionInput(
        kind=kind,
        production=production,
        performer=None if kind == "model.use" else performer,
        media=draw(REQUEST_MEDIA),
        facts=draw(request_facts),
        consents=tuple(draw(st.lists(st.one_of(mine, consents()), max_size=5))),
        now=NOW,
        model=model,
        replica=replica,
        approvals=tuple(draw(st.lists(approvals, max_size=2))),
    )


def _valid_extra(inp: DecisionInput) -> st.SearchStrategy[ConsentFact]:
    """A consent valid under C2-C5 for the request's performer(s) and production."""
    production = inp.production.id if inp.production else "P1"
    who = [inp.performer] if inp.performer else list(inp.model.performers if inp.model else ())
    return st.sampled_from(who or [PerformerFact("A1", None, False)]).flatmap(
        lambda p: st.builds(
            ConsentFact,
            id=st.sampled_from(("N1", "N2", "K1")),
            version=st.just(1),
            performer_id=st.just(p.id),
            production_id=st.just(production),
            purposes=st.frozensets(st.sampled_from(PURPOSES), min_size=1),
            media=MEDIA_SETS,
            description=st.just("Voice match for the dubbed episode 4 scene"),
            evidence_sha256=st.just(SHA),
            guild_compliant=st.just(True),
            signed_by=st.just("estate" if p.deceased else "representative"),
            effective_from=st.just(NOW - timedelta(days=1)),
            expires_at=st.just(NOW + timedelta(days=90)),
        )
    )


def _with_candidates(inp: DecisionInput, extra: tuple[ConsentFact, ...]) -> DecisionInput:
    return replace(inp, consents=inp.consents + extra)


@SETTINGS
@given(inputs(), st.data())
def test_adding_a_consent_never_makes_it_worse(inp: DecisionInput, data: st.DataObject) -> None:
    before = decide(inp)
    extra = data.draw(st.one_of(_valid_extra(inp), consents()))
    after = decide(_with_candidates(inp, (extra,)))
    assert RANK[after.outcome] >= RANK[before.outcome], (before, after)


@SETTINGS
@given(inputs(), approvals)
def test_adding_an_approval_never_makes_it_worse(inp: DecisionInput, extra: ApprovalFact) -> None:
    before = decide(inp)
    after = decide(replace(inp, approvals=(*inp.approvals, extra)))
    assert RANK[after.outcome] >= RANK[before.outcome], (before, after)
    if before.outcome == "deny":
        assert after.outcome == "deny"


def _shape_holds(decision: Decision) -> None:
    fired = {f.outcome for f in decision.rules}
    if decision.outcome == "allow":
        assert decision.basis in BASES
        assert decision.missing == ()
        assert "deny" not in fired
        if "escalate" in fired:
            assert decision.basis == "written_approval"
            assert decision.approval_ids
    else:
        assert decision.basis is None
        assert decision.missing, decision
    if "deny" in fired:
        assert decision.outcome == "deny"
    assert decision.next_step
    if decision.outcome == "deny":
        assert decision.consent_ids == () and decision.valid_until is None
        assert fired == {"deny"}, decision  # the rules that decided it; the rest considered
        assert not any("written approval" in item for item in decision.missing), decision
    else:
        assert decision.considered == ()
    assert (decision.valid_until is None) == (decision.consent_ids == ())
    assert decision.rules and list(decision.consent_ids) == sorted(set(decision.consent_ids))


@SETTINGS
@given(inputs())
def test_an_allow_always_has_a_basis_and_a_decision_keeps_its_shape(inp: DecisionInput) -> None:
    _shape_holds(decide(inp))


def _without(consents: tuple[ConsentFact, ...], ids: set[str]) -> tuple[ConsentFact, ...]:
    return tuple(c for c in consents if c.id not in ids)


def _strip(inp: DecisionInput, gone: set[str]) -> DecisionInput:
    """The input without any version of the consents `gone`, wherever they were given."""
    model, replica = inp.model, inp.replica
    if model is not None:
        model = replace(model, training_consents=_without(model.training_consents, gone))
    if replica is not None:
        replica = replace(replica, consents=_without(replica.consents, gone))
    return replace(inp, consents=_without(inp.consents, gone), model=model, replica=replica)


@SETTINGS
@given(inputs())
def test_removing_the_consents_relied_on_ends_an_allow(inp: DecisionInput) -> None:
    """Take away the consents an allow relied on: it must either end, or rest on other consents
    (a redundant valid consent); once every consent it could rest on is gone, no allow is left
    unless its basis is a customary exception."""
    decision = decide(inp)
    gone: set[str] = set()
    while decision.outcome == "allow" and decision.basis != "customary_exception":
        if not decision.consent_ids:
            # an allow resting on no consent at all rests on a customary exception
            assert decision.exception is not None, decision
            return
        assert gone.isdisjoint(decision.consent_ids), decision
        gone.update(decision.consent_ids)
        decision = decide(_strip(inp, gone))


def _shuffled(rnd: random.Random, items: tuple[ConsentFact, ...]) -> tuple[ConsentFact, ...]:
    out = list(items)
    rnd.shuffle(out)
    return tuple(out)


@SETTINGS
@given(inputs(), st.randoms(use_true_random=False))
def test_order_of_the_facts_does_not_matter(inp: DecisionInput, rnd: random.Random) -> None:
    model, replica = inp.model, inp.replica
    if model is not None:
        model = replace(model, training_consents=_shuffled(rnd, model.training_consents))
    if replica is not None:
        replica = replace(replica, consents=_shuffled(rnd, replica.consents))
    approvals_ = list(inp.approvals)
    rnd.shuffle(approvals_)
    shuffled = replace(
        inp,
        consents=_shuffled(rnd, inp.consents),
        approvals=tuple(approvals_),
        model=model,
        replica=replica,
    )
    assert decide(shuffled) == decide(inp)


KNOCKOUTS = (
    "no_production",
    "no_performer",
    "no_model",
    "no_replica",
    "no_media",
    "unknown_medium",
    "unknown_change",
    "unknown_kind",
    "naive_clock",
    "unknown_production_kind",
    "contradiction",
    "no_change",
)


def _knock_out(inp: DecisionInput, what: str) -> DecisionInput | None:
    """The input with one fact missing, unknown or contradictory; None if it does not apply."""
    facts = inp.facts
    if what == "no_production":
        return replace(inp, production=None)
    if what == "no_performer":
        return None if inp.kind == "model.use" else replace(inp, performer=None)
    if what == "no_model":
        return replace(inp, model=None) if inp.kind == "model.use" else None
    if what == "no_replica":
        return replace(inp, replica=None) if inp.kind == "replica.use" else None
    if what == "no_media":
        return replace(inp, media=frozenset())
    if what == "unknown_medium":
        return replace(inp, media=inp.media | {"hologram"})
    if what == "unknown_change":
        return replace(inp, facts=replace(facts, changes=facts.changes | {"deepfake"}))
    if what == "unknown_kind":
        return replace(inp, kind="replica.sell")
    if what == "naive_clock":
        return replace(inp, now=inp.now.replace(tzinfo=None))
    if what == "unknown_production_kind":
        assert inp.production is not None
        return replace(inp, production=replace(inp.production, kind="trailer"))
    if what == "contradiction":
        return replace(inp, facts=replace(facts, as_recorded=True, new_dialogue=True))
    if inp.kind != "alteration":
        return None
    return replace(inp, facts=RequestFacts(may_harm_reputation=facts.may_harm_reputation))


@SETTINGS
@given(inputs(), st.sampled_from(KNOCKOUTS))
def test_missing_or_contradictory_facts_never_allow(inp: DecisionInput, what: str) -> None:
    broken = _knock_out(inp, what)
    if broken is None:
        return
    decision = decide(broken)
    assert decision.outcome != "allow", (what, decision)
    assert "R0" in decision.rule_ids


R7_FACTS = ("new_dialogue", "alters_tone_delivery_or_intent", "re_ageing")


def _with_r7(facts: RequestFacts, which: str) -> RequestFacts:
    if which == "re_ageing":
        return replace(facts, changes=facts.changes | {"re_ageing"})
    if which == "new_dialogue":
        return replace(facts, new_dialogue=True)
    return replace(facts, alters_tone_delivery_or_intent=True)


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@SETTINGS
@given(data=st.data())
def test_r7_facts_never_make_an_outcome_better(kind: str, data: st.DataObject) -> None:
    """For every kind: adding new dialogue, a changed tone, delivery or intent, or re-ageing to
    any generated combination of the other facts, consents and approvals never improves it."""
    inp = data.draw(inputs((kind,)))
    which = data.draw(st.sampled_from(R7_FACTS))
    before = decide(inp)
    # an alteration naming no change at all is incomplete (R0): adding one is not a way round
    assume(not (kind == "alteration" and "the change the alteration makes" in before.missing))
    after = decide(replace(inp, facts=_with_r7(inp.facts, which)))
    assert RANK[after.outcome] <= RANK[before.outcome], (which, before, after)
    if kind in ("alteration", "replica.use", "model.use") and after.outcome != "deny":
        assert "R7" in after.rule_ids, (which, after)  # judged by R7, not let through


@SETTINGS
@given(inputs())
def test_a_deceased_performer_is_never_allowed_without_written_approval(
    inp: DecisionInput,
) -> None:
    """R15: whatever else allows it, a deceased performer's use rests on written approval."""
    people = inp.model.performers if inp.model else (inp.performer,)
    decision = decide(inp)
    if decision.outcome == "allow" and any(p is not None and p.deceased for p in people):
        assert decision.basis == "written_approval", decision


@SETTINGS
@given(
    consents(),
    st.sampled_from(("A1", "A2")),
    st.sampled_from((None, "Equity", "none")),
    st.booleans(),
    st.sampled_from(("P1", "P2", "X1")),
)
def test_holds_is_exactly_consent_problems_apart_from_scope(
    consent: ConsentFact, performer_id: str, guild: str | None, deceased: bool, production: str
) -> None:
    """C1-C5 have one meaning: the hot path ``holds`` (performer, production, C2-C5, no
    explanation) says yes exactly when ``consent_problems`` finds nothing but purpose and
    media scope (which ``cover`` judges apart)."""
    performer = PerformerFact(performer_id, guild, deceased)
    problems = consent_problems(consent, performer, production, "model_reuse", (), NOW)
    beyond_scope = [p for p in problems if not p.startswith("C1: does not cover")]
    assert holds(consent, performer, production, NOW) == (not beyond_scope), problems
