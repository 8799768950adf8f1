"""The private calendar feed: a revocable token in the URL, only consents the owner may see."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from registry.accounts.models import User
from registry.core.clock import utcnow
from registry.extensions import db
from registry.reminders.models import CalendarToken
from tests.factories import (
    amend_consent,
    bearer,
    days,
    expiring_consent,
    fresh_client,
    login,
    make_production,
    make_user,
    post_form,
    revoke_consent,
    stored_performer,
)

LINK = re.compile(r'value="(http://[^"]+/calendar/([^"]+)\.ics)"')


def new_link(client: FlaskClient, user: User) -> str:
    login(client, user)
    response = post_form(client, "/reminders/calendar", {})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = LINK.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1).split("127.0.0.1:5000", 1)[-1]


def events(client: FlaskClient, path: str) -> list[dict[str, str]]:
    anonymous = fresh_client(client.application)
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # The feed's URL is its secret: no referrer at all (the policy's same-origin is not kept
    # over the feed's own), and it is not cached, like every answer with personal data.
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    calendar = Calendar.from_ical(response.data)
    return [
        {
            "uid": str(e["UID"]),
            "summary": str(e["SUMMARY"]),
            "start": e.decoded("DTSTART").isoformat(),
            "sequence": str(e["SEQUENCE"]),
        }
        for e in calendar.walk("VEVENT")
    ]


def test_each_role_sees_only_its_consents(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    vfx, _ = make_user("vfx_lead")
    admin, _ = make_user("admin")
    mine = make_production(members=(vfx,))
    other = make_production()
    represented = stored_performer("Mara Quill", reps=(rep,))
    stranger = stored_performer("Jon Vale")
    a = expiring_consent(represented, other, utcnow() + days(40))
    b = expiring_consent(stranger, mine, utcnow() + days(90))
    revoked = expiring_consent(represented, mine, utcnow() + days(10))
    revoke_consent(revoked.consent_id)

    rep_events = events(client, new_link(client, rep))
    assert [e["uid"] for e in rep_events] == [f"consent-{a.consent_id}@talent-consent-registry"]
    assert rep_events[0]["summary"].startswith("Consent expires: Mara Quill")
    assert rep_events[0]["start"] == a.expires_at.replace(microsecond=0).isoformat()

    vfx_events = events(client, new_link(fresh_client(ctx), vfx))
    assert [e["uid"] for e in vfx_events] == [f"consent-{b.consent_id}@talent-consent-registry"]

    admin_events = events(client, new_link(fresh_client(ctx), admin))
    assert len(admin_events) == 2

    # an amendment moves the event (same UID, next SEQUENCE) instead of adding one
    amend_consent(a.consent_id, expires_at=utcnow() + days(60))
    [moved] = events(client, new_link(fresh_client(ctx), rep))
    assert moved["uid"] == rep_events[0]["uid"] and moved["sequence"] == "2"


def test_regenerate_and_revoke_kill_the_old_link(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    first = new_link(client, rep)
    assert client.get(first).status_code == 200
    second = new_link(client, rep)
    old = client.get(first)
    assert old.status_code == 404
    assert old.json is not None and old.json["code"] == 404
    assert client.get(second).status_code == 200
    assert post_form(client, "/reminders/calendar/revoke", {}).status_code == 302
    assert client.get(second).status_code == 404
    assert client.get("/calendar/cal_not-a-token.ics").status_code == 404
    assert client.get("/calendar/anything.ics").status_code == 404


def test_only_the_hash_is_stored(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    path = new_link(client, rep)
    token = path.rsplit("/", 1)[-1].removesuffix(".ics")
    stored = db.session.query(CalendarToken).filter_by(user_id=rep.id).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_an_inactive_user_feed_stops(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    path = new_link(client, rep)
    rep.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_auditors_get_no_calendar(ctx: Flask, client: FlaskClient) -> None:
    auditor, token = make_user("auditor")
    login(client, auditor)
    assert post_form(client, "/reminders/calendar", {}).status_code == 403
    assert client.post("/api/v1/calendar/link", headers=bearer(token)).status_code == 403


def test_calendar_link_through_the_api(ctx: Flask, client: FlaskClient) -> None:
    _, token = make_user("vfx_lead")
    created = client.post("/api/v1/calendar/link", headers=bearer(token))
    assert created.status_code == 201
    assert created.json is not None
    path = created.json["url"].split("127.0.0.1:5000", 1)[-1]
    assert client.get(path).status_code == 200
    revoked = client.delete("/api/v1/calendar/link", headers=bearer(token))
    assert revoked.json == {"revoked": 1}
    assert client.get(path).status_code == 404
