"""Triage of GenAI use declarations (T1-T5): one pure function, facts in, a triage out.

``triage(DeclarationInput) -> Triage`` applies ``triage_table.TRIAGE_RULES``: T1 the five
principles (the registry's own answers win over hopeful ones), T2 the use-case matrix, T3 the
uses that always need written approval, T4 the tools and pipelines; the highest level wins.
``check_file`` is T5, the final-cut check of one file against the generated assets registered
with its SHA-256. Like ``decide``, nothing here reads a database or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from registry.rules import labels
from registry.rules.decision import FiredRule
from registry.rules.facts import PerformerFact, ProductionFact, SourceFact
from registry.rules.triage_table import (
    CAUTION,
    ESCALATE,
    LEVEL,
    LOW,
    TRIAGE_RULES,
    TRIAGE_RULESET_VERSION,
)
from registry.rules.vocabulary import CATEGORIES, PRINCIPLES

_CLEARED = frozenset({"owned", "cleared"})
_WORSE = {"yes": 0, "unsure": 1, "no": 2}
_CASES = {
    (rule.id, name): (order, rule.section, case.reason, case.outcome)
    for order, rule in enumerate(TRIAGE_RULES)
    for name, case in rule.cases.items()
}
# T3's triggers, in the order a person reads them: (fact, words).
_ALWAYS = (
    ("personal_data_input", "personal data (cast or crew details) put into a tool"),
    ("proprietary_input", "the studio's unreleased or sensitive material put into a tool"),
    ("talent_likeness", "a real performer's likeness, voice or performance"),
    (
        "references_protected",
        "inputs referencing copyrighted works, public figures or deceased individuals",
    ),
    ("could_mislead", "content that could be mistaken for real events, people or statements"),
    ("replaces_union_work", "work that replaces or materially impacts union-represented roles"),
)
WRITTEN = "written approval"
GUIDANCE = "the studio contact's guidance (written approval, or a record that none is needed)"


@dataclass(frozen=True, slots=True)
class ToolFact:
    """A GenAI tool's data terms as reviewed: each ``yes``, ``no`` or ``unknown``."""

    id: str
    name: str
    stores_inputs: str
    trains_on_inputs: str
    enterprise_agreement: str


@dataclass(frozen=True, slots=True)
class StageFact:
    """A pipeline stage: its tool (None: unknown, which fails), what it does, whether it trains
    (then on which sources) and whether it touches a performer's likeness or voice."""

    tool: ToolFact | None
    does: str
    trains: bool = False
    sources: tuple[SourceFact, ...] = ()
    touches_likeness: bool = False


@dataclass(frozen=True, slots=True)
class PipelineFact:
    id: str
    name: str
    stages: tuple[StageFact, ...]


@dataclass(frozen=True, slots=True)
class DeclarationInput:
    """Everything one triage reads. ``facts``: the facts that are true. ``principles``: the
    declared answers (missing ones count as unsure). ``allowed``: the performers that have a use
    request allowed and valid for this declaration's production."""

    production: ProductionFact
    category: str
    output: str
    principles: Mapping[str, str]
    facts: frozenset[str]
    tools: tuple[ToolFact, ...] = ()
    pipeline: PipelineFact | None = None
    performers: tuple[PerformerFact, ...] = ()
    allowed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Triage:
    """``approval``: what an escalation needs (``written``, ``guidance`` for T1 alone, or
    ``none``). ``principles``: the answers that counted (the worse of declared and known)."""

    level: str
    rules: tuple[FiredRule, ...]
    needed: tuple[str, ...]
    next_step: str
    approval: str
    principles: Mapping[str, str]
    ruleset_version: str = TRIAGE_RULESET_VERSION


def tool_problems(tool: ToolFact) -> tuple[str, ...]:
    """Why a tool does not pass T4 (empty: it passes)."""
    problems = []
    if tool.stores_inputs != "no":
        problems.append(
            "stores or reuses inputs or outputs"
            if tool.stores_inputs == "yes"
            else "whether it stores or reuses inputs or outputs is unknown"
        )
    if tool.trains_on_inputs != "no":
        problems.append(
            "trains on inputs or outputs"
            if tool.trains_on_inputs == "yes"
            else "whether it trains on inputs or outputs is unknown"
        )
    if tool.enterprise_agreement != "yes":
        problems.append(
            "has no enterprise agreement"
            if tool.enterprise_agreement == "no"
            else "whether an enterprise agreement covers it is unknown"
        )
    return tuple(problems)


def stage_problems(stage: StageFact) -> tuple[str, ...]:
    if stage.tool is None:
        return ("uses a tool the registry does not know",)
    problems = list(tool_problems(stage.tool))
    uncleared = [s for s in stage.sources if s.clearance not in _CLEARED]
    if stage.trains and uncleared:
        problems.append(
            "trains on uncleared material (" + ", ".join(s.description for s in uncleared) + ")"
        )
    return tuple(problems)


