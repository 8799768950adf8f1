"""``/metrics``: not public (its own token), and it shows what happened: a decision made through
the API, its latency by route, failed sign-ins, reminder deliveries sent and failed, the audit
chain and its last checkpoint. Parsed with prometheus_client's own parser, as a scraper would."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from registry.appctx import signing_keys
from registry.audit.models import AuditEvent
from registry.audit.services import write_checkpoint
from registry.config import ConfigError
from registry.extensions import db
from registry.jobs.passes import run_once
from registry.transactions import unit_of_work
from tests.conftest import build_app
from tests.databases import temporary_database
from tests.factories import (
    World,
    api_user,
    bearer,
    csrf_token,
    make_user,
    one_consent,
    stored_performer,
)
from tests.servers import SmtpSink, free_port

TOKEN = secrets.token_urlsafe(32)
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def _metrics_app(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("metrics")
    with temporary_database(db_kind, folder) as url:
        application = build_app(url, folder, METRICS_TOKEN=TOKEN)
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def metrics_app(_metrics_app: Flask) -> Iterator[Flask]:
    """An app with metrics on, on a database of this module's own where commits are real (a
    scrape reads what is committed); the tests count what they add."""
    with _metrics_app.app_context():
        yield _metrics_app
        db.session.remove()


def scrape(client: FlaskClient) -> Samples:
    answer = client.get("/metrics", headers=bearer(TOKEN))
    assert answer.status_code == 200, answer.status_code
    assert answer.content_type.startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_without_a_token_configured_there_are_no_metrics(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=bearer(TOKEN)).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong-" + TOKEN),
        bearer(TOKEN[:-1]),
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
)
def test_metrics_are_refused_without_their_token(
    metrics_app: Flask, headers: dict[str, str]
) -> None:
    answer = metrics_app.test_client().get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "registry_" not in answer.get_data(as_text=True)


def test_an_api_token_is_not_a_metrics_token(metrics_app: Flask) -> None:
    _, admin_token = api_user("admin")
    client = metrics_app.test_client()
    assert client.get("/api/v1/me", headers=bearer(admin_token)).status_code == 200
    assert client.get("/metrics", headers=bearer(admin_token)).status_code == 401


def test_a_decision_made_through_the_api_is_counted_with_its_rule_and_latency(
    metrics_app: Flask,
) -> None:
    client = metrics_app.test_client()
    world = World(client)
    performer = stored_performer()
    before = scrape(client)
    assert value(before, "registry_decisions_total", outcome="deny") == 0
    asked = world.ask(kind="replica.create", performer_id=performer.id)
    assert asked.status_code == 201 and asked.json["decision"]["outcome"] == "deny"
    rule = asked.json["decision"]["rules"][0]["id"]
    after = scrape(client)
    assert value(after, "registry_decisions_total", outcome="deny") == 1
    assert value(after, "registry_decisions_total", outcome="allow") == 0
    assert value(after, "registry_decision_rules_total", outcome="deny", rule=rule) == 1
    route = {"route": "/api/v1/requests", "method": "POST", "status": "201"}
    count = "registry_http_request_duration_seconds_count"
    assert value(after, count, **route) == value(before, count, **route) + 1
    # By the URL rule, never the raw path: the decision's own URL is one route for every id.
    assert world.get(f"/api/v1/requests/{asked.json['id']}").status_code == 200
    read = {"route": "/api/v1/requests/<request_id>", "method": "GET", "status": "200"}
    assert value(scrape(client), count, **read) == value(after, count, **read) + 1
    # The audit chain's length is its head.
    head = db.session.scalar(select(func.max(AuditEvent.seq)))
    assert value(after, "registry_audit_events") == head
    assert value(after, "registry_database_up") == 1


def test_the_last_checkpoint_is_shown_with_its_age(metrics_app: Flask) -> None:
    client = metrics_app.test_client()
    World(client)  # a few events
    with unit_of_work() as session:
        write_checkpoint(session, signing=signing_keys())
    samples = scrape(client)
    assert 0 <= value(samples, "registry_audit_last_checkpoint_age_seconds") < 60
    assert value(samples, "registry_audit_events_since_checkpoint") == 0


def test_failed_sign_ins_are_counted(metrics_app: Flask) -> None:
    client = metrics_app.test_client()
    user, _ = make_user("vfx_lead")
    before = value(scrape(client), "registry_sign_in_failures_total", step="password")
    refused = client.post(
        "/login",
        data={
            "email": user.email,
            "password": "not the password",
            "csrf_token": csrf_token(client),
        },
    )
    assert refused.status_code == 401
    after = value(scrape(client), "registry_sign_in_failures_total", step="password")
    assert after == before + 1


def test_reminder_deliveries_sent_and_failed_are_shown(metrics_app: Flask, smtp: SmtpSink) -> None:
    client = metrics_app.test_client()
    before = scrape(client)
    metrics_app.config["SMTP_URL"] = smtp.url
    one_consent(metrics_app)
    run_once(metrics_app)
    assert len(smtp.messages) == 1
    metrics_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}?timeout=2"  # nobody there
    metrics_app.config["REMINDER_MAX_ATTEMPTS"] = 1
    one_consent(metrics_app)
    run_once(metrics_app)
    metrics_app.config.update(SMTP_URL=None, REMINDER_MAX_ATTEMPTS=5)
    after = scrape(client)
    for status in ("sent", "failed"):
        labels = {"channel": "email", "status": status}
        assert value(after, "registry_reminder_deliveries", **labels) == (
            value(before, "registry_reminder_deliveries", **labels) + 1
        )


def test_a_short_metrics_token_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REGISTRY_METRICS_TOKEN"):
        build_app("sqlite:///" + str(tmp_path / "x.db"), tmp_path, METRICS_TOKEN="short")
