"""The triage engine read next to DOMAIN.md (T1-T5) and the guidance's own examples: each case
asserts the level, the rules that fired (with the level each pushed), what is needed and the
next step, not the level alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from registry.rules.facts import PerformerFact, ProductionFact, SourceFact
from registry.rules.triage import (
    AssetFact,
    DeclarationInput,
    PipelineFact,
    StageFact,
    ToolFact,
    check_file,
    failing_stages,
    tool_problems,
    triage,
)
from registry.rules.triage_table import MATRIX, TRIAGE_RULES
from registry.rules.vocabulary import CATEGORIES

PROD = ProductionFact("P1", "production", "GO-02", "Glass Onion")
SECURE = ToolFact("T1", "StudioGen Enterprise", "no", "no", "yes")
PUBLIC = ToolFact("T2", "PublicChat", "yes", "yes", "no")
UNKNOWN = ToolFact("T3", "NewTool", "unknown", "no", "yes")
STAR = PerformerFact("A1", "SAG-AFTRA", False, "Mara Quill")
YES = {p: "yes" for p in ("p1", "p2", "p3", "p4", "p5")}
WRITTEN_NEXT = "send the declaration to legal for written approval before anyone proceeds"
GUIDANCE_NEXT = "ask the studio contact (legal) for guidance before anyone proceeds"
WRITTEN = "written approval"


def declared(category: str, output: str = "temporary", **kw: Any) -> DeclarationInput:
    base: dict[str, Any] = {
        "production": PROD,
        "category": category,
        "output": output,
        "principles": YES,
        "facts": frozenset(),
        "tools": (SECURE,),
    }
    base.update(kw)
    return DeclarationInput(**base)


def fired(inp: DeclarationInput) -> list[tuple[str, str]]:
    return [(r.id, r.outcome) for r in triage(inp).rules]


# -- the guidance's examples ----------------------------------------------------------------

EXAMPLES = {
    "moodboards": (
        declared("ideation"),
        "low",
        [("T1", "low"), ("T2", "low"), ("T4", "low")],
        [],
        "go ahead; the use is on record and legal is told",
    ),
    "a poster in the background, a temporary mock-up": (
        declared("background_element"),
        "caution",
        [("T1", "low"), ("T2", "caution"), ("T4", "low")],
        [],
        "proceed with judgement; legal is told and may raise it",
    ),
    "the poster on camera in the final cut": (
        declared("background_element", "final"),
        "escalate",
        [("T1", "escalate"), ("T2", "caution"), ("T3", "escalate"), ("T4", "low")],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
    "a historical document read aloud": (
        declared("background_element", "final", facts=frozenset({"prominent"})),
        "escalate",
        [("T1", "escalate"), ("T2", "escalate"), ("T3", "escalate"), ("T4", "low")],
        ["rights clearance", "meaningful human input in the final version", WRITTEN],
        f"clear the rights to the element, then {WRITTEN_NEXT}",
    ),
    "a second killer doll (key creative)": (
        declared("key_creative", "final", facts=frozenset({"story_relevant"})),
        "escalate",
        [("T1", "escalate"), ("T2", "escalate"), ("T3", "escalate"), ("T4", "low")],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
    "re-ageing and synthetic voices": (
        declared(
            "talent_replication", "final", performers=(STAR,), facts=frozenset({"talent_likeness"})
        ),
        "escalate",
        [
            ("T1", "escalate"),  # p4: the output is final
            ("T1", "escalate"),  # p5: no allowed use request for Mara Quill yet
            ("T2", "escalate"),
            ("T3", "escalate"),  # talent likeness
            ("T3", "escalate"),  # final output
            ("T4", "low"),
        ],
        ["an allowed use request for Mara Quill in production GO-02 (Glass Onion)", WRITTEN],
        "ask the registry (May I use this?) for Mara Quill in production GO-02 (Glass Onion), "
        f"then {WRITTEN_NEXT}",
    ),
    "training in an artist's style": (
        declared("unowned_training_data", facts=frozenset({"references_protected"})),
        "escalate",
        [("T1", "low"), ("T2", "escalate"), ("T3", "escalate"), ("T4", "low")],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
    "a fake news segment with a real journalist": (
        declared(
            "background_element",
            "final",
            facts=frozenset({"could_mislead", "references_protected"}),
        ),
        "escalate",
        [
            ("T1", "escalate"),
            ("T2", "caution"),
            ("T3", "escalate"),
            ("T3", "escalate"),
            ("T3", "escalate"),
            ("T4", "low"),
        ],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
    "a prompt naming a performer's distinctive features": (
        declared("ideation", facts=frozenset({"references_protected"})),
        "escalate",
        [("T1", "low"), ("T2", "low"), ("T3", "escalate"), ("T4", "low")],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
    "unreleased scripts put into a public tool": (
        declared("other", facts=frozenset({"proprietary_input"}), tools=(PUBLIC,)),
        "escalate",
        [
            ("T1", "escalate"),  # p2: PublicChat stores or trains on inputs
            ("T1", "escalate"),  # p3: no enterprise agreement
            ("T2", "caution"),
            ("T3", "escalate"),
            ("T4", "escalate"),
        ],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
    "a vendor pipeline with one consumer tool": (
        declared(
            "background_element",
            tools=(),
            pipeline=PipelineFact(
                "PL1",
                "Quay clean-up",
                (StageFact(SECURE, "plate clean-up"), StageFact(PUBLIC, "upscaling")),
            ),
        ),
        "escalate",
        [("T1", "escalate"), ("T1", "escalate"), ("T2", "caution"), ("T4", "escalate")],
        [WRITTEN],
        WRITTEN_NEXT,
    ),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_guidance_examples(name: str) -> None:
    inp, level, rules, needed, next_step = EXAMPLES[name]
    result = triage(inp)
    assert result.level == level
    assert fired(inp) == rules
    assert list(result.needed) == needed
    assert result.next_step == next_step
    assert result.approval == ("written" if level == "escalate" else "none")


def test_the_examples_say_why_in_words() -> None:
    """Reasons quote what the registry knew: the tool, the failing stage, the performer."""
    reasons = [
        r.reason for r in triage(EXAMPLES["a vendor pipeline with one consumer tool"][0]).rules
    ]
    assert any('pipeline "Quay clean-up": stage 1 (upscaling)' in r for r in reasons)
    assert any("the registry: PublicChat stores or trains on inputs" in r for r in reasons)
    talent = triage(EXAMPLES["re-ageing and synthetic voices"][0])
    assert any(
        "a performer it touches has no allowed use request" in r.reason for r in talent.rules
    )


# -- T1: the principles ---------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["no", "unsure"])
@pytest.mark.parametrize("principle", ["p1", "p2", "p3", "p4", "p5"])
def test_t1_any_no_or_unsure_escalates_for_guidance(principle: str, answer: str) -> None:
    inp = declared("ideation", principles={**YES, principle: answer})
    result = triage(inp)
    assert result.level == "escalate"
    assert result.approval == "guidance"
    assert result.needed == (
        "the studio contact's guidance (written approval, or a record that none is needed)",
    )
    assert result.next_step == GUIDANCE_NEXT
    assert result.principles[principle] == answer
    assert f"principle {principle} is {answer}" in result.rules[0].reason


def test_t1_missing_answers_count_as_unsure() -> None:
    result = triage(declared("ideation", principles={"p1": "yes"}))
    assert result.principles == {"p1": "yes", **{p: "unsure" for p in ("p2", "p3", "p4", "p5")}}
    assert result.level == "escalate"


@pytest.mark.parametrize(
    ("inp", "principle", "answer", "why"),
    [
        (declared("ideation", tools=(PUBLIC,)), "p2", "no", "PublicChat stores or trains"),
        (declared("ideation", tools=(UNKNOWN,)), "p2", "unsure", "terms of NewTool are unknown"),
        (
            declared("ideation", tools=(ToolFact("T4", "NoEA", "no", "no", "unknown"),)),
            "p3",
            "unsure",
            "no enterprise agreement is known for NoEA",
        ),
        (declared("background_element", "final"), "p4", "no", "the output is final"),
        (
            declared("other", facts=frozenset({"replaces_union_work"})),
            "p5",
            "no",
            "replaces or materially impacts union-represented work",
        ),
        (
            declared("talent_replication", performers=(STAR,)),
            "p5",
            "unsure",
            "no allowed use request here yet",
        ),
    ],
)
def test_t1_the_registry_answers_win_over_hopeful_ones(
    inp: DeclarationInput, principle: str, answer: str, why: str
) -> None:
    result = triage(inp)
    assert result.principles[principle] == answer
    assert any(
        r.id == "T1" and f"principle {principle} is {answer}" in r.reason and why in r.reason
        for r in result.rules
    )


def test_t1_an_allowed_use_request_settles_p5_but_not_the_rest() -> None:
    inp = declared("talent_replication", performers=(STAR,), allowed=frozenset({"A1"}))
    result = triage(inp)
    assert result.principles["p5"] == "yes"
    assert not any("an allowed use request" in n for n in result.needed)
    assert result.level == "escalate"  # talent replication (T2) and talent likeness (T3)
    assert result.needed == (WRITTEN,)


def test_t1_a_worse_declared_answer_is_kept() -> None:
    result = triage(declared("ideation", principles={**YES, "p2": "no"}))
    assert result.principles["p2"] == "no"


# -- T2: the matrix -------------------------------------------------------------------------

MATRIX_ROWS = {
    "ideation": ("low", "T2", "low"),
    "background_element": ("caution", "T2", "caution"),
    "key_creative": ("escalate", "T2", "escalate"),
    "talent_replication": ("escalate", "T2", "escalate"),
    "unowned_training_data": ("escalate", "T2", "escalate"),
    "proprietary_material": ("caution", "T2", "caution"),
    "other": ("caution", "T2", "caution"),
}


def test_every_category_has_a_matrix_row_and_a_case() -> None:
    assert set(MATRIX) == set(CATEGORIES) == set(MATRIX_ROWS)


@pytest.mark.parametrize("category", list(MATRIX_ROWS))
def test_t2_each_matrix_row(category: str) -> None:
    performers = (STAR,) if category == "talent_replication" else ()
    allowed = frozenset({"A1"}) if performers else frozenset()
    inp = declared(category, performers=performers, allowed=allowed)
    level, rule, outcome = MATRIX_ROWS[category]
    result = triage(inp)
    t2 = [r for r in result.rules if r.id == "T2"]
    assert [(r.id, r.outcome) for r in t2] == [(rule, outcome)]
    expected = "escalate" if performers else level  # touching a performer: T3 talent likeness
    assert result.level == expected


def test_t2_background_story_relevant_or_prominent_escalates_and_needs_clearance() -> None:
    for fact, words in (("story_relevant", "story-relevant"), ("prominent", "prominent")):
        result = triage(declared("background_element", facts=frozenset({fact})))
        assert result.level == "escalate"
        assert (
            "rights clearance" in result.needed
            and "meaningful human input in the final version" in result.needed
        )
        assert any(r.id == "T2" and words in r.reason for r in result.rules)


def test_t2_proprietary_material_inside_and_outside_secure_tools() -> None:
    inside = triage(declared("proprietary_material"))
    assert inside.level == "caution"
    no_agreement = ToolFact("T5", "NoAgreement", "no", "no", "no")
    outside = triage(declared("proprietary_material", tools=(no_agreement,)))
    t2 = [r for r in outside.rules if r.id == "T2"]
    assert [(r.outcome, r.reason) for r in t2] == [
        ("escalate", "the studio's material outside secure enterprise tools: escalate for review")
    ]


def test_t2_talent_replication_needs_a_use_request_per_performer() -> None:
    other = PerformerFact("A2", None, False, "Jonah Vale")
    result = triage(
        declared("talent_replication", performers=(STAR, other), allowed=frozenset({"A1"}))
    )
    assert [n for n in result.needed if "use request" in n] == [
        "an allowed use request for Jonah Vale in production GO-02 (Glass Onion)"
    ]


# -- T3: always written approval ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "words"),
    [
        ("personal_data_input", "personal data (cast or crew details) put into a tool"),
        ("proprietary_input", "the studio's unreleased or sensitive material put into a tool"),
        ("talent_likeness", "a real performer's likeness, voice or performance"),
        ("references_protected", "inputs referencing copyrighted works"),
        ("could_mislead", "could be mistaken for real events"),
        ("replaces_union_work", "replaces or materially impacts union-represented roles"),
    ],
)
def test_t3_each_trigger_needs_written_approval_even_for_ideation(fact: str, words: str) -> None:
    result = triage(declared("ideation", facts=frozenset({fact})))
    assert result.level == "escalate"
    assert result.approval == "written"
    assert WRITTEN in result.needed
    assert any(r.id == "T3" and words in r.reason for r in result.rules)


def test_t3_final_output_always_escalates() -> None:
    result = triage(declared("other", "final"))
    assert ("T3", "escalate") in fired(declared("other", "final"))
    assert result.approval == "written"


def test_t3_naming_performers_is_talent_likeness_whatever_was_ticked() -> None:
    result = triage(declared("other", performers=(STAR,)))
    assert any(r.id == "T3" and "likeness" in r.reason for r in result.rules)
    touching = PipelineFact("PL", "Face", (StageFact(SECURE, "face swap", touches_likeness=True),))
    assert any(
        r.id == "T3" and "likeness" in r.reason
        for r in triage(declared("other", tools=(), pipeline=touching)).rules
    )


# -- T4: tools and pipelines -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "problems"),
    [
        (SECURE, ()),
        (
            PUBLIC,
            (
                "stores or reuses inputs or outputs",
                "trains on inputs or outputs",
                "has no enterprise agreement",
            ),
        ),
        (UNKNOWN, ("whether it stores or reuses inputs or outputs is unknown",)),
        (
            ToolFact("T6", "Unsure", "no", "unknown", "unknown"),
            (
                "whether it trains on inputs or outputs is unknown",
                "whether an enterprise agreement covers it is unknown",
            ),
        ),
    ],
)
def test_t4_a_tool_passes_only_on_known_good_terms(
    tool: ToolFact, problems: tuple[str, ...]
) -> None:
    assert tool_problems(tool) == problems
    result = triage(declared("ideation", tools=(tool,)))
    assert (("T4", "low") in fired(declared("ideation", tools=(tool,)))) is (not problems)
    if problems:
        assert result.level == "escalate" and result.approval == "written"


def test_t4_a_pipeline_names_each_failing_stage() -> None:
    trains = StageFact(SECURE, "fine-tune", True, (SourceFact("celebrity faces", "uncleared"),))
    pipeline = PipelineFact(
        "PL", "Mixed", (StageFact(SECURE, "clean"), StageFact(PUBLIC, "upscale"), trains)
    )
    assert failing_stages(pipeline) == (1, 2)
    reason = next(
        r.reason
        for r in triage(declared("other", tools=(), pipeline=pipeline)).rules
        if r.id == "T4"
    )
    assert "stage 1 (upscale)" in reason and "stage 2 (fine-tune)" in reason
    assert "trains on uncleared material (celebrity faces)" in reason
    assert "stage 0" not in reason


def test_t4_a_stage_whose_tool_is_unknown_fails() -> None:
    pipeline = PipelineFact("PL", "Gone", (StageFact(None, "mystery"),))
    assert failing_stages(pipeline) == (0,)


# -- T5: the final-cut check ------------------------------------------------------------------


def asset(decl: str = "D1", output: str = "final", final: bool = True, cleared: bool = True,
          production: str = "P1") -> AssetFact:  # fmt: skip
    return AssetFact(f"A-{decl}", production, decl, output, final, cleared)


@pytest.mark.parametrize(
    ("assets", "status", "declaration", "reason"),
    [
        ((), "not_generated", None, "not known to be generated"),
        ((asset(),), "cleared", "D1", "generated under a declaration cleared for final output"),
        (
            (asset(output="temporary"),),
            "blocked",
            "D1",
            "a temporary asset: generated material stays out of the final deliverables",
        ),
        (
            (asset(cleared=False),),
            "blocked",
            "D1",
            "its declaration is not cleared for final output",
        ),
        (
            (asset(final=False),),
            "blocked",
            "D1",
            "its declaration is not cleared for final output",
        ),
        ((asset(production="P9"),), "blocked", None, "registered under another production"),
        (
            (asset("D1"), asset("D2", cleared=False)),
            "blocked",
            "D2",
            "its declaration is not cleared for final output",
        ),
        (
            (asset("D1"), asset("D2")),
            "cleared",
            "D1",
            "generated under a declaration cleared for final output",
        ),
        (
            (asset("D1"), asset("D2", production="P9")),
            "blocked",
            None,
            "registered under another production",
        ),
    ],
)
def test_t5_each_file(
    assets: tuple[AssetFact, ...], status: str, declaration: str | None, reason: str
) -> None:
    found = check_file("P1", assets)
    assert (found.status, found.declaration_id, found.reason) == (status, declaration, reason)


def test_every_case_of_t1_to_t4_is_reached_by_some_input_above() -> None:
    """The table has no dead case: each one's reason is given for one of these inputs."""
    inputs = [e[0] for e in EXAMPLES.values()] + [
        declared("proprietary_material"),
        declared("proprietary_material", tools=(PUBLIC,)),
        declared("key_creative"),
        declared("background_element", facts=frozenset({"prominent"})),
        declared("talent_replication", performers=(STAR,)),
        declared("ideation", tools=(), pipeline=PipelineFact("P", "ok", (StageFact(SECURE, "x"),))),
    ]
    reasons = {(r.id, r.reason) for inp in inputs for r in triage(inp).rules}
    for rule in TRIAGE_RULES:
        if rule.id == "T5":
            continue
        for name, case in rule.cases.items():
            pattern = re.escape(case.reason)
            pattern = re.sub(r"\\\{[a-z_]+\\\}", ".+", pattern)
            assert any(
                rid == rule.id and re.fullmatch(pattern, reason) for rid, reason in reasons
            ), (rule.id, name)
