"""Triage's rules as a table (T1-T5), read next to the guidance, like ``table.py`` for R0-R15.

Each case gives the level it pushes a declaration toward (``low`` < ``caution`` <
``escalate``; the highest wins) and the reason template a triage carries. ``triage.py`` fires
rules only through these cases. Change anything here and bump TRIAGE_RULESET_VERSION.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from registry.rules.table import Case, Rule

TRIAGE_RULESET_VERSION = "2026.12-t1"

LOW = "low"
CAUTION = "caution"
ESCALATE = "escalate"
LEVEL: Mapping[str, int] = MappingProxyType({LOW: 0, CAUTION: 1, ESCALATE: 2})

# The guidance's five principles, in its own words (the declaration page asks them so).
PRINCIPLE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "p1": "The outputs do not replicate or substantially recreate identifiable "
        "characteristics of unowned or copyrighted material, or infringe any "
        "copyright-protected works",
        "p2": "The generative tools used do not store, reuse, or train on production data "
        "inputs or outputs.",
        "p3": "Where possible, generative tools are used in an enterprise-secured environment "
        "to safeguard inputs.",
        "p4": "Generated material is temporary and not part of the final deliverables.",
        "p5": "GenAI is not used to replace or generate new talent performances or "
        "union-covered work without consent.",
    }
)

# The use-case matrix rows, in the guidance's words: (proposed use, action).
MATRIX: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "ideation": (
            "Using GenAI for ideation only (moodboards, reference images)",
            "Low risk, non-final, likely not needing escalation if guiding principles are "
            "followed.",
        ),
        "background_element": (
            "Using GenAI to generate background elements (e.g., signage, posters) that appear "
            "on camera",
            "Use judgment: Incidental elements may be low risk, but if story-relevant, please "
            "escalate.",
        ),
        "key_creative": (
            "Using GenAI to create final character designs or key visuals",
            "Requires escalation as it could impact legal rights, audience perception, or "
            "union roles.",
        ),
        "talent_replication": (
            "Using GenAI for talent replication (re-ageing, or synthetic voices)",
            "Requires escalation for consent and legal review.",
        ),
        "unowned_training_data": (
            "Using unowned training data (e.g., celebrity faces, copyrighted art)",
            "Needs escalation due to copyright and other rights risk.",
        ),
        "proprietary_material": (
            "Using the studio's proprietary material",
            "Needs escalation for review if outside secure enterprise tools.",
        ),
        "other": ("Any other use of GenAI", "Use judgment: share it with your studio contact."),
    }
)

_KIND = ("declaration",)


def _rule(id: str, section: str, guidance: str, summary: str, **cases: Case) -> Rule:
    return Rule(id, section, _KIND, guidance, summary, MappingProxyType(cases))


TRIAGE_RULES: tuple[Rule, ...] = (
    _rule(
        "T1",
        "Guiding Principles",
        'If you can confidently say "yes" to all the above, socializing the intended use with '
        'your Netflix contact may be sufficient. If you answer "no" or "unsure" to any of '
        "these principles, escalate to your Netflix contact for more guidance before "
        "proceeding, as written approval may be required.",
        "The five principles, each yes, no or unsure (unsure when not answered). The registry "
        "answers them too from what it knows, and the worse answer counts: a tool that stores "
        "or trains on inputs makes p2 no, unknown terms make it unsure; no enterprise "
        "agreement makes p3 unsure; final output makes p4 no; work that replaces "
        "union-represented work makes p5 no, and touching a performer makes it unsure until "
        "each has an allowed use request here. Any no or unsure: escalate for guidance.",
        yes=Case(LOW, "every principle is answered yes"),
        doubt=Case(
            ESCALATE,
            "principle {principle} is {answer}{why}: escalate to the studio contact for guidance",
        ),
    ),
    _rule(
        "T2",
        "Use Case Matrix",
        "Proposed Use Case Matrix: ideation (low risk, non-final); background elements (use "
        "judgment, escalate if story-relevant); final character designs or key visuals, talent "
        "replication, unowned training data (escalation); the studio's proprietary material "
        "(escalation if outside secure enterprise tools).",
        "The matrix row the declaration falls in sets a level: ideation low; background "
        "element caution, escalate when story-relevant or prominent (then rights clearance and "
        "meaningful human input in the final version are needed); key creative, talent "
        "replication and unowned training data escalate (talent replication also needs an "
        "allowed use request per performer); the studio's released material caution inside "
        "tools that pass T4 under an enterprise agreement, escalate outside them; other "
        "caution.",
        ideation=Case(LOW, "ideation only (moodboards, reference images): low risk, non-final"),
        background=Case(
            CAUTION, "a background element on camera: use judgment (incidental may be low risk)"
        ),
        background_story=Case(
            ESCALATE,
            "a background element that is {what}: escalate; it needs rights clearance and "
            "meaningful human input in the final version",
        ),
        key_creative=Case(
            ESCALATE, "key creative (final character designs, key visuals): escalation required"
        ),
        talent_replication=Case(
            ESCALATE, "talent replication: escalation for consent and legal review"
        ),
        unowned_training_data=Case(
            ESCALATE, "unowned training data: escalation for copyright and other rights risk"
        ),
        proprietary_secure=Case(
            CAUTION,
            "the studio's released material inside tools that pass T4 under an enterprise "
            "agreement",
        ),
        proprietary_outside=Case(
            ESCALATE, "the studio's material outside secure enterprise tools: escalate for review"
        ),
        other=Case(CAUTION, "another use of GenAI: use judgment and share it with legal"),
    ),
    _rule(
        "T3",
        "Always written approval",
        "In addition to reporting intended use, always require escalation and written "
        "approval: personal data or the studio's unreleased material put into tools; talent "
        "likeness; inputs referencing copyrighted works, public figures or deceased "
        "individuals; content that could mislead; work replacing union roles. Introduction: "
        "if the output includes final deliverables, talent likeness, personal data, or "
        "third-party IP, written approval will be required.",
        "Each of these escalates and needs written approval: personal data in the inputs; the "
        "studio's unreleased or sensitive material in the inputs (even in secure tools); a "
        "real performer's likeness, voice or performance; inputs referencing copyrighted "
        "works, public figures or deceased individuals; content that could mislead; work that "
        "replaces union-represented work; output in the final deliverables.",
        always=Case(ESCALATE, "{what}: always needs written approval"),
    ),
    _rule(
        "T4",
        "Confidentiality; Custom workflows",
        "Ensure that any AI tools, plugins, or workflows you use do not train on inputs or "
        "outputs ... Each step in the pipeline must meet our standards for data protection, "
        "consent, and content integrity.",
        "A tool passes when it neither stores, reuses nor trains on inputs or outputs and runs "
        "under an enterprise agreement (unknown is not a pass); a pipeline passes only when "
        "every stage passes (a stage that trains on uncleared material fails). A declaration "
        "using a tool or pipeline that does not pass escalates.",
        passes=Case(LOW, "{tools}: {verb} T4"),
        fails=Case(ESCALATE, "{problems}: does not pass T4, so written approval is required"),
    ),
    _rule(
        "T5",
        "Final output vs temporary media",
        "Content that appears in the final cut—even in the background—can raise legal, "
        "copyright, or trust issues ... These items may require rights clearance before they "
        "can be included in final deliverables.",
        "Before delivery the final cut's files are checked by SHA-256: every generated asset "
        "found must belong to a declaration with final output that is cleared; a temporary "
        "asset, or one whose declaration is not cleared, blocks delivery.",
        cleared=Case(LOW, "generated under a declaration cleared for final output"),
        blocked=Case(ESCALATE, "{why}"),
    ),
)

TRIAGE_RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({r.id: r for r in TRIAGE_RULES})
