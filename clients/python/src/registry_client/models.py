"""What goes to the registry and what comes back, as typed, immutable values.

Requests (``UseRequest`` with its ``Facts``, ``GenAIDeclaration`` with its
``DeclarationFacts``) turn themselves into the API's JSON (``to_json``). Answers are read from
the API's JSON (``from_json``) and keep it whole in ``raw`` for fields this client does not
name. Vocabularies are the registry's (``../shared/DOMAIN.md``); the registry refuses a value
outside them with a 422 that names the field, so they are not repeated here beyond the
constants below, which the CLI offers as choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

REQUEST_KINDS = ("replica.create", "replica.use", "alteration", "model.use", "model.train")
MEDIA = ("likeness", "voice", "performance")
CHANGES = (
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
CLEARANCES = ("owned", "cleared", "uncleared")
OUTCOMES = ("allow", "escalate", "deny")


# -- reading JSON -------------------------------------------------------------------------------


def _str(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ValueError(f"the registry's answer has no text {name!r}")
    return value


def _opt_str(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _strs(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return tuple(str(v) for v in data.get(name) or ())


def _time(value: Any) -> datetime | None:
    """An ISO 8601 time as the registry writes it (with an offset)."""
    if not isinstance(value, str) or not value:
        return None
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    return datetime.fromisoformat(value)


def _required_time(data: Mapping[str, Any], name: str) -> datetime:
    found = _time(data.get(name))
    if found is None:
        raise ValueError(f"the registry's answer has no time {name!r}")
    return found


def _object(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    if not isinstance(value, Mapping):
        raise ValueError(f"the registry's answer has no object {name!r}")
    return value


# -- use requests and decisions ("May I use this?") ---------------------------------------------


@dataclass(frozen=True)
class TrainingSource:
    """A model's training source (``model.train``): what it is and how it is cleared."""

    description: str
    clearance: str  # owned | cleared | uncleared

    def to_json(self) -> dict[str, str]:
        return {"description": self.description, "clearance": self.clearance}


@dataclass(frozen=True)
class Facts:
    """The facts of a use request; facts not given are false or empty (API.md)."""

    as_recorded: bool = False
    safety: bool = False
    unrecognizable: bool = False
    changes: tuple[str, ...] = ()
    dubbing_or_double_permitted: bool = False
    alters_tone_delivery_or_intent: bool = False
    new_dialogue: bool = False
    may_harm_reputation: bool = False
    training_sources: tuple[TrainingSource, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "as_recorded": self.as_recorded,
            "safety": self.safety,
            "unrecognizable": self.unrecognizable,
            "changes": list(self.changes),
            "dubbing_or_double_permitted": self.dubbing_or_double_permitted,
            "alters_tone_delivery_or_intent": self.alters_tone_delivery_or_intent,
            "new_dialogue": self.new_dialogue,
            "may_harm_reputation": self.may_harm_reputation,
            "training_sources": [s.to_json() for s in self.training_sources],
        }


