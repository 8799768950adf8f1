"""An admin edits a production in the pages (its phase too) and removes members after a
confirmation page; both audited, and only admins may."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.productions import services
from registry.productions.models import Production
from tests.factories import bearer, csrf_token, fresh_client, login, make_production, make_user


def _admin(app: Flask) -> FlaskClient:
    admin, _ = make_user("admin")
    client = fresh_client(app)
    login(client, admin)
    return client


def _form(production: Production, **changes: str) -> dict[str, str]:
    values = {
        "title": production.title,
        "code": production.code,
        "kind": production.kind,
        "phase": production.phase,
        "webhook_url": production.webhook_url or "",
    }
    return {**values, **changes}


def test_an_admin_edits_the_phase_and_title_from_the_production_page(ctx: Flask) -> None:
    client = _admin(ctx)
    production = make_production()
    detail = client.get(f"/productions/{production.id}").get_data(as_text=True)
    assert f'href="/productions/{production.id}/edit"' in detail
    page = client.get(f"/productions/{production.id}/edit")
    assert page.status_code == 200
    assert f'value="{production.title}"' in page.get_data(as_text=True)
    data = _form(production, title="Night Harbour (recut)", phase="post")
    response = client.post(
        f"/productions/{production.id}/edit", data={**data, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "title, phase changed" in shown and "Night Harbour (recut)" in shown
    assert production.phase == "post" and production.title == "Night Harbour (recut)"
    event = db.session.execute(
        select(AuditEvent).where(
            AuditEvent.subject_id == production.id, AuditEvent.action == "production.updated"
        )
    ).scalar_one()
    assert event.actor_id is not None


def test_a_bad_edit_keeps_what_was_typed_and_changes_nothing(ctx: Flask) -> None:
    client = _admin(ctx)
    production = make_production()
    other = make_production()
    token = csrf_token(client)
    taken = client.post(
        f"/productions/{production.id}/edit",
        data={**_form(production, code=other.code, title="Kept title"), "csrf_token": token},
    )
    assert taken.status_code == 422
    text = taken.get_data(as_text=True)
    assert "Already taken." in text and 'value="Kept title"' in text
    blank = client.post(
        f"/productions/{production.id}/edit",
        data={**_form(production, title=""), "csrf_token": token},
    )
    assert blank.status_code == 422 and "Enter title" in blank.get_data(as_text=True)
    db.session.refresh(production)
    assert production.code != other.code and production.title != "Kept title"


def test_removing_a_member_asks_first_and_ends_their_access(ctx: Flask) -> None:
    client = _admin(ctx)
    production = make_production()
    lead, lead_token = make_user("vfx_lead")
    services.add_member(production, lead.id, actor_id=None)
    db.session.commit()
    api = f"/api/v1/productions/{production.id}"
    assert client.get(api, headers=bearer(lead_token)).status_code == 200
    detail = client.get(f"/productions/{production.id}").get_data(as_text=True)
    remove = f"/productions/{production.id}/members/{lead.id}/remove"
    assert f'class="button danger" href="{remove}"' in detail
    confirm = client.get(remove)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and lead.email in text and production.title in text
    assert "Yes, remove this member" in text and "Cancel" in text
    assert client.get(api, headers=bearer(lead_token)).status_code == 200, "GET changes nothing"
    done = client.post(remove, data={"csrf_token": csrf_token(client)})
    assert done.status_code == 302
    assert "is no longer a member" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get(api, headers=bearer(lead_token)).status_code == 404
    assert client.get(remove).status_code == 404, "not a member any more"
    actions = db.session.execute(
        select(AuditEvent.action).where(AuditEvent.subject_id == production.id)
    ).scalars()
    assert "production.member_removed" in list(actions)


def test_removing_without_the_csrf_token_is_refused(ctx: Flask) -> None:
    client = _admin(ctx)
    production = make_production()
    lead, _ = make_user("vfx_lead")
    services.add_member(production, lead.id, actor_id=None)
    db.session.commit()
    response = client.post(f"/productions/{production.id}/members/{lead.id}/remove")
    assert response.status_code in (200, 400)
    assert (
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action == "production.member_removed")
        ).first()
        is None
    )


@pytest.mark.parametrize("role", ["talent_rep", "vfx_lead", "legal", "auditor"])
@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("GET", "/productions/{p}/edit"),
        ("POST", "/productions/{p}/edit"),
        ("GET", "/productions/{p}/members/{u}/remove"),
        ("POST", "/productions/{p}/members/{u}/remove"),
    ],
)
def test_only_admins_edit_and_remove_members(
    ctx: Flask, role: str, method: str, route: str
) -> None:
    production = make_production()
    lead, _ = make_user("vfx_lead")
    services.add_member(production, lead.id, actor_id=None)
    user, _ = make_user(role)
    if role == "vfx_lead":
        services.add_member(production, user.id, actor_id=None)
    db.session.commit()
    client = fresh_client(ctx)
    login(client, user)
    path = route.format(p=production.id, u=lead.id)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    assert client.open(path, method=method, data=data).status_code == 403
