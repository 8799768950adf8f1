"""An admin invites people and sends password reset links from the pages; the links arrive by
e-mail through a real SMTP server on loopback, work once, expire, and obey the password rule."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from registry.accounts import invitations
from registry.accounts.models import User
from registry.audit.models import AuditEvent
from registry.audit.records import verify_records
from registry.core.clock import utcnow
from registry.extensions import db
from tests.audit.records_world import states_now
from tests.factories import PASSWORD, csrf_token, fresh_client, login, make_user, post_form
from tests.servers import SmtpSink

NEW_PASSWORD = "lantern quietly orbits marmalade"
LINK = re.compile(r"https?://[^/\s]+(/(?:welcome|reset-password)/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail(app: Flask, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    monkeypatch.setitem(app.config, "SMTP_URL", smtp.url)
    return smtp


def _admin(app: Flask) -> FlaskClient:
    admin, _ = make_user("admin")
    client = fresh_client(app)
    login(client, admin)
    return client


def _link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(1)


def _invite(client: FlaskClient, email: str, role: str = "vfx_lead") -> TestResponse:
    response: TestResponse = post_form(
        client, "/users/invite", {"name": "Noor Haddad", "email": email, "role": role}
    )
    return response


def _set(client: FlaskClient, path: str, password: str) -> TestResponse:
    return client.post(
        path,
        data={
            "new_password": password,
            "confirm": password,
            "csrf_token": csrf_token(client),
        },
    )


def _sign_in(client: FlaskClient, email: str, password: str) -> str:
    response: TestResponse = post_form(client, "/login", {"email": email, "password": password})
    return f"{response.status_code} {response.headers.get('Location', '')}"


def test_an_invitation_arrives_and_its_link_sets_the_password_once(
    ctx: Flask, mail: SmtpSink
) -> None:
    admin = _admin(ctx)
    response = _invite(admin, "noor@example.test")
    assert response.status_code == 302
    assert admin.get(response.headers["Location"]).status_code == 200
    assert mail.count() == 1
    message = mail.messages[0]
    assert message["To"] == "noor@example.test"
    assert "invited" in str(message["Subject"])
    path = _link_in(message)
    assert path.startswith("/welcome/")
    user = db.session.execute(select(User).where(User.email == "noor@example.test")).scalar_one()
    assert user.role == "vfx_lead" and user.name == "Noor Haddad" and user.password_hash is None
    # No password yet: nobody can sign in as them.
    person = fresh_client(ctx)
    assert _sign_in(person, "noor@example.test", NEW_PASSWORD).startswith("401")

    page = person.get(path)
    assert page.status_code == 200 and "Welcome, Noor Haddad" in page.get_data(as_text=True)
    weak = _set(person, path, "password1234")
    assert weak.status_code == 422
    assert person.get(path).status_code == 200, "a refused password does not spend the link"
    done = _set(person, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    again = person.get(path)
    assert again.status_code == 410
    assert "does not work any more" in again.get_data(as_text=True)
    assert _set(person, path, "another fine long passphrase").status_code == 410
    assert _sign_in(person, "noor@example.test", NEW_PASSWORD) == "302 /"
    actions = set(
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_id == user.id)
        ).scalars()
    )
    assert {"user.created", "user.invited", "user.link_sent", "user.link_used"} <= actions
    records = verify_records(db.session)
    assert records.ok, records.mismatches
    assert "account_link" in {m for m, _ in states_now()}


def test_an_invited_admin_enrols_a_second_factor_after_setting_the_password(
    ctx: Flask, mail: SmtpSink
) -> None:
    admin = _admin(ctx)
    _invite(admin, "new-admin@example.test", role="admin")
    person = fresh_client(ctx)
    assert _set(person, _link_in(mail.messages[0]), NEW_PASSWORD).status_code == 302
    assert _sign_in(person, "new-admin@example.test", NEW_PASSWORD).startswith("302 /login/enrol")


def test_an_expired_invitation_is_refused(
    ctx: Flask, mail: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invite(_admin(ctx), "late@example.test")
    path = _link_in(mail.messages[0])
    person = fresh_client(ctx)
    later = utcnow() + timedelta(hours=71)
    monkeypatch.setattr(invitations, "utcnow", lambda: later)
    assert person.get(path).status_code == 200, "valid for 72 hours"
    expired = utcnow() + timedelta(hours=72, minutes=1)
    monkeypatch.setattr(invitations, "utcnow", lambda: expired)
    assert person.get(path).status_code == 410
    assert _set(person, path, NEW_PASSWORD).status_code == 410


def test_a_wrong_or_mangled_link_is_refused(ctx: Flask, mail: SmtpSink) -> None:
    _invite(_admin(ctx), "typo@example.test")
    path = _link_in(mail.messages[0])
    person = fresh_client(ctx)
    assert person.get(path[:-1]).status_code == 410
    assert person.get(path.replace("/welcome/", "/reset-password/")).status_code == 410


def test_a_password_reset_link_works_once_for_an_hour_and_ends_sessions(
    ctx: Flask, mail: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _admin(ctx)
    user, _ = make_user("talent_rep")
    theirs = fresh_client(ctx)
    login(theirs, user)
    response = post_form(admin, f"/users/{user.id}/password-link", {})
    assert response.status_code == 302
    assert "password reset link was sent" in admin.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert theirs.get("/").status_code == 200, "the old password and session work until used"
    message = mail.messages[-1]
    assert message["To"] == user.email and "Reset" in str(message["Subject"])
    path = _link_in(message)
    assert path.startswith("/reset-password/")

    late = utcnow() + timedelta(minutes=61)
    monkeypatch.setattr(invitations, "utcnow", lambda: late)
    assert fresh_client(ctx).get(path).status_code == 410, "valid for one hour only"
    monkeypatch.undo()

    person = fresh_client(ctx)
    assert _set(person, path, NEW_PASSWORD).status_code == 302
    assert theirs.get("/").status_code == 302, "their other sessions ended"
    assert person.get(path).status_code == 410
    assert _sign_in(fresh_client(ctx), user.email, PASSWORD).startswith("401")
    assert _sign_in(fresh_client(ctx), user.email, NEW_PASSWORD) == "302 /"


def test_a_newer_link_replaces_the_older_one(ctx: Flask, mail: SmtpSink) -> None:
    admin = _admin(ctx)
    user, _ = make_user("auditor")
    post_form(admin, f"/users/{user.id}/password-link", {})
    post_form(admin, f"/users/{user.id}/password-link", {})
    first, second = _link_in(mail.messages[0]), _link_in(mail.messages[1])
    assert first != second
    person = fresh_client(ctx)
    assert person.get(first).status_code == 410
    assert person.get(second).status_code == 200


def test_without_mail_nothing_is_written_and_the_admin_is_told(
    ctx: Flask, app: Flask, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _admin(ctx)
    before = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    # The SMTP server is down: a port where nothing listens.
    smtp_url = smtp.url
    monkeypatch.setitem(app.config, "SMTP_URL", smtp_url.rsplit(":", 1)[0] + ":9?timeout=2")
    response = _invite(admin, "lost@example.test")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "could not be sent" in text and "Nothing was changed" in text
    assert 'value="lost@example.test"' in text, "what the admin typed is kept"
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    response = _invite(admin, "lost@example.test")
    assert "E-mail is not configured" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == before
    assert smtp.count() == 0


def test_a_revoked_users_link_no_longer_works(ctx: Flask, mail: SmtpSink) -> None:
    admin = _admin(ctx)
    _invite(admin, "gone@example.test")
    path = _link_in(mail.messages[0])
    user = db.session.execute(select(User).where(User.email == "gone@example.test")).scalar_one()
    assert post_form(admin, f"/users/{user.id}/revoke", {}).status_code == 302
    assert fresh_client(ctx).get(path).status_code == 410
