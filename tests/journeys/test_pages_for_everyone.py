"""The pages everyone has, through the test client: the home page's counts and where they lead,
the unread badge and marking one notification read, the time zone setting and dates shown and
typed in it, plain-words form errors tied to their fields, and who may do what (a table)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.audit.models import AuditEvent
from registry.core.clock import utcnow
from registry.core.zones import days_left, from_local, to_local
from registry.extensions import db
from registry.jobs.passes import run_scan
from registry.reminders import delivery
from registry.reminders.models import ReminderDelivery
from tests.factories import (
    csrf_token,
    days,
    expiring_consent,
    fresh_client,
    login,
    make_production,
    make_user,
    post_form,
    stored_performer,
)


def _rep_with_a_reminder(app: Flask) -> tuple[User, str]:
    """A rep whose performer's consent expires in 12 days, reminded in the app (one unread)."""
    rep, _ = make_user("talent_rep")
    production = make_production()
    performer = stored_performer("Mara Quill", reps=(rep,))
    version = expiring_consent(performer, production, utcnow() + days(12))
    assert run_scan("test")[0]
    delivery.deliver_due()
    return rep, version.consent_id


def _unread(user: User) -> list[ReminderDelivery]:
    return list(
        db.session.query(ReminderDelivery).filter_by(
            recipient=user.id, channel="inapp", read_at=None
        )
    )


# -- time zones, one way everywhere ---------------------------------------------------------


def test_a_date_alone_means_the_end_of_that_local_day_and_days_left_count_in_utc() -> None:
    assert from_local(date(2027, 1, 31), "Europe/Paris") == datetime(
        2027, 1, 31, 22, 59, 59, tzinfo=UTC
    )
    assert from_local(datetime(2027, 7, 1, 9, 30), "America/New_York") == datetime(
        2027, 7, 1, 13, 30, tzinfo=UTC
    )
    assert from_local(date(2027, 1, 31), None) == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
    assert to_local(datetime(2027, 1, 1, 23, 30, tzinfo=UTC), "Asia/Tokyo").day == 2
    now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    assert days_left(now + timedelta(hours=30), now) == 2  # rounded up
    assert days_left(now + timedelta(days=5), now) == 5
    assert days_left(now - timedelta(days=1), now) == 0


