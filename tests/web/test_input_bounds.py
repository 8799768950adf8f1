"""Bounded input: dates within 1900-2200, JSON neither too deep nor too large, no control
characters in single-line fields, no NUL anywhere (the CSV import names the line and the
field), and pages that stay up whatever dates a row recorded earlier holds."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.consents.models import ConsentVersion
from registry.extensions import db
from registry.productions.models import Production
from registry.reminders import services as reminders
from tests.factories import (
    bearer,
    consent_body,
    login,
    make_production,
    make_user,
    performer_with_personal_data,
    stored_consent,
    stored_performer,
)
from tests.web.test_headers import _check  # every refusal keeps the security headers too


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsentVersion)) or 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expires_at", "9999-12-31T00:00:00+00:00"),
        ("signed_at", "0001-01-02T00:00:00+00:00"),
        ("effective_from", "1899-12-31T23:59:59+00:00"),
        ("expires_at", "2200-01-01T00:00:00+00:00"),
    ],
)
def test_dates_outside_1900_to_2200_are_refused(
    ctx: Flask, client: FlaskClient, field: str, value: str
) -> None:
    rep, token = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    production = make_production()
    before = _versions()
    answer = client.post(
        "/api/v1/consents",
        json=consent_body(performer.id, production.id, **{field: value}),
        headers=bearer(token),
    )
    assert answer.status_code == 422, answer.json
    assert (answer.json or {})["errors"][field] == [
        "Must be between 1900-01-01 and 2200-01-01 (UTC)."
    ]
    assert _versions() == before


def test_pages_and_feeds_stay_up_whatever_dates_older_rows_hold(ctx: Flask, app: Flask) -> None:
    """Rows recorded before dates were bounded may hold year 1 or 9999: the performer's page,
    its consent and everyone's calendar feed still answer."""
    rep, _ = make_user("talent_rep")
    lead, _ = make_user("vfx_lead")
    production = make_production(members=(lead,))
    performer = stored_performer(reps=(rep,))
    far = stored_consent(
        performer, production, ["digital_replica"],
        expires_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    )  # fmt: skip
    stored_consent(
        performer, production, ["digital_alteration"],
        effective_from=datetime(1, 1, 2, tzinfo=UTC),
        expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    feeds = {user.id: reminders.new_calendar_token(user) for user in (rep, lead)}
    db.session.commit()
    client = app.test_client()
    login(client, rep)
    for path in (f"/performers/{performer.id}", f"/consents/{far.consent_id}", "/reminders"):
        assert client.get(path).status_code == 200, path
    for token in feeds.values():
        feed = app.test_client().get(f"/calendar/{token}.ics")
        assert feed.status_code == 200
        assert b"BEGIN:VEVENT" in feed.data


def test_json_too_deep_or_too_large_is_refused_before_it_is_parsed(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = make_user("admin")
    deep = "[" * 1000 + "]" * 1000
    answer = client.post(
        "/api/v1/productions",
        data=deep,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert (answer.json or {})["message"] == "JSON may nest at most 32 levels deep."
    assert _check("POST", "/api/v1/productions", answer) == []
    shallow = '{"title": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "code": "X"}'
    fine = client.post(
        "/api/v1/productions",
        data=shallow,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert fine.status_code != 400  # brackets inside strings do not count
    huge = '{"title": "' + "x" * (5 * 1024 * 1024) + '"}'
    too_large = client.post(
        "/api/v1/productions",
        data=huge,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert too_large.status_code == 413


@pytest.mark.parametrize(("levels", "refused"), [(32, False), (33, True)])
def test_json_nesting_is_refused_from_the_33rd_level_on(
    ctx: Flask, client: FlaskClient, levels: int, refused: bool
) -> None:
    _, token = make_user("admin")
    nested = "[" * (levels - 1) + '{"a": 1}' + "]" * (levels - 1)
    answer = client.post(
        "/api/v1/productions",
        data=nested,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    message = (answer.json or {}).get("message")
    assert (message == "JSON may nest at most 32 levels deep.") is refused


@pytest.mark.parametrize(
    "title", ["Harbour\r\nBcc: everyone@example.test", "Tab\there", "Bell\x07"]
)
def test_control_characters_in_a_single_line_field_are_refused(
    ctx: Flask, client: FlaskClient, title: str
) -> None:
    _, token = make_user("admin")
    before = db.session.scalar(select(func.count()).select_from(Production))
    answer = client.post(
        "/api/v1/productions",
        json={"title": title, "code": "CTRL-1", "kind": "production", "phase": "development"},
        headers=bearer(token),
    )
    assert answer.status_code == 422
    assert (answer.json or {})["errors"]["title"] == [
        "Must be one line, without control characters."
    ]
    assert db.session.scalar(select(func.count()).select_from(Production)) == before


def test_a_nul_in_a_csv_cell_is_named_by_line_and_field(
    ctx: Flask, app: Flask, tmp_path: Path
) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    production = make_production()
    good = consent_body(performer.id, production.id)
    bad = consent_body(performer.id, production.id, description="Replica for the finale\x00 oops")
    columns = list(good)
    file = tmp_path / "in.csv"
    with file.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in (good, bad):
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    before = _versions()
    result = app.test_cli_runner().invoke(args=["consents", "import", str(file), "--as", rep.email])
    assert result.exit_code != 0
    assert "line 3" in result.output and "description" in result.output
    assert "control characters" in result.output
    assert _versions() == before
