"""The audit page filters the trail by action, actor, subject and date, and shows actors by
name; only auditors and admins open it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.audit.trail import record
from registry.extensions import db
from tests.factories import csrf_token, fresh_client, login, make_user

SEQ = re.compile(r"<tr><td>(\d+)</td>")


def _event(action: str, kind: str, sid: str, actor: User | None, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        record(action, kind, sid, {"x": sid}, actor_id=actor.id if actor else None)
    db.session.commit()


def _shown(client: FlaskClient, **query: str) -> set[str]:
    """The subject ids of the events listed on the page with these filters."""
    page = client.get("/audit/", query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    return set(re.findall(r"<code>(thing-[a-z0-9-]+)</code>", text))


@pytest.fixture
def world(ctx: Flask) -> tuple[FlaskClient, User, User]:
    auditor, _ = make_user("auditor")
    rep, _ = make_user("talent_rep")
    rep.name = "Rosa Imani"
    db.session.commit()
    _event("consent.recorded", "consent", "thing-a", rep, datetime(2026, 1, 10, 9, tzinfo=UTC))
    _event("consent.revoked", "consent", "thing-b", rep, datetime(2026, 1, 12, 9, tzinfo=UTC))
    _event("user.created", "user", "thing-c", None, datetime(2026, 1, 12, 23, tzinfo=UTC))
    _event("user.revoked", "user", "thing-d", auditor, datetime(2026, 1, 14, 9, tzinfo=UTC))
    client = fresh_client(ctx)
    login(client, auditor)
    return client, auditor, rep


def test_filters_by_action_actor_subject_and_dates(world: tuple[FlaskClient, User, User]) -> None:
    client, _auditor, rep = world
    everything = {"thing-a", "thing-b", "thing-c", "thing-d"}
    assert _shown(client) >= everything
    assert _shown(client, action="consent.revoked") == {"thing-b"}
    assert _shown(client, action="user.") & everything == {"thing-c", "thing-d"}
    assert _shown(client, action="consent.*") == {"thing-a", "thing-b"}
    assert _shown(client, actor=rep.id) == {"thing-a", "thing-b"}
    assert _shown(client, actor="system") & everything == {"thing-c"}
    assert _shown(client, subject="thing-d") == {"thing-d"}
    assert _shown(client, subject="consent") == {"thing-a", "thing-b"}
    assert _shown(client, since="2026-01-11", until="2026-01-12") == {"thing-b", "thing-c"}
    assert _shown(client, since="2026-01-13", until="2026-01-31") == {"thing-d"}
    both = _shown(client, action="consent.", since="2026-01-11", until="2026-01-13")
    assert both == {"thing-b"}


def test_dates_are_read_in_the_persons_time_zone(world: tuple[FlaskClient, User, User]) -> None:
    client, auditor, _rep = world
    if not hasattr(auditor, "time_zone"):
        pytest.skip("the profile's time zone is not there yet")
    auditor.time_zone = "Asia/Tokyo"  # 2026-01-12 23:00 UTC is 2026-01-13 08:00 in Tokyo
    db.session.commit()
    assert _shown(client, since="2026-01-13", until="2026-01-13") == {"thing-c"}


def test_actors_are_shown_by_name(world: tuple[FlaskClient, User, User]) -> None:
    client, _auditor, rep = world
    text = client.get("/audit/", query_string={"actor": rep.id}).get_data(as_text=True)
    assert "Rosa Imani" in text and rep.email in text
    assert f">{rep.id}<" not in text, "the id is no longer what a person reads"
    assert f'<option selected value="{rep.id}">Rosa Imani ({rep.email})</option>' in text


def test_a_range_that_ends_before_it_starts_is_refused_in_plain_words(
    world: tuple[FlaskClient, User, User],
) -> None:
    client, _auditor, _rep = world
    page = client.get("/audit/", query_string={"since": "2026-02-01", "until": "2026-01-01"})
    assert page.status_code == 422
    assert "The end date must not be before the start date." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("auditor", True),
        ("admin", True),
        ("legal", False),
        ("vfx_lead", False),
        ("talent_rep", False),
    ],
)
def test_only_auditors_and_admins_see_and_export_the_trail(
    ctx: Flask, role: str, allowed: bool
) -> None:
    user, _ = make_user(role)
    client = fresh_client(ctx)
    login(client, user)
    assert client.get("/audit/", query_string={"action": "user."}).status_code == (
        200 if allowed else 403
    )
    response = client.post("/audit/export", data={"export-csrf_token": csrf_token(client)})
    assert response.status_code == (200 if allowed else 403)
