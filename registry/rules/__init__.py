"""The decision engine: pure Python, imports neither Flask nor SQLAlchemy.

`decide(DecisionInput) -> Decision` applies the ruleset in `table.py` (rules R0-R15, consent
conditions C1-C5; C2's blanket phrases in `blanket.py`) to facts in memory; `now` is always an
input. Every Decision records RULESET_VERSION and names things through `labels.py`.

May import: only `registry.rules` itself (the closed vocabularies are `vocabulary.py`).
"""

from __future__ import annotations

from registry.rules.consent import accepted_purposes, consent_problems
from registry.rules.decision import Decision, FiredRule
from registry.rules.engine import decide, model_status
from registry.rules.facts import (
    CHANGES,
    CUSTOMARY_CHANGES,
    MEDIA,
    PRODUCTION_KINDS,
    PURPOSES,
    REQUEST_KINDS,
    ApprovalFact,
    ConsentFact,
    DecisionInput,
    Medium,
    ModelFact,
    PerformerFact,
    ProductionFact,
    Purpose,
    ReplicaFact,
    RequestFacts,
    SourceFact,
)
from registry.rules.table import CONDITIONS, RULES, RULES_BY_ID, RULESET_VERSION

__all__ = [
    "CHANGES",
    "CONDITIONS",
    "CUSTOMARY_CHANGES",
    "MEDIA",
    "PRODUCTION_KINDS",
    "PURPOSES",
    "REQUEST_KINDS",
    "RULES",
    "RULESET_VERSION",
    "RULES_BY_ID",
    "ApprovalFact",
    "ConsentFact",
    "Decision",
    "DecisionInput",
    "FiredRule",
    "Medium",
    "ModelFact",
    "PerformerFact",
    "ProductionFact",
    "Purpose",
    "ReplicaFact",
    "RequestFacts",
    "SourceFact",
    "accepted_purposes",
    "consent_problems",
    "decide",
    "model_status",
]
