"""Consents through the API: recorded exactly, versioned, revoked, status from the clock."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from registry.accounts.models import User
from registry.audit.models import AuditEvent
from registry.consents import services
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.errors import Conflict
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.receipts.verify import verify_jws
from tests.factories import (
    api_create_performer,
    api_record,
    bearer,
    consent_body,
    iso,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
    sha256_of,
)


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Consent, ConsentVersion, ConsentPurpose, AuditEvent)
    )


def _setup(client: FlaskClient, **performer: Any) -> tuple[str, str, str]:
    _, token = make_user("talent_rep")
    production = make_production()
    created = api_create_performer(client, token, **performer)
    return token, created["id"], production.id


def test_recording_answers_the_consent_with_a_verifiable_receipt(
    ctx: Flask, client: FlaskClient
) -> None:
    token, performer_id, production_id = _setup(client, legal_name="Never In Receipts")
    body = consent_body(performer_id, production_id, purposes=["digital_replica", "re_ageing"])
    response = client.post("/api/v1/consents", json=body, headers=bearer(token))
    assert response.status_code == 201, response.json
    got = response.json
    assert got is not None
    assert got["version"] == 1 and got["status"] == "active"
    for field in (
        "purposes",
        "media",
        "description",
        "signed_by",
        "evidence_sha256",
        "restrictions",
    ):
        assert got[field] == body[field]
    assert got["effective_from"] == got["signed_at"]  # effective from signature by default
    # Anyone holding the published JWKS can check the receipt offline.
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks is not None
    payload = json.loads(verify_jws(got["receipt"], jwks))
    assert payload["typ"] == "consent"
    assert payload["consent_id"] == got["id"] and payload["version"] == 1
    assert payload["performer"]["id"] == performer_id
    assert payload["performer"]["professional_name"] == got["performer_name"]
    assert payload["production"]["id"] == production_id
    assert payload["purposes"] == ["digital_replica", "re_ageing"]
    assert payload["media"] == body["media"] and payload["description"] == body["description"]
    assert (
        payload["valid_until"] == got["expires_at"]
        and payload["valid_from"] == got["effective_from"]
    )
    assert payload["evidence_sha256"] == body["evidence_sha256"] and payload["status"] == "active"
    assert "Never In Receipts" not in json.dumps(payload)
    tampered = got["receipt"][:-4] + ("AAAA" if not got["receipt"].endswith("AAAA") else "BBBB")
    try:
        verify_jws(tampered, jwks)
        raise AssertionError("a tampered receipt verified")
    except ValueError:
        pass


def test_invalid_consent_names_every_bad_field_and_writes_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    token, performer_id, production_id = _setup(client)
    before = _counts()
    body = consent_body(
        performer_id,
        production_id,
        purposes=["telepathy"],
        media=[],
        description="any use",
        signed_by="estate",  # the performer is alive
        signed_at=iso(timedelta(days=3)),  # in the future
        evidence_sha256="not-a-hash",
        status="active",  # not a field a caller may set
        created_by="usr_x",
    )
    response = client.post("/api/v1/consents", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert response.json is not None
    assert set(response.json["errors"]) >= {
        "purposes.0",
        "media",
        "description",
        "signed_by",
        "signed_at",
        "evidence_sha256",
        "status",
        "created_by",
    }
    times = consent_body(
        performer_id,
        "prd_nope",
        effective_from=iso(timedelta(days=10)),
        expires_at=iso(timedelta(days=5)),
    )
    response = client.post("/api/v1/consents", json=times, headers=bearer(token))
    assert response.status_code == 422 and response.json is not None
    assert set(response.json["errors"]) == {"expires_at", "production_id"}
    assert _counts() == before


def test_a_deceased_performers_consent_is_signed_by_the_estate(
    ctx: Flask, client: FlaskClient
) -> None:
    token, performer_id, production_id = _setup(client, deceased=True)
    refused = client.post(
        "/api/v1/consents", json=consent_body(performer_id, production_id), headers=bearer(token)
    )
    assert refused.status_code == 422 and refused.json is not None
    assert "estate" in refused.json["errors"]["signed_by"][0]
    recorded = api_record(client, token, performer_id, production_id, signed_by="estate")
    assert recorded["signed_by"] == "estate"


def test_status_follows_the_clock_in_every_read_and_filter(ctx: Flask, client: FlaskClient) -> None:
    token, performer_id, production_id = _setup(client)
    soon = api_record(client, token, performer_id, production_id, expires_at=iso(timedelta(days=5)))
    later = api_record(
        client,
        token,
        performer_id,
        production_id,
        effective_from=iso(timedelta(days=10)),
        expires_at=iso(timedelta(days=100)),
    )
    assert later["status"] == "pending"

    def ids(query: str) -> set[str]:
        page = client.get(
            f"/api/v1/consents?performer_id={performer_id}&{query}", headers=bearer(token)
        ).json
        assert page is not None
        return {c["id"] for c in page["items"]}

    assert ids("status=active") == {soon["id"]}
    assert ids("status=pending") == {later["id"]}
    assert ids("expiring_within_days=30") == {soon["id"]}
    # Six days later, without any job having run:
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        got = client.get(f"/api/v1/consents/{soon['id']}", headers=bearer(token)).json
        assert got is not None and got["status"] == "expired"
        assert ids("status=active") == set()
        assert ids("status=expired") == {soon["id"]}
        assert ids("expiring_within_days=30") == set()
        assert ids(f"status=active&purpose=digital_replica&production_id={production_id}") == set()
        amend = client.post(
            f"/api/v1/consents/{soon['id']}/amend",
            json={"evidence_sha256": sha256_of(b"x"), "signed_at": iso()},
            headers=bearer(token),
        )
        assert amend.status_code == 409
        revoke = client.post(
            f"/api/v1/consents/{soon['id']}/revoke", json={"reason": "late"}, headers=bearer(token)
        )
        assert revoke.status_code == 409
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        assert ids("status=active") == {later["id"]}
        wanted = f"status=active&purpose=digital_replica&production_id={production_id}"
        assert ids(wanted) == {later["id"]}


def test_amending_makes_a_new_version_and_keeps_the_old(ctx: Flask, client: FlaskClient) -> None:
    token, performer_id, production_id = _setup(client)
    first = api_record(client, token, performer_id, production_id)
    amendment = {
        "evidence_sha256": sha256_of(b"amendment signed"),
        "signed_at": iso(),
        "purposes": ["digital_replica", "synthetic_voice"],
        "restrictions": None,
        "expires_at": iso(timedelta(days=30)),
    }
    response = client.post(
        f"/api/v1/consents/{first['id']}/amend", json=amendment, headers=bearer(token)
    )
    assert response.status_code == 201, response.json
    second = response.json
    assert second is not None
    assert second["id"] == first["id"] and second["version"] == 2 and second["status"] == "active"
    assert second["purposes"] == ["digital_replica", "synthetic_voice"]
    assert second["description"] == first["description"] and second["restrictions"] is None
    assert second["performer_id"] == performer_id and second["production_id"] == production_id
    history = client.get(f"/api/v1/consents/{first['id']}/versions", headers=bearer(token)).json
    assert history is not None
    assert [(v["version"], v["status"]) for v in history["items"]] == [
        (1, "superseded"),
        (2, "active"),
    ]
    assert history["items"][0]["purposes"] == ["digital_replica"]  # never edited in place
    current = client.get(f"/api/v1/consents/{first['id']}", headers=bearer(token)).json
    assert current is not None and current["version"] == 2
    superseded = client.get(
        f"/api/v1/consents?status=superseded&performer_id={performer_id}", headers=bearer(token)
    ).json
    assert superseded is not None and [c["version"] for c in superseded["items"]] == [1]
    receipt = client.get(f"/api/v1/consents/{first['id']}/receipt", headers=bearer(token)).json
    assert receipt is not None and receipt["version"] == 2
    jwks = client.get("/.well-known/jwks.json").json
    payload = json.loads(verify_jws(receipt["receipt"], jwks))  # type: ignore[arg-type]
    assert payload["supersedes"] == first["version_id"] and payload["version"] == 2
    old = client.get(
        f"/api/v1/consents/{first['id']}/receipt?version=1", headers=bearer(token)
    ).json
    assert old is not None and old["receipt"] == first["receipt"]


def test_an_amendment_cannot_move_a_consent_or_skip_its_evidence(
    ctx: Flask, client: FlaskClient
) -> None:
    token, performer_id, production_id = _setup(client)
    first = api_record(client, token, performer_id, production_id)
    before = _counts()
    response = client.post(
        f"/api/v1/consents/{first['id']}/amend",
        json={
            "performer_id": "prf_other",
            "production_id": "prd_other",
            "version": 7,
            "media": ["smell"],
        },
        headers=bearer(token),
    )
    assert response.status_code == 422 and response.json is not None
    assert set(response.json["errors"]) == {
        "performer_id",
        "production_id",
        "version",
        "media.0",
        "evidence_sha256",
        "signed_at",
    }
    merged = client.post(
        f"/api/v1/consents/{first['id']}/amend",
        json={
            "evidence_sha256": sha256_of(b"y"),
            "signed_at": iso(),
            "expires_at": iso(-timedelta(days=30)),
        },
        headers=bearer(token),
    )
    assert merged.status_code == 422 and merged.json is not None
    assert set(merged.json["errors"]) == {"expires_at"}
    # A malformed field and checks on the fields together, in one body: one refusal names all.
    both = client.post(
        f"/api/v1/consents/{first['id']}/amend",
        json={
            "evidence_sha256": "not a hash",
            "signed_at": iso(timedelta(days=2)),
            "signed_by": "estate",
            "media": ["voice", "voice"],
            "expires_at": iso(-timedelta(days=30)),
            "description": "all uses",
        },
        headers=bearer(token),
    )
    assert both.status_code == 422 and both.json is not None
    assert both.json["errors"]["evidence_sha256"] == [
        "Must be 64 hexadecimal characters (SHA-256)."
    ]
    assert both.json["errors"]["signed_at"] == ["Must not be in the future."]
    assert both.json["errors"]["signed_by"] == [
        "Only a deceased performer's estate signs for them."
    ]
    assert both.json["errors"]["media"] == ["Lists a value more than once."]
    assert both.json["errors"]["expires_at"] == ["Must be after effective_from."]
    assert set(both.json["errors"]) == {
        "evidence_sha256",
        "signed_at",
        "signed_by",
        "media",
        "expires_at",
        "description",
    }
    assert _counts() == before


def test_an_amendment_is_not_judged_against_a_value_it_was_replacing(
    ctx: Flask, client: FlaskClient
) -> None:
    """The caller moves a consent that starts next month to start now and end in ten days, but
    mistypes the new start: the refusal names the start, not the end (which is after the start
    the caller meant, though before the one being replaced)."""
    token, performer_id, production_id = _setup(client)
    first = api_record(
        client, token, performer_id, production_id, effective_from=iso(timedelta(days=30))
    )
    response = client.post(
        f"/api/v1/consents/{first['id']}/amend",
        json={
            "evidence_sha256": sha256_of(b"v2"),
            "signed_at": iso(),
            "effective_from": "tomorrow-ish",
            "expires_at": iso(timedelta(days=10)),
        },
        headers=bearer(token),
    )
    assert response.status_code == 422 and response.json is not None
    assert set(response.json["errors"]) == {"effective_from"}, response.json
    # A list with one bad item is unknown as a whole: the media meant for a voice consent are
    # not judged by the items that happened to load.
    voice = api_record(
        client, token, performer_id, production_id, purposes=["synthetic_voice"], media=["voice"]
    )
    listed = client.post(
        f"/api/v1/consents/{voice['id']}/amend",
        json={
            "evidence_sha256": sha256_of(b"v3"),
            "signed_at": iso(),
            "media": ["likeness", "vocie"],
        },
        headers=bearer(token),
    )
    assert listed.status_code == 422 and listed.json is not None
    assert listed.json["errors"] == {"media.1": ["Must be one of: likeness, voice, performance."]}


def test_revoking_ends_the_consent_signals_the_cascade_and_keeps_history(
    ctx: Flask, client: FlaskClient
) -> None:
    token, performer_id, production_id = _setup(client)
    first = api_record(client, token, performer_id, production_id)
    client.post(
        f"/api/v1/consents/{first['id']}/amend",
        json={"evidence_sha256": sha256_of(b"v2"), "signed_at": iso()},
        headers=bearer(token),
    )
    for reason in ("  ", "", None):  # a revocation gives its reason
        blank = client.post(
            f"/api/v1/consents/{first['id']}/revoke", json={"reason": reason}, headers=bearer(token)
        )
        assert blank.status_code == 422 and blank.json is not None, reason
        assert set(blank.json["errors"]) == {"reason"}
    still = client.get(f"/api/v1/consents/{first['id']}", headers=bearer(token)).json
    assert still is not None and still["status"] == "active" and still["version"] == 2
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        # Inside the revoking transaction: the revocation is visible, not yet committed.
        current = db.session.execute(
            select(ConsentVersion).where(
                ConsentVersion.consent_id == first["id"], ConsentVersion.version == 2
            )
        ).scalar_one()
        seen.append({**kwargs, "revoked_seen": current.revoked_at is not None})

    with consent_ended.connected_to(receiver):
        response = client.post(
            f"/api/v1/consents/{first['id']}/revoke",
            json={"reason": "The performer withdrew consent by letter."},
            headers=bearer(token),
        )
    assert response.status_code == 200, response.json
    got = response.json
    assert got is not None and got["status"] == "revoked"
    assert got["revocation_reason"] == "The performer withdrew consent by letter."
    jwks = client.get("/.well-known/jwks.json").json
    payload = json.loads(verify_jws(got["receipt"], jwks))  # type: ignore[arg-type]
    assert payload["typ"] == "consent-termination" and payload["status"] == "revoked"
    assert payload["version"] == 2 and payload["reason"] == got["revocation_reason"]
    assert len(seen) == 1 and seen[0]["reason"] == "revoked" and seen[0]["revoked_seen"]
    assert set(seen[0]["version_ids"]) == {first["version_id"], got["version_id"]}
    history = client.get(f"/api/v1/consents/{first['id']}/versions", headers=bearer(token)).json
    assert history is not None
    assert [v["status"] for v in history["items"]] == ["superseded", "revoked"]
    again = client.post(
        f"/api/v1/consents/{first['id']}/revoke", json={"reason": "x"}, headers=bearer(token)
    )
    assert again.status_code == 409
    amend = client.post(
        f"/api/v1/consents/{first['id']}/amend",
        json={"evidence_sha256": sha256_of(b"v3"), "signed_at": iso()},
        headers=bearer(token),
    )
    assert amend.status_code == 409


def test_list_filters_and_pagination(ctx: Flask, client: FlaskClient) -> None:
    token, performer_id, production_id = _setup(client)
    other_production = make_production().id
    a = api_record(client, token, performer_id, production_id, purposes=["model_training"])
    b = api_record(client, token, performer_id, other_production)
    c = api_record(client, token, performer_id, production_id, expires_at=iso(timedelta(days=20)))

    def ids(query: str) -> list[str]:
        page = client.get(
            f"/api/v1/consents?performer_id={performer_id}&{query}", headers=bearer(token)
        ).json
        assert page is not None
        return [x["id"] for x in page["items"]]

    assert set(ids("")) == {a["id"], b["id"], c["id"]}
    assert set(ids(f"production_id={production_id}")) == {a["id"], c["id"]}
    assert ids("purpose=model_training") == [a["id"]]
    assert ids("expiring_within_days=30") == [c["id"]]
    page1 = client.get(
        f"/api/v1/consents?performer_id={performer_id}&per_page=2&page=1", headers=bearer(token)
    ).json
    page2 = client.get(
        f"/api/v1/consents?performer_id={performer_id}&per_page=2&page=2", headers=bearer(token)
    ).json
    assert page1 is not None and page2 is not None
    assert (
        page1["total"] == page2["total"] == 3
        and len(page1["items"]) == 2
        and len(page2["items"]) == 1
    )
    bad = client.get("/api/v1/consents?per_page=501&status=gone&purpose=x", headers=bearer(token))
    assert bad.status_code == 422 and bad.json is not None
    assert set(bad.json["errors"]) == {"per_page", "status", "purpose"}


def test_an_unknown_filter_is_refused_rather_than_ignored(ctx: Flask, client: FlaskClient) -> None:
    token, performer_id, production_id = _setup(client)
    api_record(client, token, performer_id, production_id)
    # A misspelt filter must not silently list every consent the caller may see.
    for query in (f"performer={performer_id}", "expiring_within=30", "page=1&sort=asc"):
        answer = client.get(f"/api/v1/consents?{query}", headers=bearer(token))
        assert answer.status_code == 422, query
        assert answer.json is not None
        unknown = query.split("&")[-1].split("=")[0]
        assert answer.json["errors"] == {unknown: ["Unknown field."]}
    # Every other list refuses them too (one shared parser).
    for path in ("/api/v1/performers", "/api/v1/productions", "/api/v1/notifications"):
        answer = client.get(f"{path}?colour=red", headers=bearer(token))
        assert answer.status_code == 422 and answer.json is not None, path
        assert answer.json["errors"] == {"colour": ["Unknown field."]}


def test_amend_and_revoke_see_a_revocation_committed_after_the_version_was_read(
    isolated_app: Flask, db_kind: str
) -> None:
    """The amend schema reads the current version before the view locks the consent; another
    request revokes it in between. (SQLite: every transaction holds the write lock from its
    start, so nothing can come in between.)"""
    if db_kind != "postgresql":
        pytest.skip("PostgreSQL's concurrent transactions")
    with isolated_app.app_context():
        rep, _ = make_user("talent_rep")
        production = make_production()
        performer = performer_with_personal_data(rep)
        version = recorded_consent(rep, performer.id, production.id)
        rep_id, consent_id, version_id = rep.id, version.consent_id, version.id
        db.session.commit()
        db.session.remove()

        consent = db.session.get(Consent, consent_id)
        assert consent is not None
        read = services.current_version(consent)  # read (and still referenced), then ...
        assert read.revoked_at is None
        with db.engine.begin() as other:  # ... another request revokes and commits
            other.execute(
                update(ConsentVersion)
                .where(ConsentVersion.id == version_id)
                .values(revoked_at=utcnow(), revocation_reason="Withdrawn by letter.")
            )
        user = db.session.get(User, rep_id)
        assert user is not None
        locked = services.changeable_consent(user, consent_id)
        amendment = {"evidence_sha256": sha256_of(b"v2"), "signed_at": utcnow()}
        with pytest.raises(Conflict, match="revoked"):
            services.amend_consent(locked, amendment, actor_id=rep_id)
        with pytest.raises(Conflict, match="already revoked"):
            services.revoke_consent(locked, "Again.", actor_id=rep_id)
        db.session.rollback()
        versions = db.session.execute(
            select(ConsentVersion).where(ConsentVersion.consent_id == consent_id)
        ).scalars()
        assert [(v.version, v.superseded_at) for v in versions] == [(1, None)]
        assert read.revoked_at is not None  # the session's copy was brought up to date
