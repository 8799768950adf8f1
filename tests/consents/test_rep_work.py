"""The talent rep's work on the pages: amend says which "effective from" the new version gets
(never keeping an old one unasked), what changed between versions, the receipt as a page that
prints and shows whether its signature verifies (next to the .jws), correcting a performer's
details (audited, still encrypted), and every request and decision that relied on their
performers' consents."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers.models import Performer
from tests.factories import (
    csrf_token,
    fresh_client,
    login,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
    stored_consent,
    unique_pdf,
)
from tests.gate.test_pages import People, _ask


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _local(delta: timedelta) -> str:
    return (utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


def _amendment(client: FlaskClient, path: str, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, path),
        "purposes": ["digital_replica", "synthetic_voice"],
        "media": ["likeness", "voice"],
        "description": "Digital replica of the face and voice for the rooftop chase in episode 3",
        "restrictions": "No use in marketing material.",
        "guild_compliant": "y",
        "signed_by": "performer",
        "signed_at": _local(-timedelta(hours=1)),
        "expires_at": _local(timedelta(days=500)),
        "evidence": (io.BytesIO(unique_pdf()), "amended.pdf"),
    }
    data.update(over)
    return data


def _versions(consent_id: str) -> int:
    return int(
        db.session.execute(
            select(func.count())
            .select_from(ConsentVersion)
            .where(ConsentVersion.consent_id == consent_id)
        ).scalar_one()
    )


def test_amend_says_which_effective_from_and_shows_what_changed(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep, professional_name="Vera Amend")
    first = recorded_consent(
        rep, performer.id, make_production().id, effective_from=utcnow() - timedelta(days=10)
    )
    login(client, rep)
    path = f"/consents/{first.consent_id}/amend"
    page = _text(client.get(path))
    assert "When does version 2 take effect?" in page
    assert "Version 1 is effective from" in page
    assert 'name="effective_from" type="datetime-local" value=""' in page  # not carried over
    unchosen = client.post(path, data=_amendment(client, path), content_type="multipart/form-data")
    assert unchosen.status_code == 422
    assert "Choose when version 2 takes effect." in _text(unchosen)
    no_date = client.post(
        path,
        data=_amendment(client, path, effective_choice="date"),
        content_type="multipart/form-data",
    )
    assert no_date.status_code == 422 and "Enter the date version 2 takes effect." in _text(no_date)
    assert _versions(first.consent_id) == 1  # nothing written
    kept = client.post(
        path,
        data=_amendment(client, path, effective_choice="keep"),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert kept.status_code == 200
    second = db.session.execute(
        select(ConsentVersion).where(
            ConsentVersion.consent_id == first.consent_id, ConsentVersion.version == 2
        )
    ).scalar_one()
    assert second.effective_from == first.effective_from  # as chosen, and said so
    assert f"effective from {first.effective_from:%Y-%m-%d %H:%M} UTC" in _text(kept)
    path3 = f"/consents/{first.consent_id}/amend"
    starts = utcnow() + timedelta(days=3)
    client.post(
        path3,
        data=_amendment(
            client,
            path3,
            effective_choice="date",
            effective_from=starts.strftime("%Y-%m-%dT%H:%M"),
            purposes=["synthetic_voice"],
            restrictions="",
        ),
        content_type="multipart/form-data",
    )
    third = db.session.execute(
        select(ConsentVersion).where(
            ConsentVersion.consent_id == first.consent_id, ConsentVersion.version == 3
        )
    ).scalar_one()
    assert third.effective_from.strftime("%Y-%m-%d %H:%M") == starts.strftime("%Y-%m-%d %H:%M")
    detail = client.get(f"/consents/{first.consent_id}").get_data(as_text=True)
    changes = re.search(r'<section class="card" id="changes">(.*?)</section>', detail, re.S)
    assert changes, detail
    text = re.sub(r"<[^>]+>", " ", changes.group(1))
    text = re.sub(r"\s+", " ", text)
    assert "Version 1 → version 2" in text and "Version 2 → version 3" in text
    assert "added: synthetic voice" in text  # v1 -> v2
    assert "removed: digital replica" in text  # v2 -> v3
    assert "Restrictions No use in marketing material. —" in text
    assert "Effective from" in text and "Expires at" in text


def test_the_receipt_page_shows_the_signature_status_and_prints(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep, professional_name="Rui Receipt")
    version = recorded_consent(rep, performer.id, make_production("RC-01").id)
    login(client, rep)
    detail = client.get(f"/consents/{version.consent_id}").get_data(as_text=True)
    page_url = f"/consents/{version.consent_id}/versions/1/receipt/view"
    assert f'href="{page_url}"' in detail
    page = client.get(page_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _text(page)
    assert "Signature verified." in text and "EdDSA" in text
    assert "Rui Receipt" in text and "RC-01" in text and "digital replica" in text
    receipt = version.receipt
    assert receipt is not None
    assert receipt in html  # the signed receipt itself, next to its download
    assert f'href="/consents/{version.consent_id}/versions/1/receipt" download' in html
    assert 'href="/static/print.css" media="print"' in html
    css = client.get("/static/print.css")
    assert css.status_code == 200 and b"@page" in css.data
    css.close()
    # A receipt altered in the database no longer verifies, and the page says so.
    head, payload, signature = receipt.split(".")
    version.receipt = f"{head}.{payload}.{signature[:-4]}AAAA"
    db.session.commit()
    forged = _text(client.get(page_url))
    assert "Signature does not verify" in forged and "Rui Receipt" not in forged
    other, _ = make_user("talent_rep")
    stranger = fresh_client(client.application)
    login(stranger, other)
    assert stranger.get(page_url).status_code == 404


def test_a_rep_corrects_a_performers_details(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(
        rep, professional_name="Ed Edit", email="old@example.test"
    )
    login(client, rep)
    page = client.get(f"/performers/{performer.id}").get_data(as_text=True)
    edit = f"/performers/{performer.id}/edit"
    assert f'href="{edit}"' in page
    form = client.get(edit).get_data(as_text=True)
    assert 'value="old@example.test"' in form and 'value="Ed Edit"' in form
    bad = client.post(
        edit,
        data={
            "csrf_token": csrf_token(client, edit),
            "professional_name": "Ed Edit",
            "legal_name": "",
            "email": "new@example.test",
        },
    )
    assert bad.status_code == 422 and "Enter the legal name." in _text(bad)
    assert 'value="new@example.test"' in bad.get_data(as_text=True)  # what was typed stays
    before = db.session.get(Performer, performer.id)
    assert before is not None
    legal = re.search(r'id="legal_name" name="legal_name" type="text" value="([^"]*)"', form)
    assert legal
    saved = client.post(
        edit,
        data={
            "csrf_token": csrf_token(client, edit),
            "professional_name": "Ed Edit",
            "legal_name": legal.group(1),
            "email": "new@example.test",
            "phone": "+44 20 7946 0000",
        },
        follow_redirects=True,
    )
    assert "Changed: email, phone." in _text(saved)
    assert "new@example.test" in _text(saved)
    db.session.expire_all()
    row = db.session.get(Performer, performer.id)
    assert row is not None and row.email_ct is not None
    assert b"new@example.test" not in bytes(row.email_ct)  # still encrypted
    event = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.action == "performer.updated", AuditEvent.subject_id == performer.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar_one()
    assert event.actor_id == rep.id
    other, _ = make_user("talent_rep")
    stranger = fresh_client(client.application)
    login(stranger, other)
    assert stranger.get(edit).status_code == 404
    lead, _ = make_user("vfx_lead")
    leads = fresh_client(client.application)
    login(leads, lead)
    assert leads.get(edit).status_code == 403


def test_a_rep_sees_every_request_that_relied_on_their_performers_consents(
    ctx: Flask, app: Flask
) -> None:
    people = People(app)
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep, professional_name="Lia Relied")
    stored_consent(performer, people.production, ["digital_replica"])
    asked = _ask(
        people.vfx_client,
        "replica.create",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": "Double for the tunnel, scene 14",
        },
    )
    assert asked.status_code == 302
    client = fresh_client(app)
    login(client, rep)
    page = _text(client.get("/requests/on-my-consents"))
    assert "Double for the tunnel, scene 14" in page and "Lia Relied" in page
    assert people.production.code in page and "escalate" in page
    assert "/requests/on-my-consents" in client.get("/").get_data(as_text=True)  # in the nav
    other, _ = make_user("talent_rep")
    stranger = fresh_client(app)
    login(stranger, other)
    assert "Double for the tunnel" not in _text(stranger.get("/requests/on-my-consents"))
    assert people.vfx_client.get("/requests/on-my-consents").status_code == 403
