"""GenAI tools with their reviewed data terms, and vendor pipelines of them (T4).

A tool passes T4 when it neither stores, reuses nor trains on inputs or outputs and runs under
an enterprise agreement (``unknown`` is not a pass); a pipeline passes when every stage does.
Whether something passes is computed from its terms each time it is read, by the rules engine
(``registry.rules.triage``), never stored. A change of a tool's terms is a new review (the
caller is the reviewer, now the review time), audited with the terms before and after; the
declarations using the tool are triaged again by ``declarations.change_tool`` (the one caller).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.errors import Forbidden, Invalid, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.rules.facts import SourceFact
from registry.rules.triage import (
    PipelineFact,
    StageFact,
    ToolFact,
    failing_stages,
    stage_problems,
    tool_problems,
)
from registry.triage.models import GenAITool, Pipeline, PipelineStage

READERS = ("admin", "legal", "vfx_lead", "talent_rep")  # any signed-in role but auditor
TOOL_REVIEWERS = ("admin", "legal")
PIPELINE_AUTHORS = ("admin", "legal", "vfx_lead")
TERM_FIELDS = ("stores_inputs", "trains_on_inputs", "enterprise_agreement")
REVIEW_FIELDS = ("version", "plan", *TERM_FIELDS, "terms_url", "terms_sha256", "terms_note")


def _require(user: User, roles: Sequence[str], what: str) -> None:
    if not user.has_role(*roles):
        raise Forbidden(f"Your role may not {what}.")


# -- facts for the engine ---------------------------------------------------------------------


def tool_fact(tool: GenAITool) -> ToolFact:
    return ToolFact(
        tool.id, tool.name, tool.stores_inputs, tool.trains_on_inputs, tool.enterprise_agreement
    )


def terms_of(tool: GenAITool) -> dict[str, Any]:
    """The terms as reviewed, as a triage receipt commits to them."""
    return {
        "id": tool.id,
        "name": tool.name,
        "terms_version": tool.terms_version,
        **{name: getattr(tool, name) for name in TERM_FIELDS},
        "terms_sha256": tool.terms_sha256,
    }


def tools_by_id(ids: Iterable[str]) -> dict[str, GenAITool]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(select(GenAITool).where(GenAITool.id.in_(wanted))).scalars()
    return {tool.id: tool for tool in rows}


def stages_of(pipeline_id: str) -> list[PipelineStage]:
    return list(
        db.session.execute(
            select(PipelineStage)
            .where(PipelineStage.pipeline_id == pipeline_id)
            .order_by(PipelineStage.position)
        ).scalars()
    )


def _stage_fact(stage: PipelineStage, tools: dict[str, GenAITool]) -> StageFact:
    tool = tools.get(stage.tool_id)
    return StageFact(
        tool_fact(tool) if tool is not None else None,
        stage.does,
        stage.trains,
        tuple(SourceFact(s["description"], s["clearance"]) for s in stage.training_sources),
        stage.touches_likeness,
    )


def pipeline_fact(pipeline: Pipeline) -> tuple[PipelineFact, list[GenAITool]]:
    """The pipeline as the engine reads it, and the tools of its stages."""
    stages = stages_of(pipeline.id)
    tools = tools_by_id(s.tool_id for s in stages)
    fact = PipelineFact(
        pipeline.id, pipeline.name, tuple(_stage_fact(stage, tools) for stage in stages)
    )
    return fact, [tools[s.tool_id] for s in stages if s.tool_id in tools]


# -- tools ------------------------------------------------------------------------------------


def present_tool(tool: GenAITool) -> dict[str, Any]:
    problems = tool_problems(tool_fact(tool))
    return {
        **{
            name: getattr(tool, name)
            for name in ("id", "name", "vendor", *REVIEW_FIELDS, "terms_version")
        },
        "reviewed_by": tool.reviewed_by,
        "reviewed_at": tool.reviewed_at,
        "passes": not problems,
        "problems": list(problems),
    }


def tools_query() -> Select[Any]:
    return select(GenAITool).order_by(GenAITool.name, GenAITool.id)


def visible_tool(user: User, tool_id: str) -> GenAITool:
    _require(user, READERS, "read tools")
    tool = db.session.get(GenAITool, tool_id)
    if tool is None:
        raise NotFound("No such tool.")
    return tool


def create_tool(data: dict[str, Any], *, user: User, now: datetime) -> GenAITool:
    _require(user, TOOL_REVIEWERS, "review tools")
    tool = GenAITool(
        id=new_id("tool"),
        name=data["name"],
        vendor=data["vendor"],
        **{name: data.get(name) for name in REVIEW_FIELDS},
        terms_version=1,
        reviewed_by=user.id,
        reviewed_at=now,
        created_at=now,
    )
    if tool.terms_sha256:
        tool.terms_sha256 = tool.terms_sha256.lower()
    db.session.add(tool)
    db.session.flush()
    record(
        "tool.reviewed",
        "tool",
        tool.id,
        {"name": tool.name, "vendor": tool.vendor, "terms": terms_of(tool)},
        actor_id=user.id,
    )
    return tool


def review_tool(
    tool_id: str, data: dict[str, Any], *, user: User, now: datetime
) -> tuple[GenAITool, bool]:
    """A new review of the tool's terms; returns the tool and whether its terms changed (then
    its ``terms_version`` goes up and the declarations using it must be triaged again)."""
    _require(user, TOOL_REVIEWERS, "review tools")
    tool = db.session.execute(
        select(GenAITool)
        .where(GenAITool.id == tool_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if tool is None:
        raise NotFound("No such tool.")
    if data.get("terms_sha256"):
        data = {**data, "terms_sha256": data["terms_sha256"].lower()}
    before = terms_of(tool)
    changed = {k: v for k, v in data.items() if getattr(tool, k) != v}
    if not changed:
        return tool, False
    for name, value in changed.items():
        setattr(tool, name, value)
    terms_changed = any(name in changed for name in (*TERM_FIELDS, "terms_sha256"))
    if terms_changed:
        tool.terms_version += 1
    tool.reviewed_by = user.id
    tool.reviewed_at = now
    db.session.flush()
    record(
        "tool.reviewed",
        "tool",
        tool.id,
        {"changed": sorted(changed), "before": before, "terms": terms_of(tool)},
        actor_id=user.id,
    )
    return tool, terms_changed


# -- pipelines --------------------------------------------------------------------------------


def present_pipeline(pipeline: Pipeline) -> dict[str, Any]:
    stages = stages_of(pipeline.id)
    tools = tools_by_id(s.tool_id for s in stages)
    facts = [_stage_fact(stage, tools) for stage in stages]
    fact = PipelineFact(pipeline.id, pipeline.name, tuple(facts))
    return {
        "id": pipeline.id,
        "name": pipeline.name,
        "vendor": pipeline.vendor,
        "stages": [
            {
                "position": stage.position,
                "tool_id": stage.tool_id,
                "tool_name": tools[stage.tool_id].name if stage.tool_id in tools else "?",
                "does": stage.does,
                "trains": stage.trains,
                "training_sources": stage.training_sources,
                "touches_likeness": stage.touches_likeness,
                "passes": not stage_problems(sfact),
                "problems": list(stage_problems(sfact)),
            }
            for stage, sfact in zip(stages, facts, strict=True)
        ],
        "passes": not failing_stages(fact),
        "failing_stages": list(failing_stages(fact)),
        "created_by": pipeline.created_by,
        "created_at": pipeline.created_at,
    }


def pipelines_query() -> Select[Any]:
    return select(Pipeline).order_by(Pipeline.name, Pipeline.id)


def visible_pipeline(user: User, pipeline_id: str) -> Pipeline:
    _require(user, READERS, "read pipelines")
    pipeline = db.session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFound("No such pipeline.")
    return pipeline


def create_pipeline(data: dict[str, Any], *, user: User, now: datetime) -> Pipeline:
    """A vendor pipeline; every stage's tool must be a registered tool (422 naming the stage,
    nothing written)."""
    _require(user, PIPELINE_AUTHORS, "register pipelines")
    stages = data["stages"]
    known = tools_by_id(s["tool_id"] for s in stages)
    unknown = {
        f"stages.{i}.tool_id": ["No tool with this id."]
        for i, stage in enumerate(stages)
        if stage["tool_id"] not in known
    }
    untrained = {
        f"stages.{i}.training_sources": ["Name the training sources of a stage that trains."]
        for i, stage in enumerate(stages)
        if stage.get("trains") and not stage.get("training_sources")
    }
    if unknown or untrained:
        raise Invalid("Some fields are invalid.", {**unknown, **untrained})
    pipeline = Pipeline(
        id=new_id("pipe"), name=data["name"], vendor=data["vendor"], created_by=user.id,
        created_at=now,
    )  # fmt: skip
    db.session.add(pipeline)
    db.session.flush()
    db.session.add_all(
        PipelineStage(
            pipeline_id=pipeline.id,
            position=i,
            tool_id=stage["tool_id"],
            does=stage["does"],
            trains=bool(stage.get("trains")),
            training_sources=[
                {"description": s["description"], "clearance": s["clearance"]}
                for s in stage.get("training_sources") or ()
            ],
            touches_likeness=bool(stage.get("touches_likeness")),
        )
        for i, stage in enumerate(stages)
    )
    db.session.flush()
    record(
        "pipeline.registered",
        "pipeline",
        pipeline.id,
        {
            "name": pipeline.name,
            "vendor": pipeline.vendor,
            "stages": [
                {k: stage.get(k) for k in ("tool_id", "does", "trains", "touches_likeness")}
                for stage in stages
            ],
        },
        actor_id=user.id,
    )
    return pipeline


def pipelines_using(tool_id: str) -> list[str]:
    return sorted(
        set(
            db.session.execute(
                select(PipelineStage.pipeline_id).where(PipelineStage.tool_id == tool_id)
            ).scalars()
        )
    )
