"""The closed vocabularies of DOMAIN.md, defined once and imported everywhere: the engine, the
tables (and the database's check constraints, migration 0011), the schemas and the pages.

A value outside them is a missing fact to the engine (R0) and a 422 to the API. Extend one only
with a migration that widens its check constraint (``tests/.../test_migrations.py`` ties the
two together).
"""

from __future__ import annotations

PURPOSES: tuple[str, ...] = (
    "digital_replica",
    "digital_alteration",
    "synthetic_voice",
    "visual_adr",
    "re_ageing",
    "model_training",
    "model_reuse",
)
MEDIA: tuple[str, ...] = ("likeness", "voice", "performance")
SIGNERS: tuple[str, ...] = ("performer", "representative", "estate")
CHANGES: tuple[str, ...] = (
    "cosmetics",
    "wardrobe",
    "noise_reduction",
    "timing",
    "continuity",
    "pitch",
    "clarity",
    "re_ageing",
    "other",
)
# Talent enhancement: "Post-production changes for cosmetics, wardrobe, noise reduction, timing,
# continuity, pitch, clarity ...". `re_ageing` (R7) and `other` are never customary.
CUSTOMARY_CHANGES: tuple[str, ...] = (
    "cosmetics",
    "wardrobe",
    "noise_reduction",
    "timing",
    "continuity",
    "pitch",
    "clarity",
)
REQUEST_KINDS: tuple[str, ...] = (
    "replica.create",
    "replica.use",
    "alteration",
    "model.use",
    "model.train",
)
PRODUCTION_KINDS: tuple[str, ...] = ("production", "pitch", "concept")
PHASES: tuple[str, ...] = (
    "development",
    "pre_production",
    "production",
    "post",
    "released",
    "cancelled",
)
CLEARANCES: tuple[str, ...] = ("owned", "cleared", "uncleared")
OUTCOMES: tuple[str, ...] = ("allow", "escalate", "deny")
BASES: tuple[str, ...] = ("consent", "customary_exception", "written_approval")
EXCEPTIONS: tuple[str, ...] = (
    "as_recorded",
    "safety",
    "unrecognizable",
    "customary_changes",
    "dubbing_or_double",
)

# GenAI use declarations (DOMAIN.md, "GenAI use declarations and triage").
CATEGORIES: tuple[str, ...] = (
    "ideation",
    "background_element",
    "key_creative",
    "talent_replication",
    "unowned_training_data",
    "proprietary_material",
    "other",
)
OUTPUTS: tuple[str, ...] = ("temporary", "final")
ANSWERS: tuple[str, ...] = ("yes", "no", "unsure")
TERMS: tuple[str, ...] = ("yes", "no", "unknown")
PRINCIPLES: tuple[str, ...] = ("p1", "p2", "p3", "p4", "p5")
DECLARATION_FACTS: tuple[str, ...] = (
    "story_relevant",
    "prominent",
    "personal_data_input",
    "proprietary_input",
    "talent_likeness",
    "references_protected",
    "could_mislead",
    "replaces_union_work",
)
LEVELS: tuple[str, ...] = ("low", "caution", "escalate")
ASSET_STATUSES: tuple[str, ...] = ("cleared", "blocked", "not_generated")
