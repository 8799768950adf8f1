"""Every write path leaves each record it changed matching its latest state event.

One walk through the registry as people use it (the API, the pages, the CLI, the scheduler's
jobs, the bulk import, the demo seeder): after each step, every audited record whose stored
state changed has a latest state event with exactly that state (a deleted one: ``deleted``),
and the whole records check is intact. A write that slipped past the audit would leave a record
changed without its state event, and its step is named.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from registry.audit.records import verify_records
from registry.core.clock import utcnow
from registry.extensions import db
from registry.productions import services as production_services
from tests.audit.records_world import RecordsWorld, states_now, unmatched
from tests.factories import (
    PASSWORD,
    consent_body,
    fresh_client,
    login,
    make_user,
    post_form,
    sha,
    stored_consent,
    stored_performer,
)

Step = Callable[[], Any]


def test_every_write_path_appends_the_state_of_what_it_changed(
    ctx: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    w = RecordsWorld(client)
    runner = ctx.test_cli_runner()
    found: dict[str, Any] = {}

    def cli(*args: str, input: str | None = None) -> str:
        result = runner.invoke(args=list(args), input=input)
        assert result.exit_code == 0, (args, result.output)
        return str(result.output)

    def post(path: str, body: dict[str, Any], token: str | None = None, status: int = 201) -> Any:
        return w.ok(w.post(path, body, token), status)

    # -- accounts -------------------------------------------------------------------------------
    def api_user() -> None:
        found["user"] = post(
            "/api/v1/users",
            {"email": "ops@example.test", "role": "vfx_lead", "name": "Ops"},
            w.admin_token,
        )

    def cli_users() -> None:
        cli("users", "create", "cli@example.test", "--role", "legal", "--name", "Cli")
        cli("users", "token", "cli@example.test")
        cli("users", "set-role", "cli@example.test", "talent_rep")
        cli("users", "set-password", "cli@example.test", input=f"{PASSWORD}\n{PASSWORD}\n")
        cli("users", "revoke-token", "cli@example.test")

    def sign_in_change_password_and_out() -> None:
        page = fresh_client(ctx)
        login(page, w.rep)
        new = "a quite different passphrase 42"
        changed = post_form(
            page,
            "/account/password",
            {"current_password": PASSWORD, "new_password": new, "confirm": new},
        )
        assert changed.status_code == 302, changed.get_data(as_text=True)
        assert post_form(page, "/logout", {}).status_code == 302

    def cli_revoke_user() -> None:
        cli("users", "revoke", "cli@example.test")
        cli("users", "reset-second-factor", "cli@example.test")

    # -- productions and performers ------------------------------------------------------------
    def productions() -> None:
        made = post(
            "/api/v1/productions",
            {"title": "Walk", "code": "WALK-1", "kind": "production", "phase": "production"},
            w.admin_token,
        )
        post(f"/api/v1/productions/{made['id']}/members", {"user_id": w.vfx.id}, w.admin_token)
        found["production"] = made["id"]

    def performers() -> None:
        made = w.performer()
        found["performer"] = made["id"]
        w.ok(
            w.client.patch(
                f"/api/v1/performers/{made['id']}",
                json={"guild": "SAG-AFTRA", "phone": "+44 20 7946 0001"},
                headers={"Authorization": f"Bearer {w.rep_token}"},
            ),
            200,
        )
        other, _token = _rep()
        post(
            f"/api/v1/performers/{made['id']}/representatives",
            {"user_id": other.id},
            w.admin_token,
        )

    # -- consents ------------------------------------------------------------------------------
    def consents() -> None:
        made = w.consent(
            found["performer"],
            ["digital_replica", "digital_alteration"],
            restrictions=None,
        )
        found["consent"] = made["id"]
        post(
            f"/api/v1/consents/{made['id']}/amend",
            {
                "evidence_sha256": sha("amendment"),
                "signed_at": (utcnow() - timedelta(hours=1)).isoformat(),
                "media": ["likeness", "voice", "performance"],
            },
            w.rep_token,
        )

    # -- the gate ------------------------------------------------------------------------------
    def requests() -> None:
        allowed = post(
            "/api/v1/requests",
            {
                "kind": "alteration",
                "performer_id": found["performer"],
                "production_id": w.production.id,
                "media": ["likeness"],
                "description": "Scene 4: remove a scar",
                "facts": {"changes": ["other"]},
            },
        )
        assert allowed["decision"]["outcome"] == "allow", allowed
        found["allowed"] = allowed["id"]
        post(f"/api/v1/requests/{allowed['id']}/reevaluate", {}, status=201)
        asked = post(
            "/api/v1/requests",
            {
                "kind": "replica.create",
                "performer_id": found["performer"],
                "production_id": w.production.id,
                "media": ["likeness"],
                "description": "Digital double for the rooftop",
            },
        )
        approved = post(
            f"/api/v1/requests/{asked['id']}/approvals",
            {"note": "Rider on file", "evidence_sha256": sha("rider")},
            w.legal_token,
        )
        assert approved["decision"]["outcome"] == "allow", approved
        post("/api/v1/replicas", {"request_id": asked["id"]})
        declined = post(
            "/api/v1/requests",
            {
                "kind": "replica.create",
                "performer_id": found["performer"],
                "production_id": w.production.id,
                "media": ["voice"],
                "description": "Voice double",
            },
        )
        post(f"/api/v1/requests/{declined['id']}/refusals", {"reason": "No"}, w.legal_token)

    def models() -> None:
        trained = stored_performer()
        first = stored_consent(trained, w.production, ["model_training"])
        model = post(
            "/api/v1/models",
            {
                "name": "Walk model",
                "production_id": w.production.id,
                "performer_ids": [trained.id],
                "training_sources": [{"description": "archive", "clearance": "uncleared"}],
                "scope": "Flashbacks",
                "fingerprint_sha256": sha("walk weights"),
                "vendor": "V",
            },
        )
        post(
            f"/api/v1/models/{model['id']}/clearances",
            {"source": 0, "evidence_sha256": sha("licence"), "note": "Signed"},
            w.legal_token,
        )
        found["trained"], found["model"], found["first"] = trained, model["id"], first

    def revocation_cascade() -> None:
        post(
            f"/api/v1/consents/{found['consent']}/revoke",
            {"reason": "The performer withdrew"},
            w.rep_token,
            status=200,
        )
        first = found["first"]
        post(
            f"/api/v1/consents/{first.consent_id}/revoke",
            {"reason": "withdrawn"},
            w.admin_token,
            200,
        )

    def cure_and_retire_model() -> None:
        trained = found["trained"]
        body = consent_body(trained.id, w.production.id, purposes=["model_training"])
        cure = w.ok(w.post("/api/v1/consents", body, w.admin_token))
        post(f"/api/v1/models/{found['model']}/training-consents", {"consent_id": cure["id"]})
        post(f"/api/v1/models/{found['model']}/retire", {"reason": "wrapped"}, status=200)

    def expiry_job() -> None:
        from registry.jobs.passes import run_cascade

        performer = stored_performer()
        expires = utcnow() + timedelta(days=2)
        stored_consent(performer, w.production, ["digital_alteration"], expires_at=expires)
        asked = w.ask(
            kind="alteration", performer_id=performer.id, facts={"changes": ["other"]}
        ).json
        assert asked["decision"]["outcome"] == "allow"
        with time_machine.travel(expires + timedelta(minutes=1), tick=False):
            assert run_cascade("walk") >= 1
        decision = w.get(f"/api/v1/requests/{asked['id']}").json["decision"]
        assert decision["invalidated_at"] is not None

    # -- the bulk import, erasure -----------------------------------------------------------------
    def bulk_import() -> None:
        file = tmp_path / "import.jsonl"
        rows = [
            consent_body(
                found["performer"],
                w.other.id,
                description=f"Replica for the finale, scene {i}, night exterior",
            )
            for i in range(3)
        ]
        file.write_text("".join(json.dumps(r) + "\n" for r in rows))
        admin_email = w.admin.email
        assert "Imported 3" in cli("consents", "import", str(file), "--as", admin_email)

    def erasure() -> None:
        cli("performers", "erase", found["performer"], "--yes", "--wait", "0")

    # -- triage --------------------------------------------------------------------------------
    def triage() -> None:
        tool = post(
            "/api/v1/tools",
            {"name": "Walk tool", "vendor": "V", "stores_inputs": "no",
             "trains_on_inputs": "no", "enterprise_agreement": "yes"},
            w.legal_token,
        )  # fmt: skip
        w.ok(w.patch(f"/api/v1/tools/{tool['id']}", {"terms_note": "reviewed again"}), 200)
        post(
            "/api/v1/pipelines",
            {"name": "P", "vendor": "V", "stages": [{"tool_id": tool["id"], "does": "x"}]},
            w.legal_token,
        )
        declared = w.declared(
            category="background_element",
            output="final",
            facts={"prominent": True},
            tool_ids=[tool["id"]],
        )
        post(f"/api/v1/declarations/{declared['id']}/amend", {"title": "Poster, v2"})
        w.ok(w.approve(declared["id"]))
        w.ok(w.asset(declared["id"], sha("walk poster")))
        refused = w.declared(
            category="background_element", output="final", facts={"prominent": True}
        )
        post(f"/api/v1/declarations/{refused['id']}/refusals", {"reason": "No"}, w.legal_token)

    def questions() -> None:
        lead, _ = make_user("vfx_lead")
        legal, _ = make_user("legal")
        production_services.add_member(w.production, lead.id, actor_id=None)
        lead_page, legal_page = fresh_client(ctx), fresh_client(ctx)
        login(lead_page, lead)
        login(legal_page, legal)
        body = {"production_id": w.production.id, "performer_id": found["performer"],
                "media": ["likeness"], "description": "Double for the pier"}  # fmt: skip
        asked = post_form(lead_page, "/requests/new/replica.create", body)
        assert asked.status_code == 302, asked.get_data(as_text=True)
        detail = asked.headers["Location"]
        for page, path, said in (
            (legal_page, f"{detail}/questions", "Which takes?"),
            (lead_page, f"{detail}/answers", "Takes 3 and 4."),
        ):
            assert post_form(page, path, {"body": said}).status_code == 302

    def demo_seed() -> None:
        cli("demo", "seed")

    steps: list[tuple[str, Step]] = [
        ("API: create a user", api_user),
        ("CLI: users create, token, set-role, set-password, revoke-token", cli_users),
        ("pages: sign in, change the password, sign out", sign_in_change_password_and_out),
        ("CLI: users revoke, reset-second-factor", cli_revoke_user),
        ("API: a production and a member", productions),
        ("API: a performer, updated, a representative", performers),
        ("API: a consent and its amendment", consents),
        ("API: requests decided, re-evaluated, approved, refused; a replica", requests),
        ("pages: a request sent back with a question, answered", questions),
        ("API: a model and a clearance", models),
        ("API: revocations and their cascade", revocation_cascade),
        ("API: a training consent linked, the model retired", cure_and_retire_model),
        ("job: the expiry cascade", expiry_job),
        ("CLI: consents import", bulk_import),
        ("CLI: performers erase", erasure),
        ("API: tools, pipelines, declarations, approvals, refusals, assets", triage),
        ("CLI: demo seed", demo_seed),
    ]
    walked = []
    for name, step in steps:
        before = states_now()
        step()
        db.session.expire_all()
        changed, wrong = unmatched(before)
        assert changed, f"{name}: changed no audited record"
        assert wrong == [], f"{name}: {wrong}"
        walked.append((name, len(changed)))
    result = verify_records(db.session)
    assert result.ok, result.mismatches
    kinds = {kind for kind, _ in states_now()}
    assert kinds >= {
        "user", "api_token", "login_session", "performer", "production", "consent",
        "use_request", "decision", "approval", "refusal", "model", "replica", "declaration",
        "triage", "tool", "pipeline", "asset", "question",
    }  # fmt: skip


def _rep() -> tuple[Any, str]:
    from tests.factories import api_user

    return api_user("talent_rep")


def test_a_record_changed_behind_the_session_is_named_by_its_step(ctx: Flask) -> None:
    """The walk's check itself: a change written straight to the database (no state event)
    is what it reports."""
    performer = stored_performer()
    before = states_now()
    db.session.execute(
        text("UPDATE performers SET deceased = :d WHERE id = :id"), {"d": True, "id": performer.id}
    )
    changed, wrong = unmatched(before)
    assert changed == {("performer", performer.id)}
    assert len(wrong) == 1 and wrong[0].startswith(f"performer {performer.id}")