def test_the_time_zone_is_saved_and_every_date_shows_in_it_with_utc_on_hover(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, consent_id = _rep_with_a_reminder(ctx)
    login(client, rep)
    page = client.get("/account").get_data(as_text=True)
    assert 'data-detect="browser"' in page  # the browser's zone is offered (static/timezone.js)
    assert "/static/timezone.js" in page and "<script>" not in page
    response = post_form(client, "/account/time-zone", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, rep.id).time_zone == "Asia/Tokyo"  # type: ignore[union-attr]
    events = db.session.query(AuditEvent).filter_by(action="user.time_zone_set").all()
    assert [e.subject_id for e in events] == [rep.id]

    detail = client.get(f"/consents/{consent_id}").get_data(as_text=True)
    times = re.findall(r'<time datetime="([^"]+)" title="([^"]+) UTC">([^<]+)</time>', detail)
    assert times
    for iso_value, utc_text, shown in times:
        moment = datetime.fromisoformat(iso_value.replace("Z", "+00:00"))
        assert utc_text == moment.strftime("%Y-%m-%d %H:%M")
        assert shown == to_local(moment, "Asia/Tokyo").strftime("%Y-%m-%d %H:%M JST")
    assert 'data-detect=""' in client.get("/account").get_data(as_text=True)


def test_an_unknown_zone_is_refused_in_plain_words_and_nothing_is_written(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = make_user("talent_rep")
    login(client, rep)
    response = post_form(client, "/account/time-zone", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<div class="error-summary" role="alert"' in page
    assert '<a href="#time_zone">Choose a time zone from the list</a>' in page
    assert 'aria-describedby="time_zone-hint time_zone-error"' in page
    assert 'aria-invalid="true"' in page
    assert (
        '<p class="field-error" id="time_zone-error">Choose a time zone from the list</p>' in page
    )
    db.session.expire_all()
    assert db.session.get(User, rep.id).time_zone is None  # type: ignore[union-attr]
    assert not db.session.query(AuditEvent).filter_by(action="user.time_zone_set").count()


def test_a_consent_date_typed_without_a_time_means_the_end_of_that_local_day(
    ctx: Flask, client: FlaskClient
) -> None:
    from registry.consents.forms import ConsentForm
    from registry.web.dates import typed_iso

    rep, _ = make_user("talent_rep")
    rep.time_zone = "Europe/Paris"
    db.session.commit()
    login(client, rep)
    with ctx.test_request_context(
        "/", method="POST", data={"expires_at": "2027-01-31", "signed_at": "2026-12-01T10:00"}
    ):
        from flask_login import login_user

        login_user(rep)
        form = ConsentForm(meta={"csrf": False})
        form.validate()
        assert typed_iso(form.expires_at) == "2027-01-31T22:59:59+00:00"
        assert typed_iso(form.signed_at) == "2026-12-01T09:00:00+00:00"


# -- home page counts and notifications -----------------------------------------------------


def test_the_reps_home_counts_lead_to_the_expiring_consents_and_the_notifications(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = _rep_with_a_reminder(ctx)
    login(client, rep)
    home = client.get("/").get_data(as_text=True)
    expiring = re.search(
        r'<a href="(/consents/expiring\?days=30)"[^>]*><strong>(\d+)</strong> consents expiring',
        home,
    )
    assert expiring and expiring.group(2) == "1"
    assert "Mara Quill" in client.get(expiring.group(1)).get_data(as_text=True)
    unread = re.search(
        r'<a href="(/reminders/notifications)"[^>]*><strong>(\d+)</strong> unread', home
    )
    assert unread and unread.group(2) == "1"
    assert '<span class="count" aria-label="1 unread">1</span>' in home  # the nav badge


def test_legal_and_the_lead_see_their_own_counts(ctx: Flask) -> None:
    legal, _ = make_user("legal")
    lead, _ = make_user("vfx_lead")
    legal_client = fresh_client(ctx)
    login(legal_client, legal)
    legal_home = legal_client.get("/").get_data(as_text=True)
    assert re.search(r'href="/approvals/"[^>]*><strong>0</strong> waiting for legal', legal_home)
    assert "consents expiring" not in legal_home
    lead_client = fresh_client(ctx)
    login(lead_client, lead)
    lead_home = lead_client.get("/").get_data(as_text=True)
    assert re.search(r"<strong>0</strong> decisions no longer valid", lead_home)
    assert "waiting for legal" not in lead_home


def test_one_notification_links_to_its_subject_and_is_marked_read_alone(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, consent_id = _rep_with_a_reminder(ctx)
    login(client, rep)
    page = client.get("/reminders/notifications").get_data(as_text=True)
    assert f'<a href="/consents/{consent_id}">Consent for Mara Quill' in page
    [notice] = _unread(rep)
    other, _ = make_user("talent_rep")
    other_client = fresh_client(ctx)
    login(other_client, other)
    refused = other_client.post(
        f"/reminders/notifications/{notice.id}/read",
        data={"csrf_token": csrf_token(other_client)},
    )
    assert refused.status_code == 404  # not theirs: as if it did not exist
    assert len(_unread(rep)) == 1

    client = fresh_client(ctx)
    login(client, rep)
    response = post_form(client, f"/reminders/notifications/{notice.id}/read", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert _unread(rep) == []
    after = client.get("/").get_data(as_text=True)
    assert 'class="count"' not in after


# -- who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ("admin", "talent_rep", "vfx_lead", "legal", "auditor"))
def test_access_table_for_everyones_pages(ctx: Flask, role: str) -> None:
    user, _ = make_user(role)
    expected = {"GET /": 200, "GET /account": 200, "POST /account/time-zone": 302}
    client = fresh_client(ctx)
    login(client, user)
    for route, status in expected.items():
        method, path = route.split(" ", 1)
        data = {"csrf_token": csrf_token(client), "time_zone": "UTC"} if method == "POST" else None
        assert client.open(path, method=method, data=data).status_code == status, route
    missing = client.post(
        "/reminders/notifications/rdl_missing/read", data={"csrf_token": csrf_token(client)}
    )
    assert missing.status_code == 404  # another's or an unknown notification: not found
    anonymous = fresh_client(ctx)
    for route in (*expected, "POST /reminders/notifications/rdl_missing/read"):
        method, path = route.split(" ", 1)
        data = {"csrf_token": csrf_token(anonymous)} if method == "POST" else None
        refused = anonymous.open(path, method=method, data=data)
        assert refused.status_code == 302 and "/login" in refused.headers["Location"], route


# -- the one confirmation pattern -----------------------------------------------------------


def test_the_confirmation_page_shows_what_will_happen_and_carries_the_form(ctx: Flask) -> None:
    from flask import render_template_string
    from flask_wtf import FlaskForm
    from wtforms import HiddenField, TextAreaField

    class Refusal(FlaskForm):  # type: ignore[misc]
        reason = TextAreaField("Reason")
        decision_id = HiddenField()

    with ctx.test_request_context("/", method="POST", data={"reason": 'Not "this" one'}):
        form = Refusal(meta={"csrf": False}, decision_id="dec_1")
        html = render_template_string(
            '{% from "_macros/confirm.html" import confirm_page %}'
            "{{ confirm_page(title, facts, warning, form, button, cancel) }}",
            title="Decline this request?",
            facts=[("Request", "req_1"), ("Performer", "<Mara>")],
            warning="The requester is told, and legal's refusal is recorded.",
            form=form,
            button="Yes, decline",
            cancel="/approvals/",
        )
    assert '<h1 id="confirm-title">Decline this request?</h1>' in html
    assert "<dt>Performer</dt><dd>&lt;Mara&gt;</dd>" in html  # escaped
    assert "The requester is told" in html
    assert '<input id="decision_id" name="decision_id" type="hidden" value="dec_1">' in html
    assert '<input type="hidden" name="reason" value="Not &#34;this&#34; one">' in html
    assert '<button type="submit" class="danger">Yes, decline</button>' in html
    assert '<a class="button secondary" href="/approvals/">Cancel</a>' in html
