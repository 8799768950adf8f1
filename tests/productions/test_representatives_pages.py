"""An admin assigns and removes a performer's representatives in the pages (removal after a
confirmation page); a removed rep loses the performer; audited; only admins may."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.factories import bearer, csrf_token, fresh_client, login, make_user, stored_performer


@pytest.fixture
def admin(ctx: Flask) -> FlaskClient:
    user, _ = make_user("admin")
    client = fresh_client(ctx)
    login(client, user)
    return client


def test_assign_then_remove_a_representative(admin: FlaskClient) -> None:
    performer = stored_performer("Mira Okafor")
    rep, rep_token = make_user("talent_rep")
    api = f"/api/v1/performers/{performer.id}"
    assert admin.get(f"/performers/{performer.id}").status_code == 200
    assert f"/performers/{performer.id}/representatives" in admin.get(
        f"/performers/{performer.id}"
    ).get_data(as_text=True), "the performer's page links to it"
    page = admin.get(f"/performers/{performer.id}/representatives")
    assert page.status_code == 200 and rep.email in page.get_data(as_text=True)
    assert admin.get(api, headers=bearer(rep_token)).status_code == 404

    path = f"/performers/{performer.id}/representatives"
    done = admin.post(path, data={"user_id": rep.id, "csrf_token": csrf_token(admin)})
    assert done.status_code == 302
    assert "now represents Mira Okafor" in admin.get(path).get_data(as_text=True)
    assert admin.get(api, headers=bearer(rep_token)).status_code == 200

    remove = f"{path}/{rep.id}/remove"
    assert f'class="button danger" href="{remove}"' in admin.get(path).get_data(as_text=True)
    confirm = admin.get(remove).get_data(as_text=True)
    assert "Yes, remove this representative" in confirm and rep.email in confirm
    assert admin.get(api, headers=bearer(rep_token)).status_code == 200, "GET changes nothing"
    gone = admin.post(remove, data={"csrf_token": csrf_token(admin)})
    assert gone.status_code == 302
    assert "no longer represents" in admin.get(path).get_data(as_text=True)
    assert admin.get(api, headers=bearer(rep_token)).status_code == 404
    assert admin.get(remove).status_code == 404
    actions = set(
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_id == performer.id)
        ).scalars()
    )
    assert {"performer.representative_added", "performer.representative_removed"} <= actions


def test_only_talent_reps_can_be_assigned(admin: FlaskClient) -> None:
    performer = stored_performer()
    lead, _ = make_user("vfx_lead")
    path = f"/performers/{performer.id}/representatives"
    assert lead.email not in admin.get(path).get_data(as_text=True)
    refused = admin.post(path, data={"user_id": lead.id, "csrf_token": csrf_token(admin)})
    assert refused.status_code == 422
    assert admin.post(path, data={"csrf_token": csrf_token(admin)}).status_code == 422


@pytest.mark.parametrize("role", ["talent_rep", "vfx_lead", "legal", "auditor"])
@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("GET", "/performers/{p}/representatives"),
        ("POST", "/performers/{p}/representatives"),
        ("GET", "/performers/{p}/representatives/{u}/remove"),
        ("POST", "/performers/{p}/representatives/{u}/remove"),
    ],
)
def test_only_admins_manage_representatives(ctx: Flask, role: str, method: str, route: str) -> None:
    rep, _ = make_user("talent_rep")
    performer = stored_performer(reps=(rep,))
    user, _ = make_user(role)
    client = fresh_client(ctx)
    login(client, user if role != "talent_rep" else rep)
    path = route.format(p=performer.id, u=rep.id)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    assert client.open(path, method=method, data=data).status_code == 403