@dataclass(frozen=True)
class UseRequest:
    """``POST /api/v1/requests``: ask before replicating, altering or re-using a performer."""

    kind: str  # replica.create | replica.use | alteration | model.use | model.train
    production_id: str  # where the output will be used
    media: tuple[str, ...]  # likeness, voice, performance
    description: str  # what will be made, for which scene
    performer_id: str | None = None  # not for model.use (the model names its performers)
    replica_id: str | None = None  # replica.use
    model_id: str | None = None  # model.use
    declaration_id: str | None = None  # the GenAI use declaration this request serves
    facts: Facts = field(default_factory=Facts)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": self.kind,
            "production_id": self.production_id,
            "media": list(self.media),
            "description": self.description,
            "facts": self.facts.to_json(),
        }
        for name in ("performer_id", "replica_id", "model_id", "declaration_id"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body


@dataclass(frozen=True)
class Rule:
    """A rule that decided (or was weighed), with its reason in words."""

    id: str
    section: str
    reason: str
    outcome: str | None = None  # the outcome this rule pushed

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rule:
        return cls(
            id=_str(data, "id"),
            section=str(data.get("section") or ""),
            reason=str(data.get("reason") or ""),
            outcome=_opt_str(data, "outcome"),
        )


@dataclass(frozen=True)
class Decision:
    """The registry's answer to a use request (API.md "Decisions")."""

    id: str
    request_id: str
    outcome: str  # allow | escalate | deny
    basis: str | None
    rules: tuple[Rule, ...]  # the rules that decided it
    considered: tuple[Rule, ...]  # rules weighed that did not decide it
    missing: tuple[str, ...]  # only what can turn it into an allow
    consent_ids: tuple[str, ...]
    next_step: str  # one sentence: what to do now (computed when read)
    valid: bool  # false once a consent it relied on is revoked or expires
    valid_until: datetime | None
    invalidated_reason: str | None
    decided_at: datetime
    ruleset_version: str
    receipt: str  # compact JWS (EdDSA): verify with ``verify_receipt``
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def allowed(self) -> bool:
        """May the work go ahead now: an ``allow`` that is still valid."""
        return self.outcome == "allow" and self.valid

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        return cls(
            id=_str(data, "id"),
            request_id=_str(data, "request_id"),
            outcome=_str(data, "outcome"),
            basis=_opt_str(data, "basis"),
            rules=tuple(Rule.from_json(r) for r in data.get("rules") or ()),
            considered=tuple(Rule.from_json(r) for r in data.get("considered") or ()),
            missing=_strs(data, "missing"),
            consent_ids=_strs(data, "consent_ids"),
            next_step=str(data.get("next_step") or ""),
            valid=bool(data.get("valid", True)),
            valid_until=_time(data.get("valid_until")),
            invalidated_reason=_opt_str(data, "invalidated_reason"),
            decided_at=_required_time(data, "decided_at"),
            ruleset_version=str(data.get("ruleset_version") or ""),
            receipt=_str(data, "receipt"),
            raw=data,
        )


@dataclass(frozen=True)
class RequestRecord:
    """A use request as the registry stores it, with its current decision."""

    id: str
    kind: str
    production_id: str
    performer_id: str | None
    replica_id: str | None
    model_id: str | None
    declaration_id: str | None
    media: tuple[str, ...]
    description: str
    decision: Decision
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    replayed: bool = False  # the answer came from an earlier call with the same Idempotency-Key

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, replayed: bool = False) -> RequestRecord:
        return cls(
            id=_str(data, "id"),
            kind=_str(data, "kind"),
            production_id=_str(data, "production_id"),
            performer_id=_opt_str(data, "performer_id"),
            replica_id=_opt_str(data, "replica_id"),
            model_id=_opt_str(data, "model_id"),
            declaration_id=_opt_str(data, "declaration_id"),
            media=_strs(data, "media"),
            description=str(data.get("description") or ""),
            decision=Decision.from_json(_object(data, "decision")),
            raw=data,
            replayed=replayed,
        )


# -- GenAI use declarations and triage ----------------------------------------------------------


@dataclass(frozen=True)
class DeclarationFacts:
    """The facts of a GenAI use (DOMAIN.md, T2); facts not given are false."""

    story_relevant: bool = False
    prominent: bool = False
    personal_data_input: bool = False
    proprietary_input: bool = False
    talent_likeness: bool = False
    references_protected: bool = False
    could_mislead: bool = False
    replaces_union_work: bool = False

    def to_json(self) -> dict[str, bool]:
        return {
            "story_relevant": self.story_relevant,
            "prominent": self.prominent,
            "personal_data_input": self.personal_data_input,
            "proprietary_input": self.proprietary_input,
            "talent_likeness": self.talent_likeness,
            "references_protected": self.references_protected,
            "could_mislead": self.could_mislead,
            "replaces_union_work": self.replaces_union_work,
        }


