"""Properties of the triage engine over generated declarations: what makes a use riskier never
lowers its level, and a pipeline passes exactly when each of its stages does."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.rules.facts import PerformerFact, ProductionFact, SourceFact
from registry.rules.triage import (
    DeclarationInput,
    PipelineFact,
    StageFact,
    ToolFact,
    failing_stages,
    stage_problems,
    triage,
)
from registry.rules.triage_table import LEVEL
from registry.rules.vocabulary import (
    ANSWERS,
    CATEGORIES,
    CLEARANCES,
    DECLARATION_FACTS,
    OUTPUTS,
    PRINCIPLES,
    TERMS,
)

PROD = ProductionFact("P1", "production", "GO-02", "Glass Onion")
FAILING = ToolFact("TX", "LeakyTool", "yes", "yes", "no")

tools = st.builds(
    ToolFact,
    id=st.sampled_from(["T1", "T2", "T3"]),
    name=st.sampled_from(["A", "B", "C"]),
    stores_inputs=st.sampled_from(TERMS),
    trains_on_inputs=st.sampled_from(TERMS),
    enterprise_agreement=st.sampled_from(TERMS),
)
sources = st.builds(
    SourceFact,
    description=st.sampled_from(["dailies", "faces"]),
    clearance=st.sampled_from(CLEARANCES),
)
stages = st.builds(
    StageFact,
    tool=st.one_of(st.none(), tools),
    does=st.just("a step"),
    trains=st.booleans(),
    sources=st.lists(sources, max_size=2).map(tuple),
    touches_likeness=st.booleans(),
)
pipelines = st.builds(
    PipelineFact,
    id=st.just("PL"),
    name=st.just("pipe"),
    stages=st.lists(stages, min_size=1, max_size=4).map(tuple),
)
performers = st.lists(
    st.sampled_from(
        [PerformerFact("A1", None, False, "Mara"), PerformerFact("A2", None, False, "Jonah")]
    ),
    max_size=2,
    unique_by=lambda p: p.id,
).map(tuple)


@st.composite
def declarations(draw: st.DrawFn) -> DeclarationInput:
    use_pipeline = draw(st.booleans())
    chosen = draw(performers)
    return DeclarationInput(
        production=PROD,
        category=draw(st.sampled_from(CATEGORIES)),
        output=draw(st.sampled_from(OUTPUTS)),
        principles=draw(
            st.dictionaries(st.sampled_from(PRINCIPLES), st.sampled_from(ANSWERS), max_size=5)
        ),
        facts=frozenset(draw(st.sets(st.sampled_from(DECLARATION_FACTS)))),
        tools=() if use_pipeline else tuple(draw(st.lists(tools, min_size=1, max_size=3))),
        pipeline=draw(pipelines) if use_pipeline else None,
        performers=chosen,
        allowed=frozenset(draw(st.sets(st.sampled_from([p.id for p in chosen]))))
        if chosen
        else frozenset(),
    )


def level(inp: DeclarationInput) -> int:
    return LEVEL[triage(inp).level]


@settings(max_examples=300)
@given(declarations(), st.sampled_from(PRINCIPLES), st.sampled_from(["no", "unsure"]))
def test_a_no_or_unsure_never_lowers_the_level(
    inp: DeclarationInput, principle: str, answer: str
) -> None:
    worse = {**inp.principles}
    if worse.get(principle, "unsure") == "no" and answer == "unsure":
        answer = "no"  # unsure is not worse than no
    worse[principle] = answer
    assert level(replace(inp, principles=worse)) >= level(inp)


@settings(max_examples=300)
@given(declarations(), st.sampled_from(DECLARATION_FACTS))
def test_a_fact_never_lowers_the_level(inp: DeclarationInput, fact: str) -> None:
    assert level(replace(inp, facts=inp.facts | {fact})) >= level(inp)


@settings(max_examples=300)
@given(declarations())
def test_a_failing_tool_never_lowers_the_level(inp: DeclarationInput) -> None:
    if inp.pipeline is not None:
        stage = StageFact(FAILING, "leaks")
        worse = replace(inp, pipeline=replace(inp.pipeline, stages=(*inp.pipeline.stages, stage)))
    else:
        worse = replace(inp, tools=(*inp.tools, FAILING))
    assert level(worse) >= level(inp)
    assert triage(worse).level == "escalate"


@settings(max_examples=300)
@given(declarations())
def test_final_output_never_lowers_the_level(inp: DeclarationInput) -> None:
    final = replace(inp, output="final")
    assert level(final) >= level(inp)
    assert triage(final).level == "escalate"


@settings(max_examples=300)
@given(pipelines)
def test_a_pipeline_passes_exactly_when_every_stage_passes(pipeline: PipelineFact) -> None:
    every_stage_passes = all(not stage_problems(stage) for stage in pipeline.stages)
    assert (failing_stages(pipeline) == ()) is every_stage_passes
    assert all(stage_problems(pipeline.stages[i]) for i in failing_stages(pipeline))
