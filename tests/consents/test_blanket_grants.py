"""C2: a blanket grant is refused when recorded, on the API, the page, the import and an
amendment (422 naming the phrase, nothing written), and never counts at decision time, even
when it was recorded before ruleset 2026.12-1. Decisions already made on one are reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from registry.audit.models import AuditEvent
from registry.consents.models import Consent, ConsentVersion
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.use_requests.models import DecisionRecord
from tests.consents.test_pages import _consent_form
from tests.factories import (
    World,
    api_create_performer,
    bearer,
    consent_body,
    login,
    make_production,
    make_user,
    performer_with_personal_data,
    sha,
    stored_consent,
    stored_performer,
)

BLANKET = (
    "Any and all uses of the performer's likeness and voice, in all media now known or "
    "hereafter devised, throughout the universe, in perpetuity"
)


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (Consent, ConsentVersion, AuditEvent)
    )


@pytest.mark.parametrize(
    ("description", "named"),
    [
        (BLANKET, "'all media now known or hereafter devised'"),
        ("ANY AND ALL USES, IN PERPETUITY, OF MY LIKENESS AND VOICE", "'in perpetuity'"),
        ("Use of my likeness for any-and-all purposes, worldwide, forever!", "'worldwide'"),
        ("Digital replica of my likeness, for any purpose whatsoever", "'for any purpose'"),
        ("Use of my name, likeness and voice by the studio and its licensees", "Names no"),
    ],
)
def test_the_api_refuses_a_blanket_grant_naming_the_phrase(
    ctx: Flask, client: FlaskClient, description: str, named: str
) -> None:
    _rep, token = make_user("talent_rep")
    performer = api_create_performer(client, token)
    production = make_production().id
    before = _counts()
    answer: Any = client.post(
        "/api/v1/consents",
        json=consent_body(performer["id"], production, description=description),
        headers=bearer(token),
    )
    assert answer.status_code == 422, answer.json
    messages = " ".join(answer.json["errors"]["description"])
    assert named in messages and "C2" in messages
    assert _counts() == before


def test_a_specific_use_in_perpetuity_is_recorded(ctx: Flask, client: FlaskClient) -> None:
    _rep, token = make_user("talent_rep")
    performer = api_create_performer(client, token)
    answer: Any = client.post(
        "/api/v1/consents",
        json=consent_body(
            performer["id"],
            make_production().id,
            description="Stunt double pass for episode 3, in perpetuity",
        ),
        headers=bearer(token),
    )
    assert answer.status_code == 201, answer.json


def test_an_amendment_to_a_blanket_description_is_refused(ctx: Flask, client: FlaskClient) -> None:
    _rep, token = make_user("talent_rep")
    performer = api_create_performer(client, token)
    made: Any = client.post(
        "/api/v1/consents",
        json=consent_body(performer["id"], make_production().id),
        headers=bearer(token),
    ).json
    before = _counts()
    answer: Any = client.post(
        f"/api/v1/consents/{made['id']}/amend",
        json={
            "evidence_sha256": "c" * 64,
            "signed_at": made["signed_at"],
            "description": "For any and all uses throughout the universe",
        },
        headers=bearer(token),
    )
    assert answer.status_code == 422, answer.json
    assert "'throughout the universe'" in " ".join(answer.json["errors"]["description"])
    assert _counts() == before


def test_the_page_refuses_a_blanket_grant_and_says_why(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    production = make_production()
    login(client, rep)
    path = f"/performers/{performer.id}/consents/new"
    before = _counts()
    answer: Any = client.post(
        path,
        data=_consent_form(client, path, production.id, b"%PDF-1.4\n%%EOF\n", description=BLANKET),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert 'id="description-error"' in text
    assert "in perpetuity" in text and "names no particular use" in text
    assert _counts() == before


def test_the_import_names_the_line_and_the_phrase_and_imports_nothing(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    production = make_production().id
    rows = [
        consent_body(performer.id, production),
        consent_body(performer.id, production, description=BLANKET),
    ]
    file = tmp_path / "in.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = _counts()
    result = app.test_cli_runner().invoke(args=["consents", "import", str(file), "--as", rep.email])
    assert result.exit_code == 1
    assert "line 2: description: A blanket grant (" in result.output
    assert "'in perpetuity'" in result.output
    assert "line 1:" not in result.output
    assert _counts() == before


def _legacy_reliance(client: FlaskClient) -> tuple[World, dict[str, Any], ConsentVersion]:
    """A decision made before ruleset 2026.12-1 that relied on a consent whose description a
    session of that time accepted and this ruleset reads as a blanket grant."""
    world = World(client)
    performer = stored_performer("Edda Lund")
    version = stored_consent(performer, world.production, ["digital_replica"], ["likeness"])
    asked = world.ask(kind="replica.create", performer_id=performer.id).json
    assert asked["decision"]["outcome"] == "escalate"
    db.session.execute(
        update(ConsentVersion).where(ConsentVersion.id == version.id).values(description=BLANKET)
    )
    db.session.execute(
        update(DecisionRecord)
        .where(DecisionRecord.id == asked["decision"]["id"])
        .values(ruleset_version="2026.11-1")
    )
    db.session.commit()
    # Consent versions never change, so the gate keeps their facts by version id; the data
    # rewritten above stands for rows a process of the older release recorded: start afresh.
    bridge._CONSENTS.clear()
    return world, asked, version


def test_a_blanket_consent_recorded_before_never_counts_when_deciding(
    ctx: Flask, client: FlaskClient
) -> None:
    world, asked, _version = _legacy_reliance(client)
    again = world.post(f"/api/v1/requests/{asked['id']}/reevaluate", {}).json["decision"]
    assert again["outcome"] == "deny"
    assert again["ruleset_version"] == "2026.12-1"
    assert again["consent_ids"] == []
    reason = again["rules"][0]["reason"]
    assert "C2: a blanket grant (" in reason and "'in perpetuity'" in reason
    # the decision made earlier keeps the ruleset it was made under
    history = world.get(f"/api/v1/requests/{asked['id']}/decisions").json["items"]
    assert [d["ruleset_version"] for d in history] == ["2026.11-1", "2026.12-1"]


def test_approving_an_old_escalate_the_new_rules_deny_is_409_and_writes_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    world, asked, _version = _legacy_reliance(client)
    before = _counts(), db.session.execute(select(func.count(DecisionRecord.id))).scalar_one()
    refused = world.post(
        f"/api/v1/requests/{asked['id']}/approvals",
        {"note": "Rider on file", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert refused.status_code == 409, refused.json
    wanted = f"consent for digital_replica in production {world.label(world.production)}"
    assert refused.json["errors"]["missing"] == [wanted]
    assert "2026.11-1" in refused.json["message"] and "2026.12-1" in refused.json["message"]
    assert "written approval" not in refused.json["errors"]["missing"]
    after = _counts(), db.session.execute(select(func.count(DecisionRecord.id))).scalar_one()
    assert after == before


def test_the_report_lists_decisions_made_on_a_blanket_grant_for_legal_and_their_reps(
    ctx: Flask, client: FlaskClient, app: Flask
) -> None:
    world, asked, version = _legacy_reliance(client)
    legal, _ = make_user("legal")
    rep, _ = make_user("talent_rep")
    from registry.performers.models import PerformerRepresentative

    db.session.add(PerformerRepresentative(performer_id=version.performer_id, user_id=rep.id))
    stranger, _ = make_user("talent_rep")
    db.session.commit()
    runner = app.test_cli_runner()
    for user, listed in ((legal, True), (rep, True), (stranger, False)):
        out = runner.invoke(args=["decisions", "blanket-report", "--as", user.email]).output
        assert (asked["decision"]["id"] in out) is listed, out
        assert f"{1 if listed else 0} decision(s) relied on a blanket grant." in out
    login(client, legal)
    page = client.get("/requests/blanket-consents").get_data(as_text=True)
    assert "Edda Lund" in page and world.production.code in page and "2026.11-1" in page
    assert "'in perpetuity'" in page