def failing_stages(pipeline: PipelineFact) -> tuple[int, ...]:
    """0-based positions of the stages that do not pass; a pipeline passes when there are none."""
    return tuple(i for i, stage in enumerate(pipeline.stages) if stage_problems(stage))


class _Trace:
    __slots__ = ("fired", "needed", "steps", "worst", "written")

    def __init__(self) -> None:
        self.fired: list[tuple[int, int, FiredRule]] = []
        self.worst = 0
        self.needed: list[str] = []
        self.steps: list[str] = []
        self.written = False  # an escalation that needs written approval (not T1 alone)

    def fire(self, rule_id: str, case: str, **fields: str) -> None:
        order, section, template, level = _CASES[rule_id, case]
        rule = FiredRule(rule_id, section, template.format(**fields), level)
        self.fired.append((order, len(self.fired), rule))
        self.worst = max(self.worst, LEVEL[level])
        if level == ESCALATE and rule_id != "T1":
            self.written = True

    def need(self, item: str, step: str | None = None) -> None:
        if item not in self.needed:
            self.needed.append(item)
        if step is not None:
            self.steps.append(step)


def _known_principles(inp: DeclarationInput) -> dict[str, tuple[str, str]]:
    """The registry's own answers: principle -> (answer, why)."""
    known: dict[str, tuple[str, str]] = {}
    tools = list(inp.tools)
    if inp.pipeline is not None:
        tools += [s.tool for s in inp.pipeline.stages if s.tool is not None]
    storing = [t.name for t in tools if "yes" in (t.stores_inputs, t.trains_on_inputs)]
    unknown = [t.name for t in tools if "unknown" in (t.stores_inputs, t.trains_on_inputs)]
    if storing:
        known["p2"] = ("no", f"{', '.join(storing)} stores or trains on inputs")
    elif unknown:
        known["p2"] = ("unsure", f"the terms of {', '.join(unknown)} are unknown")
    unsecured = [t.name for t in tools if t.enterprise_agreement != "yes"]
    if unsecured:
        known["p3"] = ("unsure", f"no enterprise agreement is known for {', '.join(unsecured)}")
    if inp.output == "final":
        known["p4"] = ("no", "the output is final")
    if "replaces_union_work" in inp.facts:
        known["p5"] = ("no", "it replaces or materially impacts union-represented work")
    elif any(p.id not in inp.allowed for p in inp.performers):
        known["p5"] = ("unsure", "a performer it touches has no allowed use request here yet")
    return known


def _principles(inp: DeclarationInput, t: _Trace) -> dict[str, str]:
    known = _known_principles(inp)
    counted: dict[str, str] = {}
    for name in PRINCIPLES:
        declared = inp.principles.get(name, "unsure")
        if declared not in _WORSE:
            declared = "unsure"
        answer, why = declared, ""
        if name in known and _WORSE[known[name][0]] > _WORSE[declared]:
            answer, why = known[name][0], f" (the registry: {known[name][1]})"
        counted[name] = answer
        if answer != "yes":
            t.fire("T1", "doubt", principle=name, answer=answer, why=why)
    if all(a == "yes" for a in counted.values()):
        t.fire("T1", "yes")
    return counted


def _tools(inp: DeclarationInput, t: _Trace) -> bool:
    """T4; returns whether every tool (or the pipeline) passes."""
    if inp.pipeline is not None:
        failing = failing_stages(inp.pipeline)
        name = f'pipeline "{inp.pipeline.name}"'
        if not failing:
            t.fire("T4", "passes", tools=name, verb="every stage passes")
            return True
        problems = f"{name}: " + "; ".join(
            f"stage {i} ({inp.pipeline.stages[i].does}) "
            + ", ".join(stage_problems(inp.pipeline.stages[i]))
            for i in failing
        )
        t.fire("T4", "fails", problems=problems)
        t.need(WRITTEN)
        return False
    failing_tools = [(tool, tool_problems(tool)) for tool in inp.tools if tool_problems(tool)]
    if not inp.tools:
        t.fire("T4", "fails", problems="no tool is named (a use must name its tools)")
        return False
    if not failing_tools:
        names = ", ".join(tool.name for tool in inp.tools)
        t.fire("T4", "passes", tools=names, verb="passes" if len(inp.tools) == 1 else "pass")
        return True
    problems = "; ".join(f"{tool.name} {', '.join(p)}" for tool, p in failing_tools)
    t.fire("T4", "fails", problems=problems)
    t.need(WRITTEN)
    return False


