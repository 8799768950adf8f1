"""An admin exports consents from the pages with the CLI's filters: the same rows and format
as ``flask consents export``, downloaded as a file, audited; only admins may."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.consents import bulk
from registry.extensions import db
from tests.factories import (
    csrf_token,
    fresh_client,
    login,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
)


@pytest.fixture
def admin(ctx: Flask) -> FlaskClient:
    user, _ = make_user("admin")
    client = fresh_client(ctx)
    login(client, user)
    return client


def test_the_page_exports_what_the_cli_exports_with_its_filters(admin: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    one, two = make_production(), make_production()
    performer = performer_with_personal_data(rep)
    first = recorded_consent(rep, performer.id, one.id)
    recorded_consent(rep, performer.id, two.id)
    page = admin.get("/consents-export")
    assert page.status_code == 200 and "<h1>Export consents</h1>" in page.get_data(as_text=True)
    assert one.code in page.get_data(as_text=True)

    response = admin.post(
        "/consents-export",
        data={
            "fmt": "csv",
            "production_id": one.id,
            "csrf_token": csrf_token(admin, "/consents-export"),
        },
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'attachment; filename="consents-' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["version_id"] for r in rows] == [first.id]
    assert "legal_name" not in rows[0], "personal fields only when asked for"

    expected = io.StringIO()
    bulk.write_export(
        bulk.export_rows(None, {"production_id": one.id}, with_personal=False),
        expected,
        "csv",
        with_personal=False,
    )
    assert response.get_data(as_text=True) == expected.getvalue()

    personal = admin.post(
        "/consents-export",
        data={
            "fmt": "jsonl",
            "performer_id": performer.id,
            "with_personal": "y",
            "csrf_token": csrf_token(admin, "/consents-export"),
        },
    )
    lines = [json.loads(line) for line in personal.get_data(as_text=True).splitlines()]
    assert len(lines) == 2 and all(line["legal_name"].startswith("Legal Person") for line in lines)
    events = list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "consents.exported")
        ).scalars()
    )
    assert len(events) == 2


def test_a_bad_filter_is_refused_in_plain_words_and_keeps_the_form(admin: FlaskClient) -> None:
    response = admin.post(
        "/consents-export",
        data={
            "fmt": "csv",
            "expiring_within_days": "-4",
            "performer_id": "prf_kept",
            "csrf_token": csrf_token(admin, "/consents-export"),
        },
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter a number of days from 0 to 3650" in text and 'value="prf_kept"' in text


@pytest.mark.parametrize("role", ["talent_rep", "vfx_lead", "legal", "auditor"])
def test_only_admins_export_from_the_pages(ctx: Flask, role: str) -> None:
    user, _ = make_user(role)
    client = fresh_client(ctx)
    login(client, user)
    assert client.get("/consents-export").status_code == 403
    token = csrf_token(client)
    assert (
        client.post("/consents-export", data={"fmt": "csv", "csrf_token": token}).status_code == 403
    )
