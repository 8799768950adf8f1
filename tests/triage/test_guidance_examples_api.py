"""The guidance's examples declared through the API, as a vfx_lead would: each gets the triage
DOMAIN.md says (level, rules, needed, next step), from tools and a pipeline registered as legal
reviewed them and a performer in the registry; then the trail verifies."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import stored_performer
from tests.triage.test_triage_table import EXAMPLES
from tests.triage.world import YES, TriageWorld

NAMES = {
    "StudioGen Enterprise": "secure",
    "PublicChat": "public",
}


def _body(world: TriageWorld, name: str) -> dict[str, Any]:
    """The example's engine input as the API body (the same tools, pipeline and performer)."""
    inp = EXAMPLES[name][0]
    body: dict[str, Any] = {
        "title": name[:80],
        "description": f"The guidance's example: {name}",
        "category": inp.category,
        "output": inp.output,
        "principles": dict(inp.principles) or YES,
        "facts": dict.fromkeys(inp.facts, True),
    }
    if inp.pipeline is not None:
        stages = [
            {"tool_id": getattr(world, NAMES[stage.tool.name])["id"], "does": stage.does}
            for stage in inp.pipeline.stages
            if stage.tool is not None
        ]
        pipeline = world.post(
            "/api/v1/pipelines", {"name": inp.pipeline.name, "vendor": "Quay", "stages": stages}
        )
        assert pipeline.status_code == 201, pipeline.json
        body["pipeline_id"] = pipeline.json["id"]
        body["tool_ids"] = []
    else:
        body["tool_ids"] = [getattr(world, NAMES[t.name])["id"] for t in inp.tools]
    if inp.performers:
        body["performer_ids"] = [stored_performer(p.name).id for p in inp.performers]
    return body


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_guidance_example_through_the_api(ctx: Flask, client: FlaskClient, name: str) -> None:
    world = TriageWorld(client)
    world.check_names = True
    _, level, rules, needed, next_step = EXAMPLES[name]
    answer = world.declare(**_body(world, name))
    assert answer.status_code == 201, answer.json
    triage = answer.json["triage"]
    assert triage["level"] == level
    assert [(r["id"], r["outcome"]) for r in triage["rules"]] == rules
    # The engine's table names the production "GO-02 (Glass Onion)"; here it is the world's.
    label = world.label(world.production)
    assert triage["needed"] == [n.replace("GO-02 (Glass Onion)", label) for n in needed]
    assert triage["next_step"] == next_step.replace("GO-02 (Glass Onion)", label)
    assert triage["cleared"] is (level != "escalate")
    runner = world.client.application.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
