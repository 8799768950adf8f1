"""The ruleset as a table: one entry per rule and consent condition, read next to the guidance.

Each rule gives its ID, the guidance section, the guidance sentence it implements (quoted
briefly), what it does in plain words, and its cases: for each case the outcome it pushes toward
and the reason template every decision citing it carries. The engine (`engine.py`, `kinds.py`)
only ever fires a rule through one of these cases, so this file is the whole list of reasons a
decision can give. Deny beats escalate beats allow; see `engine.py` for how they combine.

Change anything here and bump RULESET_VERSION: every decision records the version it was made
under. Names in the templates ({production}, {performer}, {model}, {replica}, {consents}) are
filled with ``labels``: as people know the thing, never an id alone.

2026.12-1: R3 escalates a replica used in another production with a digital_replica consent
there; R4/R6 never cover a new performance and R7 judges it in replica.use and model.use too;
R8 quotes what it relied on and escalates a consent with restrictions; R9 treats a pitch or
concept as its own production; R15 (estate-controlled) is new; C2 refuses blanket grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

RULESET_VERSION = "2026.12-1"

ALLOW = "allow"
ESCALATE = "escalate"
DENY = "deny"
SEVERITY: Mapping[str, int] = MappingProxyType({ALLOW: 0, ESCALATE: 1, DENY: 2})


@dataclass(frozen=True, slots=True, eq=False)
class Case:
    outcome: str
    reason: str  # a str.format template


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    id: str
    section: str
    kinds: tuple[str, ...]
    guidance: str
    summary: str
    cases: Mapping[str, Case]


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    id: str
    name: str
    section: str
    guidance: str
    summary: str


ALL_KINDS = ("replica.create", "replica.use", "alteration", "model.use", "model.train")


def _rule(
    id: str, section: str, kinds: tuple[str, ...], guidance: str, summary: str, **cases: Case
) -> Rule:
    return Rule(id, section, kinds, guidance, summary, MappingProxyType(cases))


RULES: tuple[Rule, ...] = (
    _rule(
        "R0",
        "Registry rule",
        ALL_KINDS,
        "(The registry's own rule; the guidance asks for documented, explicit facts before any "
        'talent use: "explicit and documented consent".) A request it cannot judge is not '
        "allowed.",
        "The registry's own rule, beside the guidance's: it decides only on complete, "
        "consistent facts. A fact that is missing, "
        "outside the vocabulary or contradicts another (as_recorded with new dialogue, a change "
        "of tone, delivery or intent, or re-ageing) is denied, not escalated: an approval cannot "
        "repair the facts, so the requester resubmits them. Nothing unsure is ever allowed.",
        incomplete=Case(
            DENY, "facts missing or outside the vocabulary: {items}; denied (fail closed)"
        ),
        contradictory=Case(
            DENY,
            "contradictory facts: as_recorded is claimed together with {what}, which never "
            "stays as recorded; denied (fail closed): resubmit with consistent facts",
        ),
    ),
    _rule(
        "R1",
        "Talent enhancement",
        ("replica.create",),
        "If creating a Digital Replica (i.e., a generated output recognizable as the voice "
        "and/or likeness of an identifiable performer ...), consent is required.",
        "Making a replica needs a valid consent (C1-C5) for digital_replica covering every "
        "medium asked for; synthetic_voice counts as digital_replica for the voice medium.",
        consent=Case(
            ALLOW,
            "valid consent {consents} for digital_replica covers {media} in production "
            "{production}",
        ),
        no_consent=Case(
            DENY,
            "no valid consent for digital_replica covering {uncovered} in production "
            "{production}{detail}",
        ),
    ),
    _rule(
        "R2",
        "Always written approval",
        ("replica.create",),
        "Talent & Performance: Synthetic or Digital Replicas - Do not create digital performers, "
        "voices, or likenesses of real talent without explicit and documented consent ... "
        "(listed among uses that always require escalation and written approval); Matrix: "
        "talent replication requires escalation for consent and legal review.",
        "A replica always needs written approval too: with consent and no approval, escalate.",
        approval=Case(
            ESCALATE, "a digital replica always needs written approval before it is made"
        ),
    ),
    _rule(
        "R3",
        "Talent enhancement",
        ("replica.use",),
        "Consent is given per production (no blanket consents across productions, C1); Model "
        'usage: "used solely for the production in question and within the scope of work '
        'agreed upon with the talent".',
        "A replica is used in the production it was registered in, only for the media it "
        "includes, and only while the consents behind it are still valid; otherwise deny. "
        "When those consents record restrictions, legal confirms the use respects them "
        "(escalate), even for a customary use. In "
        "another production (or a pitch or concept) it is denied unless the performer gave a "
        "valid digital_replica consent for that production covering the media; then written "
        "approval still applies (escalate), as for a model (R9).",
        ok=Case(
            ALLOW,
            "replica {replica} is registered in production {production} and the consents "
            "behind it ({consents}) are still valid",
        ),
        restricted=Case(
            ESCALATE,
            "replica {replica} is registered in production {production} and the consents "
            "behind it ({consents}) are still valid, but they record restrictions "
            "({restrictions}): legal confirms the use respects them",
        ),
        other_production=Case(
            DENY,
            "replica {replica} was registered in production {replica_production}, not "
            "{production}, and {performer} gave no valid digital_replica consent for "
            "{production} covering {uncovered}{detail}",
        ),
        other_production_consent=Case(
            ESCALATE,
            "replica {replica} was registered in production {replica_production}, not "
            "{production}; {performer}'s consent {consents} for digital_replica in "
            "{production} covers {media}, and written approval is required (as for a model, R9)",
        ),
        media=Case(DENY, "replica {replica} does not include {uncovered}"),
        no_consent=Case(DENY, "replica {replica} records no consent behind it"),
        consent_invalid=Case(
            DENY, "a consent behind replica {replica} is no longer valid: {detail}"
        ),
        consent_scope=Case(
            DENY,
            "the consents behind replica {replica} no longer cover digital_replica for {uncovered}",
        ),
    ),
    _rule(
        "R4",
        "Talent enhancement",
        ("replica.use",),
        "No further consent is needed to use the Digital Replica if the performance output: (1) "
        "remains substantially as scripted, performed, or recorded (e.g. reshoots); (2) depicts "
        "activities incapable of being performed by a human for safety reasons; or (3) results "
        "in the performer being unrecognizable (e.g. wearing a mask).",
        "A customary use of a registered replica is allowed without further consent; the "
        "decision names which exception applied. The exceptions never cover a new "
        "performance: new dialogue, a changed tone, delivery or intent, or re-ageing is judged "
        "by R7 whatever exception is claimed.",
        as_recorded=Case(
            ALLOW,
            "the output remains substantially as scripted, performed or recorded (e.g. "
            "reshoots): no further consent needed",
        ),
        safety=Case(
            ALLOW,
            "the output depicts an activity a human cannot perform for safety reasons: no "
            "further consent needed",
        ),
        unrecognizable=Case(
            ALLOW,
            "the performer is unrecognizable in the output (e.g. a mask): no further consent "
            "needed",
        ),
    ),
    _rule(
        "R5",
        "Talent enhancement",
        ("replica.use",),
        "No further consent is needed ... if [R4]; otherwise further consent is needed. "
        "Introduction: if the output includes ... talent likeness ..., written approval will be "
        "required before you proceed.",
        "Any other use needs a valid digital_replica consent (synthetic_voice for voice) whose "
        "description covers it; whether it does is legal's judgement, so escalate; none: deny.",
        consent=Case(
            ESCALATE,
            "no customary exception applies; consent {consents} for digital_replica is valid, "
            "and whether its description covers this use is legal's judgement",
        ),
        no_consent=Case(
            DENY,
            "no customary exception applies and {performer} gave no valid consent for "
            "digital_replica covering {uncovered} in production {production}{detail}",
        ),
    ),
    _rule(
        "R6",
        "Talent enhancement",
        ("alteration",),
        "Consent is generally required for digital alterations, except for those customarily "
        "done ...: alterations where the photography or soundtrack remains substantially as "
        "scripted, performed, or recorded; post-production changes for cosmetics, wardrobe, "
        "noise reduction, timing, continuity, pitch, clarity ...; circumstances where dubbing "
        "or using a double is permitted under existing agreements.",
        "A customary alteration is allowed without consent or approval; every change named must "
        "be customary (re_ageing and other are not). Never applies to a significant alteration "
        "(R7), and an alteration naming no change is not customary.",
        as_recorded=Case(
            ALLOW,
            "the result remains substantially as scripted, performed or recorded: customary, no "
            "consent needed",
        ),
        customary_changes=Case(
            ALLOW, "{changes}: customary post-production changes, no consent needed"
        ),
        dubbing_or_double=Case(
            ALLOW,
            "dubbing or a double is permitted under an existing agreement: customary, no "
            "consent needed",
        ),
    ),
    _rule(
        "R7",
        "Talent & Performance",
        ("alteration", "replica.use", "model.use"),
        "Significant Digital Alterations to Performances - Be cautious when making changes that "
        "affect a performance's emotional tone, delivery, or intent ... Examples include visual "
        "ADR (altering lip-sync or facial performance to match new, unscripted dialogue). "
        "Matrix: talent replication (re-ageing ...) requires escalation for consent and legal "
        "review.",
        "A change of tone, delivery or intent (digital_alteration), visual ADR (visual_adr or "
        "digital_alteration) or re-ageing (re_ageing or digital_alteration) is never customary: "
        "no consent, deny; consent, escalate; consent and written approval, allow. It judges "
        "these facts in every kind that produces output (alteration, replica.use, model.use), "
        "whatever exception is claimed; a model needs the consent of every performer it names.",
        consent=Case(
            ESCALATE,
            "{what}: a significant alteration, never customary whatever exception is claimed; "
            "consent {consents} is valid and written approval is required",
        ),
        no_consent=Case(
            DENY,
            "{what}: a significant alteration, never customary whatever exception is claimed; "
            "{performers} gave no valid consent for {purposes} in production "
            "{production}{detail}",
        ),
    ),
    _rule(
        "R8",
        "Talent enhancement",
        ("alteration",),
        "Consent is generally required for digital alterations, except for those customarily "
        "done in the entertainment and film industry.",
        "Any other alteration needs a valid consent for digital_alteration, else deny. Whether "
        "its words cover this use is not the registry's to judge: it quotes what it relied on "
        "and the requester stands behind the match (allow); a consent that records "
        "restrictions goes to legal, who confirms the use respects them (escalate).",
        consent=Case(
            ALLOW,
            "{changes}: not customary; relied on {relied} (the requester stands behind the "
            "match between this use and that description)",
        ),
        restricted=Case(
            ESCALATE,
            "{changes}: not customary; consent {consents} for digital_alteration records "
            "restrictions ({restrictions}): legal confirms the use respects them",
        ),
        no_consent=Case(
            DENY,
            "{changes}: not customary, and {performer} gave no valid consent for "
            "digital_alteration covering {uncovered} in production {production}{detail}",
        ),
    ),
    _rule(
        "R9",
        "Model usage",
        ("model.use",),
        "Any models trained to perform talent enhancement manipulation should be used solely "
        "for the production in question and within the scope of work agreed upon with the "
        "talent. Models must not be used to create an actor's performance in another "
        "production, pitch, or concept without the express consent of all parties involved.",
        "Within its bound production (a pitch or concept included, when it is the one the "
        "model is bound to) and within the media its performers consented to train it on: "
        "allow; when those training consents record restrictions, legal confirms the use stays "
        "within the scope agreed with the talent (escalate). In another production, pitch or "
        "concept: deny, unless every performer it was trained on has a valid model_reuse "
        "consent for the target production; then escalate (written approval of all parties). "
        "A retired model is not used.",
        in_production=Case(
            ALLOW,
            "model {model} is used within its bound production {production} and within the "
            "media its training consents {consents} cover",
        ),
        in_production_restricted=Case(
            ESCALATE,
            "model {model} is used within its bound production {production}, and its training "
            "consents {consents} record restrictions ({restrictions}): legal confirms the use "
            "stays within the scope agreed with the talent",
        ),
        reuse=Case(
            ESCALATE,
            "model {model} is bound to production {model_production}, used here in "
            "{production_kind} {production}; every performer gave model_reuse consent "
            "({consents}), and written approval of all parties is required",
        ),
        outside=Case(
            DENY,
            "model {model} is bound to production {model_production}, used here in "
            "{production_kind} {production}, and {performers} gave no valid model_reuse "
            "consent for it{detail}",
        ),
        scope=Case(
            DENY,
            "model {model} was not trained with consent for {uncovered} of {performers}: "
            "outside the scope agreed with the talent",
        ),
        retired=Case(DENY, "model {model} is retired"),
    ),
    _rule(
        "R10",
        "Model usage",
        ("model.use",),
        "... within the scope of work agreed upon with the talent (the consents behind the "
        "model's training must still hold).",
        "A model whose training consents are not all still valid (revoked, expired, superseded "
        "with no valid newer version given, or any other C1-C5 failure; or a performer with no "
        "training consent at all) is suspended: every use is denied until it is cured.",
        suspended=Case(
            DENY,
            "model {model} is suspended: its training consents are not all valid: {detail}; a "
            "new model_training consent linked to the model cures it",
        ),
    ),
    _rule(
        "R11",
        "Data use",
        ("model.use",),
        "Third-Party or Unowned Talent Assets: Do not train or fine-tune models using material "
        "from artists, performers, or other rights holders unless you have the proper legal "
        "clearance.",
        "A model with an uncleared training source is blocked: every use is denied, and what is "
        "missing is the clearance of that source. Recording the clearance lifts the block; an "
        "approval of the use does not.",
        blocked=Case(DENY, "model {model} is blocked: training source {sources} is not cleared"),
    ),
    _rule(
        "R12",
        "Data use",
        ("model.train",),
        "Do not train or fine-tune models using material from artists, performers, or other "
        "rights holders unless you have the proper legal clearance. Matrix: using unowned "
        "training data (e.g., celebrity faces, copyrighted art) needs escalation. "
        "Confidentiality: any use of sensitive information (e.g., talent likeness ...) requires "
        "escalation.",
        "Training needs a valid model_training consent, else deny; with it, escalate, and "
        "written approval allows. Unowned or uncleared material is named in what is missing, "
        "and the approval must say it was cleared.",
        consent=Case(
            ESCALATE,
            "consent {consents} for model_training is valid; talent likeness in a tool always "
            "needs written approval",
        ),
        consent_uncleared=Case(
            ESCALATE,
            "consent {consents} for model_training is valid; training source {sources} is not "
            "cleared, so the written approval must state it was cleared",
        ),
        no_consent=Case(
            DENY,
            "no valid consent for model_training covering {uncovered} in production "
            "{production}{detail}",
        ),
    ),
    _rule(
        "R13",
        "Quality assurance",
        ALL_KINDS,
        "Avoid enhancements that could harm the actor's reputation, dignity, or personal image.",
        "A change that could harm the performer's reputation, dignity or personal image is "
        "escalated, whatever else allows it.",
        harm=Case(
            ESCALATE,
            "the change could harm the performer's reputation, dignity or personal image: "
            "legal must approve in writing",
        ),
    ),
    _rule(
        "R14",
        "Always written approval",
        ALL_KINDS,
        "Below are a few examples of situations that ... always require escalation and written "
        "approval before proceeding.",
        "A written approval (with evidence) turns an escalate into an allow; it never turns a "
        "deny into an allow: missing consent stays missing.",
        lifted=Case(ALLOW, "written approval {approvals} recorded: the escalation is resolved"),
        insufficient=Case(ESCALATE, "written approval {approvals} does not resolve it: {detail}"),
        deny_stays=Case(DENY, "written approval {approvals} cannot turn a deny into an allow"),
    ),
    _rule(
        "R15",
        "Always written approval",
        ALL_KINDS,
        "Creative Output: Copyrighted or Estate-Controlled - Avoid using inputs (e.g., prompts, "
        "images) that reference ... likenesses of public figures or deceased individuals "
        "without appropriate permissions (listed among uses that always require escalation and "
        "written approval).",
        "Any request on a deceased performer's likeness, voice or performance needs written "
        "approval, whatever else allows it (a customary exception included): at least "
        "escalate. The estate's consent (C5) is the permission and the approval confirms it; "
        "with no estate consent for the use on record, the approval must itself confirm the "
        "estate's permission.",
        estate_consent=Case(
            ESCALATE,
            "{performers} deceased: the estate's consent {consents} is the permission, and "
            "written approval confirms it",
        ),
        no_estate_consent=Case(
            ESCALATE,
            "{performers} deceased and no estate consent for this use in production "
            "{production} is on record: written approval must confirm the estate's permission",
        ),
    ),
)

RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})


CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "C1",
        "scope",
        "Model usage",
        "... used solely for the production in question and within the scope of work agreed "
        "upon with the talent.",
        "Same performer, same production, the purpose and every requested medium covered (with "
        "the purpose equivalences of DOMAIN.md). No blanket consents across productions.",
    ),
    Condition(
        "C2",
        "specific",
        "Talent & Performance",
        "... without explicit and documented consent ...",
        "A specific description of the intended use and documented: the evidence hash is "
        "present. A blanket grant (a description that names no particular use once phrases "
        "such as 'any and all uses', 'in perpetuity', 'all media now known or hereafter "
        "devised' or 'throughout the universe' are set aside, see rules/blanket.py) is refused "
        "when recorded and never counts at decision time, whenever it was recorded.",
    ),
    Condition(
        "C3",
        "guild",
        "Talent & Performance",
        "... and complying with guild requirements (where applicable).",
        "For a guild member, the consent is marked as complying with guild requirements.",
    ),
    Condition(
        "C4",
        "time",
        "Talent enhancement",
        "... obtaining consent when appropriate ...",
        "Effective at the moment of the request, not expired, not revoked, not superseded "
        "(times must be timezone-aware).",
    ),
    Condition(
        "C5",
        "estate",
        "Creative output",
        "Copyrighted or Estate-Controlled: ... likenesses of public figures or deceased "
        "individuals without appropriate permissions.",
        "For a deceased performer, signed by the estate (and only for a deceased performer: an "
        "estate cannot sign for a living one).",
    ),
)


def as_markdown() -> str:
    """The table for people, to read beside the guidance: `python -m registry.rules` prints it."""
    lines = [
        f"# Ruleset {RULESET_VERSION}",
        "",
        "| rule | section | guidance | what it does | cases: outcome, reason |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        cases = "<br>".join(
            f"{name}: **{case.outcome}**, {case.reason}" for name, case in rule.cases.items()
        )
        lines.append(f"| {rule.id} | {rule.section} | {rule.guidance} | {rule.summary} | {cases} |")
    lines += ["", "| condition | section | guidance | what it checks |", "|---|---|---|---|"]
    for c in CONDITIONS:
        lines.append(f"| {c.id} {c.name} | {c.section} | {c.guidance} | {c.summary} |")
    return "\n".join(lines) + "\n"