def _matrix(inp: DeclarationInput, t: _Trace, secure: bool) -> None:
    category = inp.category
    where = labels.production(inp.production)
    if category == "ideation":
        t.fire("T2", "ideation")
    elif category == "background_element":
        story = [w for f, w in (("story_relevant", "story-relevant"), ("prominent", "prominent"))
                 if f in inp.facts]  # fmt: skip
        if story:
            t.fire("T2", "background_story", what=" and ".join(story))
            t.need("rights clearance", "clear the rights to the element")
            t.need(
                "meaningful human input in the final version",
                "plan meaningful human input in its final version",
            )
        else:
            t.fire("T2", "background")
    elif category == "proprietary_material":
        t.fire("T2", "proprietary_secure" if secure else "proprietary_outside")
    elif category in CATEGORIES:
        t.fire("T2", category)
    else:
        t.fire("T2", "key_creative")  # not a category the matrix knows: treated as the strictest
    if category == "talent_replication" or inp.performers:
        for performer in inp.performers:
            if performer.id not in inp.allowed:
                name = labels.performer(performer)
                t.need(
                    f"an allowed use request for {name} in production {where}",
                    f"ask the registry (May I use this?) for {name} in production {where}",
                )


def touches_talent(inp: DeclarationInput) -> bool:
    """What the registry knows: the declaration names performers, or a pipeline stage touches
    a performer's likeness or voice (then the talent-likeness fact holds, whatever was said)."""
    if inp.performers:
        return True
    return inp.pipeline is not None and any(s.touches_likeness for s in inp.pipeline.stages)


def _always(inp: DeclarationInput, t: _Trace) -> None:
    facts = inp.facts | {"talent_likeness"} if touches_talent(inp) else inp.facts
    for fact, words in _ALWAYS:
        if fact in facts:
            t.fire("T3", "always", what=words)
    if inp.output == "final":
        t.fire("T3", "always", what="output that will be in the final deliverables")


def _next_step(level: str, approval: str, steps: list[str]) -> str:
    if level == LOW:
        return "go ahead; the use is on record and legal is told"
    if level == CAUTION:
        return "proceed with judgement; legal is told and may raise it"
    first = list(dict.fromkeys(steps))
    if approval == "guidance":
        ask = "ask the studio contact (legal) for guidance before anyone proceeds"
    else:
        ask = "send the declaration to legal for written approval before anyone proceeds"
    if first:
        return f"{first[0]}, then {ask}"
    return ask


def triage(inp: DeclarationInput) -> Triage:
    """Triage one declaration. Never raises on odd facts: unknown answers count as unsure, an
    unknown category as the strictest row."""
    t = _Trace()
    counted = _principles(inp, t)
    secure = _tools(inp, t)
    enterprise = secure and all(tool.enterprise_agreement == "yes" for tool in inp.tools)
    _matrix(inp, t, enterprise)
    _always(inp, t)
    level = (LOW, CAUTION, ESCALATE)[t.worst]
    approval = "none"
    if level == ESCALATE:
        approval = "written" if t.written else "guidance"
        t.need(WRITTEN if approval == "written" else GUIDANCE)
    needed = tuple(t.needed) if level == ESCALATE else ()
    t.fired.sort()
    rules = tuple(rule for _, _, rule in t.fired)
    return Triage(level, rules, needed, _next_step(level, approval, t.steps), approval, counted)


# -- T5: the final-cut check --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssetFact:
    """A generated asset registered with a file's SHA-256, and its declaration's state now."""

    id: str
    production_id: str
    declaration_id: str
    output: str
    declaration_final: bool
    declaration_cleared: bool


@dataclass(frozen=True, slots=True)
class FileCheck:
    status: str  # cleared | blocked | not_generated
    declaration_id: str | None
    reason: str


_NOT_GENERATED = FileCheck("not_generated", None, "not known to be generated")
_ELSEWHERE = FileCheck("blocked", None, "registered under another production")


def check_file(production_id: str, assets: tuple[AssetFact, ...]) -> FileCheck:
    """T5 for one file of a production's final cut, given every asset with its SHA-256 (from
    any production). The same hash under several declarations is cleared only if every one of
    them clears it; an asset of another production blocks it, naming nothing of that one."""
    if not assets:
        return _NOT_GENERATED
    if any(a.production_id != production_id for a in assets):
        return _ELSEWHERE
    for asset in sorted(assets, key=lambda a: a.declaration_id):
        if asset.output != "final":
            return FileCheck(
                "blocked",
                asset.declaration_id,
                "a temporary asset: generated material stays out of the final deliverables",
            )
        if not (asset.declaration_final and asset.declaration_cleared):
            return FileCheck(
                "blocked", asset.declaration_id, "its declaration is not cleared for final output"
            )
    return FileCheck(
        "cleared",
        assets[0].declaration_id,
        "generated under a declaration cleared for final output",
    )