@dataclass(frozen=True)
class GenAIDeclaration:
    """``POST /api/v1/declarations``: an intended use of generative AI, triaged at once.

    Name the reviewed tools (``tool_ids``) or a vendor pipeline (``pipeline_id``), not both.
    ``principles``: p1..p5 answered ``yes``, ``no`` or ``unsure`` (missing ones count as
    ``unsure``)."""

    production_id: str
    title: str
    description: str  # what will be generated, how, where it appears
    category: str  # ideation | background_element | key_creative | talent_replication | ...
    output: str  # temporary | final
    tool_ids: tuple[str, ...] = ()
    pipeline_id: str | None = None
    performer_ids: tuple[str, ...] = ()
    principles: Mapping[str, str] = field(default_factory=dict)
    facts: DeclarationFacts = field(default_factory=DeclarationFacts)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "production_id": self.production_id,
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "output": self.output,
            "tool_ids": list(self.tool_ids),
            "performer_ids": list(self.performer_ids),
            "principles": dict(self.principles),
            "facts": self.facts.to_json(),
        }
        if self.pipeline_id is not None:
            body["pipeline_id"] = self.pipeline_id
        return body


@dataclass(frozen=True)
class Triage:
    """A declaration's current triage (DOMAIN.md T1-T5)."""

    id: str
    level: str  # low | caution | escalate
    rules: tuple[Rule, ...]
    needed: tuple[str, ...]
    cleared: bool  # may proceed: low and caution; escalate once legal cleared it
    cleared_reason: str
    refused: bool
    next_step: str
    decided_at: datetime
    ruleset_version: str
    receipt: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Triage:
        return cls(
            id=_str(data, "id"),
            level=_str(data, "level"),
            rules=tuple(Rule.from_json(r) for r in data.get("rules") or ()),
            needed=_strs(data, "needed"),
            cleared=bool(data.get("cleared")),
            cleared_reason=str(data.get("cleared_reason") or ""),
            refused=bool(data.get("refused")),
            next_step=str(data.get("next_step") or ""),
            decided_at=_required_time(data, "decided_at"),
            ruleset_version=str(data.get("ruleset_version") or ""),
            receipt=_str(data, "receipt"),
            raw=data,
        )


@dataclass(frozen=True)
class DeclarationRecord:
    """A declaration as the registry stores it (its current version), with its triage."""

    id: str
    production_id: str
    version: int
    title: str
    category: str
    output: str
    triage: Triage
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeclarationRecord:
        return cls(
            id=_str(data, "id"),
            production_id=_str(data, "production_id"),
            version=int(data.get("version") or 1),
            title=str(data.get("title") or ""),
            category=str(data.get("category") or ""),
            output=str(data.get("output") or ""),
            triage=Triage.from_json(_object(data, "triage")),
            raw=data,
        )


@dataclass(frozen=True)
class Asset:
    """A generated file registered under a declaration, by its SHA-256."""

    id: str
    declaration_id: str
    production_id: str
    name: str
    sha256: str
    media_type: str
    output: str  # temporary | final

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Asset:
        return cls(
            id=_str(data, "id"),
            declaration_id=_str(data, "declaration_id"),
            production_id=_str(data, "production_id"),
            name=_str(data, "name"),
            sha256=_str(data, "sha256"),
            media_type=str(data.get("media_type") or ""),
            output=_str(data, "output"),
        )


# -- the final-cut check ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    """One file of the final cut: ``cleared``, ``blocked`` or ``not_generated``, and why."""

    name: str
    sha256: str
    status: str
    reason: str
    declaration_id: str | None = None

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileCheck:
        return cls(
            name=_str(data, "name"),
            sha256=_str(data, "sha256"),
            status=_str(data, "status"),
            reason=str(data.get("reason") or ""),
            declaration_id=_opt_str(data, "declaration_id"),
        )


@dataclass(frozen=True)
class CutReport:
    """The whole final cut, however many calls it took: ``ok`` when nothing blocks."""

    items: tuple[FileCheck, ...]
    counts: Mapping[str, int]
    calls: int  # how many POSTs it took (at most 10,000 files each)

    @property
    def ok(self) -> bool:
        return self.counts.get("blocked", 0) == 0

    @property
    def blocked(self) -> tuple[FileCheck, ...]:
        return tuple(item for item in self.items if item.blocked)


@dataclass(frozen=True)
class Production:
    """A production, pitch or concept the caller may see."""

    id: str
    code: str
    title: str
    kind: str
    phase: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Production:
        return cls(
            id=_str(data, "id"),
            code=_str(data, "code"),
            title=str(data.get("title") or ""),
            kind=str(data.get("kind") or ""),
            phase=str(data.get("phase") or ""),
        )
