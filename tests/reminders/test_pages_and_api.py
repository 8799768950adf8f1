"""The dashboard, the notifications page, retry for admins, and the JSON endpoints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.core.clock import utcnow
from registry.extensions import db
from registry.jobs.passes import run_scan
from registry.productions.models import Production
from registry.reminders import delivery, webhook_secrets
from registry.reminders.models import ReminderDelivery, WebhookSecret
from tests.factories import (
    bearer,
    days,
    expiring_consent,
    fresh_client,
    login,
    make_production,
    make_user,
    post_form,
    stored_performer,
)
from tests.servers import free_port


@dataclass
class World:
    admin: User
    admin_token: str
    rep: User
    rep_token: str
    vfx: User
    vfx_token: str
    production_id: str


def world(app: Flask, monkeypatch: pytest.MonkeyPatch, *, failing_mail: bool = False) -> World:
    admin, admin_token = make_user("admin")
    rep, rep_token = make_user("talent_rep")
    vfx, vfx_token = make_user("vfx_lead")
    production = make_production(members=(vfx,))
    row = db.session.get(Production, production.id)
    assert row is not None
    row.webhook_url = f"http://127.0.0.1:{free_port()}/hook"  # nobody listens: fails
    db.session.commit()
    performer = stored_performer("Mara Quill", reps=(rep,))
    other = stored_performer("Somebody Else")
    expiring_consent(performer, production, utcnow() + days(12))
    expiring_consent(other, production, utcnow() + days(200))
    if failing_mail:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}?timeout=2")
    monkeypatch.setitem(app.config, "REMINDER_MAX_ATTEMPTS", 1)
    assert run_scan("test")[0]
    delivery.deliver_due()
    return World(admin, admin_token, rep, rep_token, vfx, vfx_token, production.id)


def test_dashboard_shows_upcoming_sent_and_failed(
    ctx: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(ctx, monkeypatch, failing_mail=True)
    login(client, w.rep)
    html = client.get("/reminders").get_data(as_text=True)
    assert "Upcoming expiries" in html
    assert "Mara Quill" in html
    assert "Somebody Else" not in html  # not the rep's performer, and not within 30 days
    assert "30 days" in html  # the reminder sent for it
    assert "Failed deliveries" in html
    assert "Retry" not in html  # only admins retry
    assert "Webhooks" not in html

    admin_client = fresh_client(ctx)
    login(admin_client, w.admin)
    html = admin_client.get("/reminders").get_data(as_text=True)
    assert html.count(">Retry</button>") == 2  # the e-mail and the webhook
    assert "ConnectionRefusedError" in html
    assert "Webhooks" in html
    secret = db.session.get(WebhookSecret, w.production_id)
    assert secret is not None and _clear(secret) in html
    assert _clear(secret).encode() not in bytes(secret.secret_ct)  # encrypted at rest


def test_admin_retry_requeues_a_failed_delivery_and_others_may_not(
    ctx: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(ctx, monkeypatch, failing_mail=True)
    failed = db.session.query(ReminderDelivery).filter_by(channel="email").one()
    assert failed.status == "failed"
    login(client, w.rep)
    assert post_form(client, f"/reminders/deliveries/{failed.id}/retry", {}).status_code == 403
    admin_client = fresh_client(ctx)
    login(admin_client, w.admin)
    no_csrf = admin_client.post(f"/reminders/deliveries/{failed.id}/retry")
    assert no_csrf.status_code == 400
    db.session.refresh(failed)
    assert failed.status == "failed"
    response = post_form(
        admin_client, f"/reminders/deliveries/{failed.id}/retry", {}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "queued again" in response.get_data(as_text=True)
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == ("pending", 0)
    again = post_form(admin_client, f"/reminders/deliveries/{failed.id}/retry", {})
    assert again.status_code == 409


def test_auditors_and_strangers_do_not_get_the_dashboard(ctx: Flask, client: FlaskClient) -> None:
    assert client.get("/reminders").status_code == 302  # to the login page
    auditor, _ = make_user("auditor")
    login(client, auditor)
    assert client.get("/reminders").status_code == 403


def test_notifications_page_and_mark_read(
    ctx: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(ctx, monkeypatch)
    login(client, w.rep)
    html = client.get("/reminders/notifications").get_data(as_text=True)
    assert "Consent for Mara Quill" in html
    assert "expires in 12 days" in html
    assert "1 unread" in html
    response = post_form(client, "/reminders/notifications/read", {}, follow_redirects=True)
    assert "1 notification marked read." in response.get_data(as_text=True)
    assert "unread" not in client.get("/reminders/notifications").get_data(as_text=True)

    vfx_client = fresh_client(ctx)
    login(vfx_client, w.vfx)
    assert "Mara Quill" not in vfx_client.get("/reminders/notifications").get_data(as_text=True)


def test_admin_rotates_a_webhook_secret(
    ctx: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(ctx, monkeypatch)
    secret = db.session.get(WebhookSecret, w.production_id)
    assert secret is not None
    before = _clear(secret)
    login(client, w.admin)
    assert post_form(client, f"/reminders/webhooks/{w.production_id}/rotate", {}).status_code == 302
    db.session.refresh(secret)
    assert _clear(secret) != before and _clear(secret).startswith("whsec_")
    assert post_form(client, "/reminders/webhooks/prd_nope/rotate", {}).status_code == 404


def test_api_notifications_and_read(
    ctx: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(ctx, monkeypatch)
    body = client.get("/api/v1/notifications", headers=bearer(w.rep_token)).json
    assert body is not None
    assert body["total"] == 1
    [item] = body["items"]
    assert item["event"] == "consent.expiring"
    assert item["threshold_days"] == 30
    assert item["read_at"] is None
    other = client.get("/api/v1/notifications", headers=bearer(w.vfx_token)).json
    assert other is not None and other["total"] == 0
    marked = client.post("/api/v1/notifications/read", headers=bearer(w.rep_token)).json
    assert marked == {"marked_read": 1}
    body = client.get("/api/v1/notifications", headers=bearer(w.rep_token)).json
    assert body is not None and body["items"][0]["read_at"] is not None
    assert client.get("/api/v1/notifications").status_code == 401


def test_api_deliveries_and_retry(
    ctx: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(ctx, monkeypatch, failing_mail=True)
    url = "/api/v1/reminders/deliveries"
    assert client.get(url, headers=bearer(w.rep_token)).status_code == 403
    failed = client.get(url + "?status=failed", headers=bearer(w.admin_token)).json
    assert failed is not None
    assert {d["channel"] for d in failed["items"]} == {"email", "webhook"}
    email = next(d for d in failed["items"] if d["channel"] == "email")
    assert email["attempts"] == 1 and "ConnectionRefusedError" in email["last_error"]
    bad = client.get(url + "?status=lost", headers=bearer(w.admin_token))
    assert bad.status_code == 422
    assert bad.json is not None and "status" in bad.json["errors"]

    retry = f"{url}/{email['id']}/retry"
    assert client.post(retry, headers=bearer(w.rep_token)).status_code == 403
    answer = client.post(retry, headers=bearer(w.admin_token))
    assert answer.status_code == 200
    assert answer.json is not None
    assert answer.json["status"] == "pending" and answer.json["attempts"] == 0
    assert client.post(retry, headers=bearer(w.admin_token)).status_code == 409
    assert client.post(f"{url}/dlv_unknown/retry", headers=bearer(w.admin_token)).status_code == 404


def _clear(row: WebhookSecret) -> str:
    """The secret as the admin reads it (opened from its ciphertext)."""
    return webhook_secrets.reveal(row.production_id, row.data_key_id, row.secret_ct)
