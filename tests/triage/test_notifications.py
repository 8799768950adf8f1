"""Telling people about declarations, for real: a new declaration reaches the production's
legal members in the app and by e-mail (a real SMTP server on loopback), naming the production
and the level with a link; clearing it tells the declarer the same ways."""

from __future__ import annotations

from flask import Flask

from registry.jobs.passes import run_once
from registry.transactions import unit_of_work
from tests.factories import bearer
from tests.servers import SmtpSink
from tests.triage.world import TriageWorld


def _subject(message: object) -> str:
    """The subject as a mail client shows it (a long header arrives folded)."""
    return " ".join(str(message["Subject"]).split())  # type: ignore[index]


def _inbox(app: Flask, token: str) -> list[dict[str, object]]:
    answer = app.test_client().get("/api/v1/notifications", headers=bearer(token))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return list(answer.get_json()["items"])


def test_declarations_reach_legal_and_clearances_reach_the_declarer(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    app = isolated_app
    app.config["SMTP_URL"] = smtp.url
    with app.app_context():
        with unit_of_work():
            world = TriageWorld(app.test_client())
        body = world.declared(title="Second killer doll", category="key_creative", output="final")
        code = world.production.code
        legal_email, vfx_email = world.legal.email, world.vfx.email
        legal_token, vfx_token = world.legal_token, world.vfx_token

    run_once(app)
    assert smtp.by_header("To") == [legal_email]
    message = smtp.messages[0]
    subject = f'New GenAI use declared in {code}: "Second killer doll" (triage: escalate)'
    assert _subject(message) == subject
    assert str(message["X-Registry-Event"]) == "declaration.declared"
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    assert f"/declarations/{body['id']}" in text
    inbox = _inbox(app, legal_token)
    assert [(i["event"], i["about"], i["link"]) for i in inbox] == [
        ("declaration.declared", f"declaration/{body['id']}", f"/declarations/{body['id']}")
    ]
    assert _inbox(app, vfx_token) == []

    with app.app_context():
        answer = world.approve(body["id"])
        assert answer.status_code == 201, answer.json
    run_once(app)
    assert smtp.by_header("To") == [legal_email, vfx_email]
    assert (
        str(smtp.messages[1]["Subject"]) == f'Cleared: "Second killer doll" in {code} may proceed'
    )
    assert [i["event"] for i in _inbox(app, vfx_token)] == ["declaration.cleared"]
