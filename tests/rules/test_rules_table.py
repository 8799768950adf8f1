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
    ApprovalFact,
    DecisionInput,
    PerformerFact,
    ProductionFact,
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
RELINK_A1 = "a valid model_training consent from A1 linked to model M1"
RELINK_A2 = "a valid model_training consent from A2 linked to model M1"
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
    considered: tuple[str, ...] = ()
    next_step: str | None = None  # asserted when given


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
        ("R0",), missing=("a replica of A2 (replica R1 is of another performer)",)),
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
        "deny", None, ("R0",),
        missing=("consistent facts (as_recorded contradicts visual ADR (new, unscripted "
                 "dialogue))",), considered=("R7", "R14"),
        next_step="correct the request's facts, then ask again"),
    Row("R0 as_recorded contradicts a change of tone",
        request("alteration", as_recorded=True, alters_tone_delivery_or_intent=True),
        "deny", None, ("R0", "R7"),
        missing=(
            "consistent facts (as_recorded contradicts a change of emotional tone, delivery or "
            "intent)",
            "consent for digital_alteration in production P1",
        ),
        next_step="correct the request's facts (and 1 more thing listed as missing), then ask "
                  "again"),
    # -- R1, R2: replica.create ---------------------------------------------------------------
    Row("R1 no consent: deny", request("replica.create"), "deny", None, ("R1",),
        missing=(NEED_REPLICA,), considered=("R2",),
        next_step="ask A1's representative for a digital_replica consent for production P1, "
                  "then ask again"),
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
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("R1 two consents together cover likeness and voice",
        request("replica.create", media=["likeness", "voice"],
                consents=(consent(),
                          consent("K3", purposes=("synthetic_voice",), media=("voice",)))),
        "escalate", None, ("R1", "R2"), ("K1", "K3"), (APPROVAL,)),
    Row("R1 consent for another purpose does not count",
        request("replica.create", consents=(DUB,)), "deny", None, ("R1",),
        missing=(NEED_REPLICA,), considered=("R2",)),
    # -- R3: replica in this production, consents still valid -----------------------------------
    Row("R3 guidance: a replica in another production, no consent there",
        request("replica.use", production=P2, replica=replica(), as_recorded=True),
        "deny", None, ("R3",), missing=("consent for digital_replica in production P2",),
        considered=("R4",)),
    Row("R3 a replica in another production with a digital_replica consent there: escalate",
        request("replica.use", production=P2, replica=replica(), as_recorded=True,
                consents=(consent("K2", production="P2"),)),
        "escalate", None, ("R3", "R4"), ("K2", "KR"), (APPROVAL,), exception="as_recorded",
        next_step="send the request to legal for a written approval"),
    Row("R3 ... and with written approval: allow",
        request("replica.use", production=P2, replica=replica(), as_recorded=True,
                consents=(consent("K2", production="P2"),), approvals=(approval(),)),
        "allow", "written_approval", ("R3", "R4", "R14"), ("K2", "KR"),
        exception="as_recorded", approval_ids=("AP1",), next_step="go ahead"),
    Row("R3 a consent there that does not cover the media asked for",
        request("replica.use", production=P2, replica=replica(media=("likeness", "voice")),
                media=["likeness", "voice"], as_recorded=True,
                consents=(consent("K2", production="P2"),)),
        "deny", None, ("R3",), missing=("consent for digital_replica in production P2",),
        considered=("R4",)),
    Row("R3 the consent behind the replica was revoked",
        request("replica.use", replica=replica(consents=(consent("KR", revoked_at=REVOKED),)),
                as_recorded=True),
        "deny", None, ("R3",), missing=("a valid consent behind replica R1",),
        considered=("R4",)),
    Row("R3 an amendment dropped digital_replica from the replica's consent",
        request("replica.use", replica=replica(consents=(
            consent("KR", superseded=True),
            consent("KR", version=2, purposes=("model_training",)))),
            safety=True),
        "deny", None, ("R3",), missing=("a valid consent behind replica R1",),
        considered=("R4",)),
    Row("R3 a replica with no consent recorded behind it",
        request("replica.use", replica=replica(consents=()), safety=True),
        "deny", None, ("R3",), missing=("a valid consent behind replica R1",),
        considered=("R4",)),
    Row("R3 the replica does not include voice",
        request("replica.use", media=["voice"], replica=replica(), unrecognizable=True),
        "deny", None, ("R3",), missing=("a replica that includes voice",), considered=("R4",)),
    Row("R3 the consents behind a replica record restrictions: legal confirms even a reshoot",
        request("replica.use", as_recorded=True, replica=replica(consents=(
            consent("KR", restrictions="Never in advertising"),))),
        "escalate", None, ("R3", "R4"), ("KR",), (APPROVAL,), exception="as_recorded"),
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
        ("R5",), missing=(NEED_REPLICA,), considered=("R3",)),
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
        missing=("consent for visual_adr in production P1",),
        next_step="ask A1's representative for a visual_adr consent for production P1, then "
                  "ask again"),
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
        missing=("consent for re_ageing in production P1",)),
    Row("R7 re-ageing with dubbing permitted is still significant",
        request("alteration", changes=["re_ageing"], dubbing_or_double_permitted=True),
        "deny", None, ("R7",), missing=("consent for re_ageing in production P1",)),
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
        ("R9",), missing=("consent for model_reuse in production X1 from A1",)),
    Row("R9 reuse for a pitch with every performer's model_reuse consent",
        request("model.use", performer=None, production=PITCH, consents=(REUSE_A1, REUSE_A2),
                model=model(performers=(A1, A2))),
        "escalate", None, ("R9",), ("T1", "T2", "U1", "U2"), (APPROVAL,)),
    Row("R9 reuse with consents and approval",
        request("model.use", performer=None, production=PITCH, consents=(REUSE_A1,),
                model=model(), approvals=(approval(),)),
        "allow", "written_approval", ("R9", "R14"), ("T1", "U1"), approval_ids=("AP1",)),
    Row("R9 reuse in another production with one of two performers consenting",
        request("model.use", performer=None, production=P2,
                consents=(consent("U1", production="P2", purposes=("model_reuse",)),),
                model=model(performers=(A1, A2))),
        "deny", None, ("R9",), missing=("consent for model_reuse in production P2 from A2",)),
    Row("R9 a model bound to a concept, used in that concept, is used in its own production",
        request("model.use", performer=None, production=CONCEPT, model=model(production="X2")),
        "allow", "consent", ("R9",), ("T1",), next_step="go ahead"),
    Row("R9 a model bound to a pitch, used in that pitch, is used in its own production",
        request("model.use", performer=None, production=PITCH, model=model(production="X1")),
        "allow", "consent", ("R9",), ("T1",)),
    Row("R9 a model bound to a pitch, used in another pitch, is outside",
        request("model.use", performer=None, production=PITCH, model=model(production="X2")),
        "deny", None, ("R9",), missing=("consent for model_reuse in production X1 from A1",)),
    Row("R9 training consents that record restrictions: legal confirms the scope",
        request("model.use", performer=None, model=model(training_consents=(
            training(restrictions="Never for trailers or marketing"),))),
        "escalate", None, ("R9",), ("T1",), (APPROVAL,),
        next_step="send the request to legal for a written approval"),
    Row("R9 a retired model", request("model.use", performer=None, model=model(retired=True)),
        "deny", None, ("R9",), missing=("a model that is not retired (model M1)",)),
    Row("R9 outside the media the talent agreed to train on",
        request("model.use", performer=None, media=["performance"], model=model()),
        "deny", None, ("R9",),
        missing=("consent for model_training covering performance in production P1 from A1",)),
    # -- R10: suspended model -------------------------------------------------------------------
    Row("R10 a training consent was revoked",
        request("model.use", performer=None, model=model(
            training_consents=(training(revoked_at=REVOKED),))),
        "deny", None, ("R10",), missing=(RELINK_A1,)),
    Row("R10 a training consent expired",
        request("model.use", performer=None, model=model(
            training_consents=(training(expires_at=NOW - timedelta(days=1)),))),
        "deny", None, ("R10",), missing=(RELINK_A1,)),
    Row("R10 superseded, with its valid newer version given: still active",
        request("model.use", performer=None, model=model(
            training_consents=(training(superseded=True), training(version=2)))),
        "allow", "consent", ("R9",), ("T1",)),
    Row("R10 superseded with no newer version given: suspended",
        request("model.use", performer=None, model=model(
            training_consents=(training(superseded=True),))),
        "deny", None, ("R10",), missing=(RELINK_A1,)),
    Row("R10 a performer without training consent",
        request("model.use", performer=None, model=model(performers=(A1, A2),
                                                          training_consents=(training(),))),
        "deny", None, ("R10",), missing=(RELINK_A2,)),
    # -- R11: blocked model ---------------------------------------------------------------------
    Row("R11 an uncleared training source blocks every use",
        request("model.use", performer=None, model=model(sources=(OWNED, UNCLEARED))),
        "deny", None, ("R11",), considered=("R9",),
        missing=("clearance of training source 1: celebrity faces scraped from the web",)),
    Row("R11 an approval of the use does not lift the block",
        request("model.use", performer=None, model=model(sources=(UNCLEARED,)),
                approvals=(approval(clears=True),)),
        "deny", None, ("R11",), considered=("R9", "R14"),
        missing=("clearance of training source 0: celebrity faces scraped from the web",)),
    # -- R12: training --------------------------------------------------------------------------
    Row("R12 training without consent", request("model.train", training_sources=(OWNED,)),
        "deny", None, ("R12",),
        missing=("consent for model_training in production P1",)),
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
    # -- R7 in every kind that produces output --------------------------------------------------
    Row("R7 a replica made to speak new dialogue is not a safety exception",
        request("replica.use", replica=replica(), safety=True, new_dialogue=True,
                consents=(consent(),)),
        "deny", None, ("R7",), missing=("consent for visual_adr in production P1",),
        considered=("R3", "R5"),
        next_step="ask A1's representative for a visual_adr consent for production P1, then "
                  "ask again"),
    Row("R7 a masked replica re-aged needs a re_ageing consent",
        request("replica.use", replica=replica(), unrecognizable=True, changes=["re_ageing"],
                consents=(consent(),)),
        "deny", None, ("R7",), missing=("consent for re_ageing in production P1",),
        considered=("R3", "R5")),
    Row("R7 a replica speaking new dialogue with both consents: escalate",
        request("replica.use", replica=replica(), safety=True, new_dialogue=True,
                consents=(consent(), ADR)),
        "escalate", None, ("R3", "R5", "R7"), ("K1", "K7", "KR"), (APPROVAL,)),
    Row("R7 a model making new dialogue is not allowed on its training consent alone",
        request("model.use", performer=None, model=model(), new_dialogue=True),
        "deny", None, ("R7",), missing=("consent for visual_adr in production P1",),
        considered=("R9",)),
    Row("R7 a model re-ageing the performer, with a re_ageing consent: escalate",
        request("model.use", performer=None, model=model(), changes=["re_ageing"],
                consents=(REAGE,)),
        "escalate", None, ("R7", "R9"), ("K8", "T1"), (APPROVAL,)),
    Row("R7 a model of two performers needs the consent of both",
        request("model.use", performer=None, model=model(performers=(A1, A2)),
                alters_tone_delivery_or_intent=True, consents=(DUB,)),
        "deny", None, ("R7",),
        missing=("consent for digital_alteration in production P1 from A2",),
        considered=("R9",)),
    Row("R7 a model of two performers with both consents and approval: allow",
        request("model.use", performer=None, model=model(performers=(A1, A2)),
                alters_tone_delivery_or_intent=True,
                consents=(DUB, consent("K9", performer="A2", purposes=("digital_alteration",))),
                approvals=(approval(),)),
        "allow", "written_approval", ("R7", "R9", "R14"), ("K1", "K9", "T1", "T2"),
        approval_ids=("AP1",)),
    Row("R8 an approval of the request on another version of the consent does not count",
        request("alteration", changes=["other"],
                approvals=(ApprovalFact("AP1", "ok", "ab" * 32, relied=frozenset({("K1", 1)})),),
                consents=(consent(version=2, purposes=("digital_alteration",),
                                  restrictions="No nudity; never in episode 3"),)),
        "escalate", None, ("R8", "R14"), ("K1",), (APPROVAL,),
        next_step="send the request to legal for a written approval"),
    Row("R8 an approval of the request on this very version counts",
        request("alteration", changes=["other"],
                approvals=(ApprovalFact("AP1", "ok", "ab" * 32, relied=frozenset({("K1", 2)})),),
                consents=(consent(version=2, purposes=("digital_alteration",),
                                  restrictions="No nudity; never in episode 3"),)),
        "allow", "written_approval", ("R8", "R14"), ("K1",), approval_ids=("AP1",)),
    Row("R6 dubbing permitted does not cover an unnamed other change: R8",
        request("alteration", changes=["other"], dubbing_or_double_permitted=True),
        "deny", None, ("R8",), missing=("consent for digital_alteration in production P1",)),
    # -- R8: what was relied on, and restrictions ----------------------------------------------
    Row("R8 a consent recording restrictions goes to legal",
        request("alteration", changes=["other"], consents=(
            consent(purposes=("digital_alteration",), restrictions="No nudity; not in trailers"),)),
        "escalate", None, ("R8",), ("K1",), (APPROVAL,),
        next_step="send the request to legal for a written approval"),
    Row("R8 restrictions confirmed by legal's approval",
        request("alteration", changes=["other"], approvals=(approval(),), consents=(
            consent(purposes=("digital_alteration",), restrictions="No nudity; not in trailers"),)),
        "allow", "written_approval", ("R8", "R14"), ("K1",), approval_ids=("AP1",)),
    Row("R8 blank restrictions are no restrictions",
        request("alteration", changes=["other"], consents=(
            consent(purposes=("digital_alteration",), restrictions="  "),)),
        "allow", "consent", ("R8",), ("K1",), next_step="go ahead"),
    # -- R15: estate-controlled -----------------------------------------------------------------
    Row("R15 a customary change to a deceased performer, no estate consent: escalate",
        request("alteration", performer=DECEASED, changes=["cosmetics"]),
        "escalate", None, ("R6", "R15"), missing=("written approval confirming the estate's "
                                                   "permission",),
        exception="customary_changes",
        next_step="send the request to legal for a written approval that confirms the estate's "
                  "permission"),
    Row("R15 a plain approval does not stand in for the estate's permission",
        request("alteration", performer=DECEASED, changes=["cosmetics"], approvals=(approval(),)),
        "escalate", None, ("R6", "R14", "R15"),
        missing=("written approval confirming the estate's permission",),
        exception="customary_changes"),
    Row("R15 an approval confirming the estate's permission allows it",
        request("alteration", performer=DECEASED, changes=["cosmetics"],
                approvals=(approval(estate=True),)),
        "allow", "written_approval", ("R6", "R14", "R15"), exception="customary_changes",
        approval_ids=("AP1",)),
    Row("R15 with the estate's consent on record, written approval allows it",
        request("alteration", performer=DECEASED, changes=["cosmetics"],
                consents=(consent(purposes=("digital_alteration",), signed_by="estate"),),
                approvals=(approval(),)),
        "allow", "written_approval", ("R6", "R14", "R15"), ("K1",),
        exception="customary_changes", approval_ids=("AP1",)),
    Row("R15 with the estate's consent on record and no approval: escalate",
        request("alteration", performer=DECEASED, changes=["cosmetics"],
                consents=(consent(purposes=("digital_alteration",), signed_by="estate"),)),
        "escalate", None, ("R6", "R15"), ("K1",), (APPROVAL,), exception="customary_changes"),
    Row("R15 a replica of a deceased performer used as recorded still escalates",
        request("replica.use", performer=DECEASED, as_recorded=True,
                replica=replica(consents=(consent("KR", signed_by="estate"),))),
        "escalate", None, ("R3", "R4", "R15"), ("KR",), (APPROVAL,), exception="as_recorded"),
    Row("R15 an R8 alteration of a deceased performer on the estate's consent",
        request("alteration", performer=DECEASED, changes=["other"], consents=(
            consent(purposes=("digital_alteration",), signed_by="estate"),)),
        "escalate", None, ("R8", "R15"), ("K1",), (APPROVAL,)),
    Row("R15 a model trained on a deceased performer, in its production",
        request("model.use", performer=None, model=model(
            performers=(DECEASED,), training_consents=(training(signed_by="estate"),))),
        "escalate", None, ("R9", "R15"), ("T1",), (APPROVAL,)),
    Row("R15 is considered, not deciding, when another rule denies",
        request("alteration", performer=DECEASED, new_dialogue=True),
        "deny", None, ("R7",), missing=("consent for visual_adr in production P1",),
        considered=("R15",),
        next_step="ask the estate of A1 for a visual_adr consent for production P1, then ask "
                  "again"),
    # -- C2: blanket grants never count --------------------------------------------------------
    Row("C2 guidance: a blanket grant in the industry's words",
        request("replica.create", consents=(consent(
            description="Any and all uses in all media now known or hereafter devised, "
                        "throughout the universe, in perpetuity"),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C2 letter case and punctuation do not hide a blanket grant",
        request("replica.create", consents=(consent(
            description="USE OF MY LIKENESS FOR ANY-AND-ALL PURPOSES, FOREVER!"),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C2 a specific use stays specific, in perpetuity or not",
        request("replica.create", consents=(consent(
            description="Stunt double pass for episode 3, in perpetuity"),)),
        "escalate", None, ("R1", "R2"), ("K1",), (APPROVAL,)),
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
        request("replica.create", approvals=(approval(),)), "deny", None, ("R1",),
        missing=(NEED_REPLICA,), considered=("R2", "R14")),
    Row("R14 an approval without evidence does not count",
        request("replica.create", consents=(consent(),), approvals=(approval(evidence=" "),)),
        "escalate", None, ("R1", "R2", "R14"), ("K1",), (APPROVAL,)),
    # -- C1-C5: which consents count ------------------------------------------------------------
    Row("C1 a consent of another production does not count",
        request("replica.create", consents=(consent(production="P2"),)), "deny", None,
        ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C1 a consent of another performer does not count",
        request("replica.create", consents=(consent(performer="A2"),)), "deny", None,
        ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C1 every requested medium must be covered",
        request("replica.create", media=["likeness", "voice"], consents=(consent(),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C2 a blank description", request("replica.create", consents=(consent(description=" "),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C2 a blanket description",
        request("replica.create", consents=(consent(description="Any  use"),)), "deny", None,
        ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C2 undocumented", request("replica.create", consents=(consent(evidence=None),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C3 a guild member's consent must comply",
        request("replica.create", performer=GUILD, consents=(consent(guild_compliant=False),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C3 a compliant consent of a guild member",
        request("replica.create", performer=GUILD, consents=(consent(),)), "escalate", None,
        ("R1", "R2"), ("K1",), (APPROVAL,)),
    Row("C4 expired", request("replica.create", consents=(consent(expires_at=NOW),)), "deny",
        None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C4 revoked", request("replica.create", consents=(consent(revoked_at=REVOKED),)), "deny",
        None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C4 not yet effective",
        request("replica.create", consents=(consent(effective_from=NOW + timedelta(days=1)),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C4 superseded", request("replica.create", consents=(consent(superseded=True),)), "deny",
        None, ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
    Row("C5 guidance: a deceased performer's consent signed by an agent",
        request("replica.create", performer=DECEASED,
                consents=(consent(signed_by="representative"),)),
        "deny", None, ("R1",), missing=(NEED_REPLICA,), considered=("R2", "R15")),
    Row("C5 guidance: a deceased performer's estate signed",
        request("replica.create", performer=DECEASED, consents=(consent(signed_by="estate"),),
                approvals=(approval(),)),
        "allow", "written_approval", ("R1", "R2", "R14", "R15"), ("K1",), approval_ids=("AP1",)),
    Row("C5 an estate cannot sign for a living performer",
        request("replica.create", consents=(consent(signed_by="estate"),)), "deny", None,
        ("R1",), missing=(NEED_REPLICA,), considered=("R2",)),
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
    assert tuple(rule.id for rule in decision.considered) == row.considered
    assert decision.ruleset_version == RULESET_VERSION
    assert all(rule.reason and rule.section for rule in decision.rules + decision.considered)
    assert decision.next_step
    if row.next_step is not None:
        assert decision.next_step == row.next_step
    if decision.outcome == "deny":  # R14: an approval cannot lift a deny, so none is asked for
        assert not any("approval" in item for item in decision.missing)
        assert all(rule.outcome == "deny" for rule in decision.rules)


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
    fired = [f for row in ROWS for d in [decide(row.given)] for f in d.rules + d.considered]
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
    assert (
        '"Digital double of the lead for the rooftop…" [K1 v1]: C5: the performer is deceased '
        "and the estate did not sign" in decision.rules[0].reason
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
        ({"description": "Likeness, any and all uses, throughout the universe"}, ("C2",)),
        ({"description": "Stunt double pass for episode 3, in perpetuity"}, ()),
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
    assert ids == [f"R{i}" for i in range(16)]
    for rule in RULES:
        assert rule.section and rule.guidance and rule.summary and rule.cases
        for case in rule.cases.values():
            assert case.outcome in {"allow", "escalate", "deny"}
    assert [c.id for c in CONDITIONS] == ["C1", "C2", "C3", "C4", "C5"]


def test_a_blanket_grant_is_named_by_its_phrases() -> None:
    grant = consent(description="Any and all uses, in all media now known or hereafter devised")
    problems = consent_problems(grant, A1, "P1", "digital_replica", ("likeness",), NOW)
    assert problems == (
        "C2: a blanket grant ('all media now known or hereafter devised', 'any and all uses'), "
        "naming no particular use",
    )


def test_reasons_name_things_by_their_names() -> None:
    """With names given, no reason, missing item or next step carries an id alone."""
    p1 = ProductionFact("prd_1", "production", "GO-02", "Glass Onion")
    mara = PerformerFact("per_1", None, False, "Mara Quill")
    given = request(
        "alteration", production=p1, performer=mara, new_dialogue=True,
        consents=(consent("cns_9", performer="per_1", production="prd_1",
                          purposes=("model_training",), description="Voice model training"),),
    )  # fmt: skip
    decision = decide(given)
    assert decision.outcome == "deny"
    assert decision.missing == ("consent for visual_adr in production GO-02 (Glass Onion)",)
    assert decision.next_step == (
        "ask Mara Quill's representative for a visual_adr consent for production GO-02 (Glass "
        "Onion), then ask again"
    )
    assert "Mara Quill gave no valid consent for visual_adr in production GO-02" in (
        decision.rules[0].reason
    )
    for text in (*(r.reason for r in decision.rules), *decision.missing, decision.next_step):
        assert "prd_1" not in text and "per_1" not in text
