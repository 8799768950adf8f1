"""The ruleset, case by case: each row is a situation and the decision the guidance calls for.

Rows are grouped by the rule (R0-R14) or consent condition (C1-C5) they exercise; the guidance's
own examples are marked "guidance:". Every row asserts the outcome, the basis, the rule IDs that
fired, the consents relied on and what is missing for an allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from string import Formatter

import pytest

from registry.rules import (
    CONDITIONS,
    RULES,
    RULESET_VERSION,
    DecisionInput,
    SourceFact,
    consent_problems,
    decide,
    model_status,
)
from registry.rules.table import as_markdown
from tests.rules.builders import (
    A1,
    A2,
    CONCEPT,
    DECEASED,
    EXPIRES,
    GUILD,
    NOW,
    P1,
    P2,
    PITCH,
    approval,
    consent,
    model,
    replica,
    request,
    training,
)

NEED_REPLICA = "consent for digital_replica in production P1"
APPROVAL = "written approval"


@dataclass(frozen=True)
class Row:
    name: str
    given: DecisionInput
    outcome: str
    basis: str | None
    rules: tuple[str, ...]
    consent_ids: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    exception: str | None = None
    approval_ids: tuple[str, ...] = ()


REVOKED = NOW - timedelta(hours=1)
UNCLEARED = SourceFact("celebrity faces scraped from the web", "uncleared")
OWNED = SourceFact("dailies of the lead", "owned")
DUB = consent(purposes=("digital_alteration",))
ADR = consent("K7", purposes=("visual_adr",))
REAGE = consent("K8", purposes=("re_ageing",))
REUSE_A1 = consent("U1", production="X1", purposes=("model_reuse",))
REUSE_A2 = consent("U2", performer="A2", production="X1", purposes=("model_reuse",))

ROWS: tuple[Row, ...] = (
    # -- R0: fail closed ----------------------------------------------------------------------
    Row("R0 unknown kind", request("replica.delete"), "deny", None, ("R0",),
        missing=("a known request kind (not 'replica.delete')",)),
    Row("R0 production unknown", request("replica.create", production=None, consents=(consent(),)),
        "deny", None, ("R0",), missing=("the target production",)),
    Row("R0 kind needs a performer", request("alteration", performer=None, changes=["pitch"]),
        "deny", None, ("R0",), missing=("the performer",)),
    Row("R0 model.use without a model", request("model.use", performer=None), "deny", None,
        ("R0",), missing=("the model",)),
    Row("R0 replica.use without a replica", request("replica.use", as_recorded=True), "deny", None,
        ("R0",), missing=("the replica",)),
    Row("R0 replica of another performer",
        request("replica.use", performer=A2, replica=replica(), as_recorded=True), "deny", None,
        ("R0",), missing=("a replica of performer A2 (replica R1 is of A1)",)),
    Row("R0 empty media", request("replica.create", media=(), consents=(consent(),)), "deny", None,
        ("R0",), missing=("at least one medium",)),
    Row("R0 unknown medium", request("replica.create", media=["smell"], consents=(consent(),)),
        "deny", None, ("R0",), missing=("known media (not smell)",)),
    Row("R0 unknown change", request("alteration", changes=["sharpening"]), "deny", None, ("R0",),
        missing=("known changes (not sharpening)",)),
    Row("R0 alteration names no change", request("alteration", consents=(DUB,)), "deny", None,
        ("R0",), missing=("the change the alteration makes",)),
    Row("R0 naive clock", request("replica.create", now=NOW.replace(tzinfo=None)), "deny", None,
        ("R0",), missing=("the time of the request, timezone-aware",)),
    Row("R0 unknown production kind",
        request("replica.create", production=P1.__class__("P1", "trailer")), "deny", None,
        ("R0",), missing=("a known production kind (not 'trailer')",)),
    Row("R0 model performer without facts",
        request("model.use", performer=None, model=model().__class__(
            "M1", "P1", ("A1",), (OWNED,), False, (training(),))),
        "deny", None, ("R0",), missing=("the facts of performer A1 (guild, deceased)",)),
    Row("R0 unknown clearance of a training source",
        request("model.train", consents=(training(),),
                training_sources=(SourceFact("stock", "licensed"),)),
        "deny", None, ("R0",),
        missing=("a known clearance of training source 0 (not 'licensed')",)),
    Row("R0 as_recorded contradicts visual ADR, even with consent and approval",
        request("alteration", as_recorded=True, new_dialogue=True, consents=(ADR,),
                approvals=(approval(),)),
        "deny", None, ("R0", "R7", "R14"),
        missing=("consistent facts (as_recorded contradicts visual ADR (new, unscripted "
                 "dialogue))",)),
    Row("R0 as_recorded contradicts a change of tone",
        request("alteration", as_recorded=True, alters_tone_delivery_or_intent=True),
        "deny", None, ("R0", "R7"),
        missing=(
            "consistent facts (as_recorded contradicts a change of emotional tone, delivery or "
            "intent)",
            "consent for digital_alteration in production P1",
            APPROVAL,
        )),
    # -- R1, R2: replica.create ---------------------------------------------------------------
    Row("R1 no consent: deny", request("replica.create"), "deny", None, ("R1", "R2"),
        missing=(NEED_REPLICA, APPROVAL)),
    Row("R1+R2 consent, no approval: escalate", request("replica.create", consents=(consent(),)),
        "escalate", None, ("R1", "R2"), ("K1",), (APPROVAL,)),
    Row("R2 consent and approval: allow",
        request("replica.create", consents=(consent(),), approvals=(approval(),)),
        "allow", "written_approval", ("R1", "R2", "R14"), ("K1",), approval_ids=("AP1",)),
    Row("R1 synthetic_voice counts as digital_replica for voice",
        request("replica.create", media=["voice"],
                consents=(consent("K3", purposes=("synthetic_voice",), media=("voice",)),)),
        "escalate", None, ("R1", "R2"), ("K3",), (APPROVAL,)),
    Row("R1 synthetic_voice does not cover likeness",
        request("replica.create", media=["likeness", "voice"],
                consents=(consent("K3", purposes=("synthetic_voice",),
                                  media=("voice", "likeness")),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("R1 two consents together cover likeness and voice",
        request("replica.create", media=["likeness", "voice"],
                consents=(consent(),
                          consent("K3", purposes=("synthetic_voice",), media=("voice",)))),
        "escalate", None, ("R1", "R2"), ("K1", "K3"), (APPROVAL,)),
    Row("R1 consent for another purpose does not count",
        request("replica.create", consents=(DUB,)), "deny", None, ("R1", "R2"),
        missing=(NEED_REPLICA, APPROVAL)),
    # -- R3: replica in this production, consents still valid -----------------------------------
    Row("R3 guidance: a replica in another production",
        request("replica.use", production=P2, replica=replica(), as_recorded=True),
        "deny", None, ("R3", "R4"), missing=("a replica registered in production P2",)),
    Row("R3 the consent behind the replica was revoked",
        request("replica.use", replica=replica(consents=(consent("KR", revoked_at=REVOKED),)),
                as_recorded=True),
        "deny", None, ("R3", "R4"), missing=("a valid consent behind replica R1",)),
    Row("R3 an amendment dropped digital_replica from the replica's consent",
        request("replica.use", replica=replica(consents=(
            consent("KR", superseded=True),
            consent("KR", version=2, purposes=("model_training",)))),
            safety=True),
        "deny", None, ("R3", "R4"), missing=("a valid consent behind replica R1",)),
    Row("R3 a replica with no consent recorded behind it",
        request("replica.use", replica=replica(consents=()), safety=True),
        "deny", None, ("R3", "R4"), missing=("a valid consent behind replica R1",)),
    Row("R3 the replica does not include voice",
        request("replica.use", media=["voice"], replica=replica(), unrecognizable=True),
        "deny", None, ("R3", "R4"), missing=("a replica that includes voice",)),
    # -- R4: customary uses of a replica --------------------------------------------------------
    Row("R4 guidance: reshoots", request("replica.use", replica=replica(), as_recorded=True),
        "allow", "customary_exception", ("R3", "R4"), ("KR",), exception="as_recorded"),
    Row("R4 guidance: stunts for safety", request("replica.use", replica=replica(), safety=True),
        "allow", "customary_exception", ("R3", "R4"), ("KR",), exception="safety"),
    Row("R4 guidance: masked performer",
        request("replica.use", replica=replica(), unrecognizable=True),
        "allow", "customary_exception", ("R3", "R4"), ("KR",), exception="unrecognizable"),
    # -- R5: any other use of a replica ---------------------------------------------------------
    Row("R5 other use without consent", request("replica.use", replica=replica()), "deny", None,
        ("R3", "R5"), missing=(NEED_REPLICA, APPROVAL)),
    Row("R5 other use with consent: legal judges the description",
        request("replica.use", replica=replica(), consents=(consent(),)), "escalate", None,
        ("R3", "R5"), ("K1", "KR"), (APPROVAL,)),
    Row("R5 other use with consent and approval",
        request("replica.use", replica=replica(), consents=(consent(),), approvals=(approval(),)),
        "allow", "written_approval", ("R3", "R5", "R14"), ("K1", "KR"), approval_ids=("AP1",)),
    # -- R6: customary alterations --------------------------------------------------------------
    Row("R6 guidance: noise reduction and pitch",
        request("alteration", media=["voice"], changes=["noise_reduction", "pitch"]),
        "allow", "customary_exception", ("R6",), exception="customary_changes"),
    Row("R6 remains as recorded", request("alteration", as_recorded=True, changes=["other"]),
        "allow", "customary_exception", ("R6",), exception="as_recorded"),
    Row("R6 dubbing permitted under an existing agreement",
        request("alteration", media=["voice"], dubbing_or_double_permitted=True),
        "allow", "customary_exception", ("R6",), exception="dubbing_or_double"),
    Row("R6 cosmetics with an 'other' change is not customary",
        request("alteration", changes=["cosmetics", "other"]), "deny", None, ("R8",),
        missing=("consent for digital_alteration in production P1",)),
    # -- R7: significant alterations ------------------------------------------------------------
    Row("R7 guidance: visual ADR with new dialogue, no consent",
        request("alteration", new_dialogue=True), "deny", None, ("R7",),
        missing=("consent for visual_adr in production P1", APPROVAL)),
    Row("R7 visual ADR with visual_adr consent: escalate",
        request("alteration", new_dialogue=True, consents=(ADR,)), "escalate", None, ("R7",),
        ("K7",), (APPROVAL,)),
    Row("R7 visual ADR with consent and approval: allow",
        request("alteration", new_dialogue=True, consents=(ADR,), approvals=(approval(),)),
        "allow", "written_approval", ("R7", "R14"), ("K7",), approval_ids=("AP1",)),
    Row("R7 digital_alteration consent also covers visual ADR",
        request("alteration", new_dialogue=True, consents=(DUB,)), "escalate", None, ("R7",),
        ("K1",), (APPROVAL,)),
    Row("R7 a change of tone is never customary, even with customary changes",
        request("alteration", alters_tone_delivery_or_intent=True, changes=["timing"],
                consents=(DUB,)),
        "escalate", None, ("R7",), ("K1",), (APPROVAL,)),
    Row("R7 re-ageing with re_ageing consent and approval",
        request("alteration", changes=["re_ageing"], consents=(REAGE,), approvals=(approval(),)),
        "allow", "written_approval", ("R7", "R14"), ("K8",), approval_ids=("AP1",)),
    Row("R7 re-ageing is not covered by a visual_adr consent",
        request("alteration", changes=["re_ageing"], consents=(ADR,)), "deny", None, ("R7",),
        missing=("consent for re_ageing in production P1", APPROVAL)),
    Row("R7 re-ageing with dubbing permitted is still significant",
        request("alteration", changes=["re_ageing"], dubbing_or_double_permitted=True),
        "deny", None, ("R7",), missing=("consent for re_ageing in production P1", APPROVAL)),
    # -- R8: any other alteration ---------------------------------------------------------------
    Row("R8 other change with digital_alteration consent",
        request("alteration", changes=["other"], consents=(DUB,)), "allow", "consent", ("R8",),
        ("K1",)),
    Row("R8 a re_ageing consent does not cover an 'other' change",
        request("alteration", changes=["other"], consents=(REAGE,)), "deny", None, ("R8",),
        missing=("consent for digital_alteration in production P1",)),
    Row("R7+R8 re-ageing and another change, both consented, approved",
        request("alteration", changes=["re_ageing", "other"], consents=(REAGE, DUB),
                approvals=(approval(),)),
        "allow", "written_approval", ("R7", "R8", "R14"), ("K1", "K8"), approval_ids=("AP1",)),
    # -- R9: model usage ------------------------------------------------------------------------
    Row("R9 model within its production", request("model.use", performer=None, model=model()),
        "allow", "consent", ("R9",), ("T1",)),
    Row("R9 guidance: a model reused for a pitch",
        request("model.use", performer=None, production=PITCH, model=model()), "deny", None,
        ("R9",), missing=("consent for model_reuse in production X1 (performer A1)", APPROVAL)),
    Row("R9 reuse for a pitch with every performer's model_reuse consent",
        request("model.use", performer=None, production=PITCH, model=model(
            performers=(A1, A2), reuse_consents=(REUSE_A1, REUSE_A2))),
        "escalate", None, ("R9",), ("T1", "T2", "U1", "U2"), (APPROVAL,)),
    Row("R9 reuse with consents and approval",
        request("model.use", performer=None, production=PITCH, consents=(REUSE_A1,),
                model=model(), approvals=(approval(),)),
        "allow", "written_approval", ("R9", "R14"), ("T1", "U1"), approval_ids=("AP1",)),
    Row("R9 reuse in another production with one of two performers consenting",
        request("model.use", performer=None, production=P2, model=model(
            performers=(A1, A2), reuse_consents=(consent("U1", production="P2",
                                                          purposes=("model_reuse",)),))),
        "deny", None, ("R9",), missing=("consent for model_reuse in production P2 (performer A2)",
                                         APPROVAL)),
    Row("R9 a model bound to a concept, used in that concept, is still outside",
        request("model.use", performer=None, production=CONCEPT, model=model(production="X2")),
        "deny", None, ("R9",), missing=("consent for model_reuse in production X2 (performer A1)",
                                         APPROVAL)),
    Row("R9 a retired model", request("model.use", performer=None, model=model(retired=True)),
        "deny", None, ("R9",), missing=("a model that is not retired (model M1)",)),
    Row("R9 outside the media the talent agreed to train on",
        request("model.use", performer=None, media=["performance"], model=model()),
        "deny", None, ("R9",),
        missing=("consent for model_training covering performance in production P1 "
                 "(performer A1)",)),
    # -- R10: suspended model -------------------------------------------------------------------
    Row("R10 a training consent was revoked",
        request("model.use", performer=None, model=model(
            training_consents=(training(revoked_at=REVOKED),))),
        "deny", None, ("R10",), missing=("consent for model_training in production P1 "
                                          "(performer A1)",)),
    Row("R10 a training consent expired",
        request("model.use", performer=None, model=model(
            training_consents=(training(expires_at=NOW - timedelta(days=1)),))),
        "deny", None, ("R10",), missing=("consent for model_training in production P1 "
                                          "(performer A1)",)),
    Row("R10 superseded, with its valid newer version given: still active",
        request("model.use", performer=None, model=model(
            training_consents=(training(superseded=True), training(version=2)))),
        "allow", "consent", ("R9",), ("T1",)),
    Row("R10 superseded with no newer version given: suspended",
        request("model.use", performer=None, model=model(
            training_consents=(training(superseded=True),))),
        "deny", None, ("R10",), missing=("consent for model_training in production P1 "
                                          "(performer A1)",)),
    Row("R10 a performer without training consent",
        request("model.use", performer=None, model=model(performers=(A1, A2),
                                                          training_consents=(training(),))),
        "deny", None, ("R10",), missing=("consent for model_training in production P1 "
                                          "(performer A2)",)),
    # -- R11: blocked model ---------------------------------------------------------------------
    Row("R11 an uncleared training source blocks every use",
        request("model.use", performer=None, model=model(sources=(OWNED, UNCLEARED))),
        "deny", None, ("R9", "R11"),
        missing=("clearance of training source 1: celebrity faces scraped from the web",)),
    Row("R11 an approval of the use does not lift the block",
        request("model.use", performer=None, model=model(sources=(UNCLEARED,)),
                approvals=(approval(clears=True),)),
        "deny", None, ("R9", "R11", "R14"),
        missing=("clearance of training source 0: celebrity faces scraped from the web",)),
    # -- R12: training --------------------------------------------------------------------------
    Row("R12 training without consent", request("model.train", training_sources=(OWNED,)),
        "deny", None, ("R12",),
        missing=("consent for model_training in production P1", APPROVAL)),
    Row("R12 training with consent: escalate",
        request("model.train", consents=(training(),), training_sources=(OWNED,)),
        "escalate", None, ("R12",), ("T1",), (APPROVAL,)),
    Row("R12 training with consent and approval",
        request("model.train", consents=(training(),), approvals=(approval(),)),
        "allow", "written_approval", ("R12", "R14"), ("T1",), approval_ids=("AP1",)),
    Row("R12 guidance: unowned training data is named as missing",
        request("model.train", consents=(training(),), training_sources=(OWNED, UNCLEARED)),
        "escalate", None, ("R12",), ("T1",),
        ("clearance of training source 1: celebrity faces scraped from the web", APPROVAL)),
    Row("R12 an approval that does not state the clearance",
        request("model.train", consents=(training(),), training_sources=(UNCLEARED,),
                approvals=(approval(),)),
        "escalate", None, ("R12", "R14"), ("T1",),
        ("clearance of training source 0: celebrity faces scraped from the web",)),
    Row("R12 an approval stating the sources were cleared",
        request("model.train", consents=(training(),), training_sources=(UNCLEARED,),
                approvals=(approval(clears=True),)),
        "allow", "written_approval", ("R12", "R14"), ("T1",), approval_ids=("AP1",)),
    # -- R13: reputation ------------------------------------------------------------------------
    Row("R13 a customary change that could harm reputation escalates",
        request("alteration", changes=["cosmetics"], may_harm_reputation=True),
        "escalate", None, ("R6", "R13"), missing=(APPROVAL,), exception="customary_changes"),
    Row("R13 with approval",
        request("alteration", changes=["cosmetics"], may_harm_reputation=True,
                approvals=(approval(),)),
        "allow", "written_approval", ("R6", "R13", "R14"), exception="customary_changes",
        approval_ids=("AP1",)),
    Row("R13 escalates a model use its consents allow",
        request("model.use", performer=None, model=model(), may_harm_reputation=True),
        "escalate", None, ("R9", "R13"), ("T1",), (APPROVAL,)),
    # -- R14: approvals -------------------------------------------------------------------------
    Row("R14 an approval never turns a deny into an allow",
        request("replica.create", approvals=(approval(),)), "deny", None, ("R1", "R2", "R14"),
        missing=(NEED_REPLICA,)),
    Row("R14 an approval without evidence does not count",
        request("replica.create", consents=(consent(),), approvals=(approval(evidence=" "),)),
        "escalate", None, ("R1", "R2", "R14"), ("K1",), (APPROVAL,)),
    # -- C1-C5: which consents count ------------------------------------------------------------
    Row("C1 a consent of another production does not count",
        request("replica.create", consents=(consent(production="P2"),)), "deny", None,
        ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C1 a consent of another performer does not count",
        request("replica.create", consents=(consent(performer="A2"),)), "deny", None,
        ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C1 every requested medium must be covered",
        request("replica.create", media=["likeness", "voice"], consents=(consent(),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C2 a blank description", request("replica.create", consents=(consent(description=" "),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C2 a blanket description",
        request("replica.create", consents=(consent(description="Any  use"),)), "deny", None,
        ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C2 undocumented", request("replica.create", consents=(consent(evidence=None),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C3 a guild member's consent must comply",
        request("replica.create", performer=GUILD, consents=(consent(guild_compliant=False),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C3 a compliant consent of a guild member",
        request("replica.create", performer=GUILD, consents=(consent(),)), "escalate", None,
        ("R1", "R2"), ("K1",), (APPROVAL,)),
    Row("C4 expired", request("replica.create", consents=(consent(expires_at=NOW),)), "deny",
        None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C4 revoked", request("replica.create", consents=(consent(revoked_at=REVOKED),)), "deny",
        None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C4 not yet effective",
        request("replica.create", consents=(consent(effective_from=NOW + timedelta(days=1)),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C4 superseded", request("replica.create", consents=(consent(superseded=True),)), "deny",
        None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C5 guidance: a deceased performer's consent signed by an agent",
        request("replica.create", performer=DECEASED,
                consents=(consent(signed_by="representative"),)),
        "deny", None, ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
    Row("C5 guidance: a deceased performer's estate signed",
        request("replica.create", performer=DECEASED, consents=(consent(signed_by="estate"),),
                approvals=(approval(),)),
        "allow", "written_approval", ("R1", "R2", "R14"), ("K1",), approval_ids=("AP1",)),
    Row("C5 an estate cannot sign for a living performer",
        request("replica.create", consents=(consent(signed_by="estate"),)), "deny", None,
        ("R1", "R2"), missing=(NEED_REPLICA, APPROVAL)),
)  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_rule_table(row: Row) -> None:
    decision = decide(row.given)
    assert decision.outcome == row.outcome
    assert decision.basis == row.basis
    assert decision.rule_ids == row.rules
    assert decision.consent_ids == row.consent_ids
    assert decision.missing == row.missing
    assert decision.exception == row.exception
    assert decision.approval_ids == row.approval_ids
    assert decision.ruleset_version == RULESET_VERSION
    assert all(rule.reason and rule.section for rule in decision.rules)


def test_every_rule_and_condition_has_a_row() -> None:
    names = " ".join(row.name for row in ROWS)
    for rule in RULES:
        assert f"{rule.id} " in names, rule.id
    for condition in CONDITIONS:
        assert f"{condition.id} " in names, condition.id


def _fits(template: str, reason: str) -> bool:
    """Whether `reason` could have come from `template`: its literal parts appear in order."""
    at = 0
    for literal, *_ in Formatter().parse(template):
        found = reason.find(literal, at)
        if found < 0:
            return False
        at = found + len(literal)
    return True


def test_every_case_of_every_rule_is_reached_by_a_row() -> None:
    fired = [f for row in ROWS for f in decide(row.given).rules]
    for rule in RULES:
        for name, case in rule.cases.items():
            assert any(
                f.id == rule.id and f.outcome == case.outcome and _fits(case.reason, f.reason)
                for f in fired
            ), (rule.id, name)


def test_valid_until_is_the_earliest_expiry_relied_on() -> None:
    early = NOW + timedelta(days=10)
    given = request(
        "replica.create",
        media=["likeness", "voice"],
        consents=(consent(), consent("K3", purposes=("synthetic_voice",), media=("voice",),
                                     expires_at=early)),
    )  # fmt: skip
    assert decide(given).valid_until == early
    assert decide(request("replica.create", consents=(consent(),))).valid_until == EXPIRES
    assert decide(request("replica.create")).valid_until is None


def test_the_longest_lasting_consent_is_relied_on() -> None:
    short = consent("K0", expires_at=NOW + timedelta(days=3))
    assert decide(request("replica.create", consents=(short, consent()))).consent_ids == ("K1",)


def test_a_deny_names_why_candidate_consents_failed() -> None:
    decision = decide(request("replica.create", performer=DECEASED, consents=(consent(),)))
    assert "K1 v1: C5: the performer is deceased and the estate did not sign" in (
        decision.rules[0].reason
    )


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ({}, ()),
        ({"production": "P2"}, ("C1",)),
        ({"performer": "A2"}, ("C1",)),
        ({"media": ("voice",)}, ("C1",)),
        ({"purposes": ("model_training",)}, ("C1",)),
        ({"description": ""}, ("C2",)),
        ({"description": "all uses"}, ("C2",)),
        ({"evidence": ""}, ("C2",)),
        ({"guild_compliant": False}, ("C3",)),
        ({"revoked_at": REVOKED}, ("C4",)),
        ({"expires_at": NOW - timedelta(seconds=1)}, ("C4",)),
        ({"effective_from": NOW + timedelta(seconds=1)}, ("C4",)),
        ({"superseded": True}, ("C4",)),
        ({"signed_by": "estate"}, ("C5",)),
        ({"signed_by": "agent"}, ("C5",)),
        ({"production": "P2", "evidence": None, "superseded": True}, ("C1", "C2", "C4")),
    ],
)
def test_consent_problems_name_the_condition(
    changed: dict[str, object], expected: tuple[str, ...]
) -> None:
    given = consent(**changed)  # type: ignore[arg-type]
    problems = consent_problems(given, GUILD, "P1", "digital_replica", ("likeness",), NOW)
    assert tuple(sorted({p[:2] for p in problems})) == expected, problems


def test_consent_problems_for_a_deceased_performer() -> None:
    by_agent = consent(signed_by="representative")
    assert consent_problems(by_agent, DECEASED, "P1", "digital_replica", ("likeness",), NOW) == (
        "C5: the performer is deceased and the estate did not sign",
    )
    by_estate = consent(signed_by="estate")
    assert consent_problems(by_estate, DECEASED, "P1", "digital_replica", ("likeness",), NOW) == ()


def test_consent_problems_apply_the_purpose_equivalences() -> None:
    voice = consent(purposes=("synthetic_voice",), media=("voice", "likeness"))
    assert consent_problems(voice, A1, "P1", "digital_replica", ("voice",), NOW) == ()
    assert consent_problems(voice, A1, "P1", "digital_replica", ("likeness",), NOW) == (
        "C1: does not cover digital_replica for likeness",
    )
    adr = consent(purposes=("digital_alteration",))
    assert consent_problems(adr, A1, "P1", "visual_adr", ("likeness",), NOW) == ()
    assert consent_problems(adr, A1, "P1", "re_ageing", ("likeness",), NOW) == ()
    assert consent_problems(ADR, A1, "P1", "digital_alteration", ("likeness",), NOW) != ()
    assert consent_problems(consent(), None, "P1", "digital_replica", ("likeness",), NOW) == (
        "C1: the performer is unknown",
    )


@pytest.mark.parametrize(
    ("given", "status"),
    [
        (model(), "active"),
        (model(retired=True, sources=(UNCLEARED,)), "retired"),
        (model(sources=(UNCLEARED,), training_consents=(training(revoked_at=REVOKED),)), "blocked"),
        (model(sources=(SourceFact("stock", "licensed"),)), "blocked"),
        (model(training_consents=(training(revoked_at=REVOKED),)), "suspended"),
        (model(training_consents=(training(superseded=True), training(version=2))), "active"),
        (model(training_consents=(training(superseded=True),)), "suspended"),
        (model(training_consents=(training(production="P2"),)), "suspended"),
        (model(training_consents=(training(purposes=("model_reuse",)),)), "suspended"),
        (model(training_consents=()), "suspended"),
        (model(performers=(GUILD,), training_consents=(training(guild_compliant=False),)),
         "suspended"),
    ],
)  # fmt: skip
def test_model_status(given: object, status: str) -> None:
    assert model_status(given, NOW) == status  # type: ignore[arg-type]


def test_model_status_fails_closed_on_a_naive_clock() -> None:
    assert model_status(model(), NOW.replace(tzinfo=None)) == "suspended"


def test_the_table_prints_for_people() -> None:
    text = as_markdown()
    assert RULESET_VERSION in text
    for rule in RULES:
        assert f"| {rule.id} | {rule.section} |" in text
    for condition in CONDITIONS:
        assert f"| {condition.id} {condition.name} |" in text


def test_table_entries_are_complete() -> None:
    ids = [rule.id for rule in RULES]
    assert ids == [f"R{i}" for i in range(15)]
    for rule in RULES:
        assert rule.section and rule.guidance and rule.summary and rule.cases
        for case in rule.cases.values():
            assert case.outcome in {"allow", "escalate", "deny"}
    assert [c.id for c in CONDITIONS] == ["C1", "C2", "C3", "C4", "C5"]
