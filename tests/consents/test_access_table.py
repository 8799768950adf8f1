"""Access control, as a table: role x route x relation -> answer, for every consents and
performers route (API and pages) and the reminder views that list consents.

Relations: ``own`` (a performer the talent_rep represents, and their consent), ``other``
(another rep's performer and consent), ``missing`` (ids that do not exist). A rep gets 404 for
another rep's objects, exactly as for missing ones; vfx_lead, legal and auditor never receive
any personal field in any answer (checked on every response below).

``200+`` / ``200-``: a list answers 200 and does / does not include the target.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.consents import evidence
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers.models import Performer
from registry.productions import services as productions
from registry.productions.models import Production
from registry.reminders import services as reminders
from registry.web.uploads import Upload
from tests.factories import (
    bearer,
    consent_body,
    csrf_token,
    iso,
    login,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
    sha256_of,
    unique_pdf,
)

A, R, V, L, AU = "admin", "talent_rep", "vfx_lead", "legal", "auditor"
ROLES = (A, R, V, L, AU)
RELATIONS = ("own", "other", "missing")

F403 = ("403", "403", "403")
READ = ("200", "200", "404")  # may read any performer's object
MINE = ("200", "404", "404")  # only own objects, others indistinguishable from missing
LIST_ALL = ("200+", "200+", "200-")
LIST_MINE = ("200+", "200-", "200-")
LIST_NONE = ("200-", "200-", "200-")  # a role that sees no consents
# a vfx_lead reads only consents a decision of their production relied on (none here; the
# relied-on case is tests/gate/test_faithful_gate.py): as if they did not exist
F404 = ("404", "404", "404")


def _rows(
    admin: tuple[str, ...],
    rep: tuple[str, ...],
    vfx: tuple[str, ...],
    legal: tuple[str, ...],
    auditor: tuple[str, ...] = F403,
) -> dict[str, tuple[str, ...]]:
    return {A: admin, R: rep, V: vfx, L: legal, AU: auditor}


def _sub(triple: tuple[str, ...], ok: str) -> tuple[str, ...]:
    return tuple(ok if code == "200" else code for code in triple)


# route -> expected answer per role, as (own, other, missing)
TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    # --- API: performers
    "GET /api/v1/performers?q={name}": _rows(LIST_ALL, LIST_MINE, LIST_ALL, LIST_ALL),
    "POST /api/v1/performers": _rows(("201",) * 3, ("201",) * 3, F403, F403),
    "GET /api/v1/performers/{performer}": _rows(READ, MINE, READ, READ),
    "PATCH /api/v1/performers/{performer}": _rows(READ, MINE, F403, F403),
    "POST /api/v1/performers/{performer}/representatives": _rows(
        ("201", "201", "404"), F403, F403, F403
    ),
    # --- API: consents
    "GET /api/v1/consents?performer_id={performer}": _rows(LIST_ALL, LIST_MINE, F403, LIST_ALL),
    "POST /api/v1/consents": _rows(("201", "201", "422"), ("201", "422", "422"), F403, F403),
    "GET /api/v1/consents/{consent}": _rows(READ, MINE, F404, READ),
    "GET /api/v1/consents/{consent}/versions": _rows(READ, MINE, F403, READ),
    "GET /api/v1/consents/{consent}/receipt": _rows(READ, MINE, F403, READ),
    "GET /api/v1/consents/{consent}/evidence": _rows(READ, MINE, F403, READ),
    "POST /api/v1/consents/{consent}/amend": _rows(
        _sub(READ, "201"), _sub(MINE, "201"), F403, F403
    ),
    "POST /api/v1/consents/{consent}/revoke": _rows(READ, MINE, F403, F403),
    "POST /api/v1/consents/{consent}/evidence": _rows(
        _sub(READ, "201"), _sub(MINE, "201"), F403, F403
    ),
    # --- pages
    "GET /performers?q={name}": _rows(LIST_ALL, LIST_MINE, F403, F403),
    "GET /performers/new": _rows(("200",) * 3, ("200",) * 3, F403, F403),
    "POST /performers/new": _rows(("302",) * 3, ("302",) * 3, F403, F403),
    "GET /performers/{performer}": _rows(READ, MINE, F403, F403),
    "GET /performers/{performer}/edit": _rows(READ, MINE, F403, F403),
    "POST /performers/{performer}/edit": _rows(_sub(READ, "302"), _sub(MINE, "302"), F403, F403),
    "GET /performers/{performer}/consents/new": _rows(READ, MINE, F403, F403),
    "POST /performers/{performer}/consents/new": _rows(
        _sub(READ, "302"), _sub(MINE, "302"), F403, F403
    ),
    "GET /consents/{consent}": _rows(READ, MINE, F404, READ),
    "GET /consents/{consent}/amend": _rows(READ, MINE, F403, F403),
    "POST /consents/{consent}/amend": _rows(_sub(READ, "302"), _sub(MINE, "302"), F403, F403),
    "GET /consents/{consent}/revoke": _rows(READ, MINE, F403, F403),
    "POST /consents/{consent}/revoke": _rows(_sub(READ, "302"), _sub(MINE, "302"), F403, F403),
    "POST /consents/{consent}/evidence": _rows(_sub(READ, "302"), _sub(MINE, "302"), F403, F403),
    "GET /consents/{consent}/versions/1/receipt": _rows(READ, MINE, F403, READ),
    "GET /consents/{consent}/versions/1/evidence": _rows(READ, MINE, F403, READ),
    "GET /consents/{consent}/versions/1/receipt/view": _rows(READ, MINE, F403, READ),
    # no decision relied on the targets: who may open the page (the rows: tests/consents/
    # test_rep_work.py)
    "GET /requests/on-my-consents?performer_id={performer}": _rows(
        LIST_NONE, LIST_NONE, F403, F403
    ),
    "GET /consents/expiring?days=30": _rows(LIST_ALL, LIST_MINE, F403, F403),
    # --- reminders: the upcoming expiries each user may see (the targets end in 20 days)
    # (the vfx_lead is a member of the targets' production: both targets are theirs to see)
    "GET /reminders": _rows(LIST_ALL, LIST_MINE, LIST_ALL, LIST_ALL, F403),
    "GET /calendar/{calendar}.ics": _rows(LIST_ALL, LIST_MINE, LIST_ALL, LIST_ALL, LIST_NONE),
}


@dataclass
class Target:
    performer: str
    name: str
    consent: str
    document: bytes
    personal: tuple[str, ...]


@dataclass
class World:
    production: str
    reps: dict[str, User]
    own: Target
    other: Target
    calendar: str = ""  # the caller's private calendar feed token


def _target(rep: User, production: str) -> Target:
    tag = secrets.token_hex(4)
    performer = performer_with_personal_data(
        rep,
        legal_name=f"Legal {tag}",
        professional_name=f"Stage {tag}",
        email=f"p{tag}@example.test",
        phone=f"+1 555 {int(tag, 16) % 10_000_000:07d}",
    )
    document = unique_pdf()
    version = recorded_consent(
        rep,
        performer.id,
        production,
        evidence_sha256=sha256_of(document),
        expires_at=utcnow() + timedelta(days=20),
    )
    evidence.store(
        performer,
        Upload(document, "application/pdf", sha256_of(document), "s.pdf"),
        actor_id=None,
    )
    db.session.commit()
    personal = (f"Legal {tag}", f"p{tag}@example.test", str(performer.id) + "-never")
    phone = f"+1 555 {int(tag, 16) % 10_000_000:07d}"
    return Target(
        performer.id,
        performer.professional_name,
        version.consent_id,
        document,
        (*personal[:2], phone),
    )


def _world(reps: dict[str, User]) -> World:
    production = make_production().id
    return World(production, reps, _target(reps["a"], production), _target(reps["b"], production))


MISSING = Target(
    "prf_missing0000000000000000000", "Nobody At All", "cns_missing0000000000000000000", b"", ()
)


def _page_consent_form(client: FlaskClient, production: str, document: bytes) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(client),
        "production_id": production,
        "purposes": ["digital_replica"],
        "media": ["likeness"],
        "description": "Replica of the face for the stunt double shots in block 2",
        "guild_compliant": "y",
        "signed_by": "performer",
        "signed_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "expires_at": (utcnow() + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M"),
        "evidence": (io.BytesIO(document), "signed.pdf"),
    }


def _call(route: str, client: FlaskClient, token: str, world: World, target: Target) -> Any:
    method, template = route.split(" ", 1)
    path = template.format(
        performer=target.performer,
        consent=target.consent,
        name=target.name.replace(" ", "+"),
        calendar=world.calendar,
    )
    api = path.startswith("/api/")
    kwargs: dict[str, Any] = {"headers": bearer(token)} if api else {}
    if method in ("POST", "PATCH"):
        if api:
            if route.endswith("/evidence"):
                kwargs["data"] = {"file": (io.BytesIO(target.document or b"%PDF-1.4"), "s.pdf")}
            else:
                kwargs["json"] = _api_body(route, world, target)
        else:
            kwargs["data"] = _page_body(route, client, world, target)
            kwargs["content_type"] = "multipart/form-data"
    return client.open(path, method=method, **kwargs)


def _api_body(route: str, world: World, target: Target) -> dict[str, Any]:
    if route == "POST /api/v1/performers":
        return {"legal_name": "New Person", "professional_name": f"New {secrets.token_hex(3)}"}
    if route.startswith("PATCH"):
        return {"guild": "Equity"}
    if route.endswith("/representatives"):
        return {"user_id": world.reps["c"].id}
    if route == "POST /api/v1/consents":
        return consent_body(target.performer, world.production)
    if route.endswith("/amend"):
        return {"evidence_sha256": sha256_of(unique_pdf()), "signed_at": iso()}
    if route.endswith("/revoke"):
        return {"reason": "Withdrawn in writing."}
    raise AssertionError(route)


def _page_body(route: str, client: FlaskClient, world: World, target: Target) -> dict[str, Any]:
    if route == "POST /performers/new":
        return {
            "csrf_token": csrf_token(client),
            "legal_name": "Page Person",
            "professional_name": "Page Stage",
        }
    if route.endswith("/consents/new"):
        return _page_consent_form(client, world.production, unique_pdf())
    if route.endswith("/amend"):
        return {
            **_page_consent_form(client, world.production, unique_pdf()),
            "effective_choice": "keep",
        }
    if route.endswith("/edit"):
        return {
            "csrf_token": csrf_token(client),
            "professional_name": f"Renamed {secrets.token_hex(3)}",
            "legal_name": "Corrected Legal Name",
        }
    if route.endswith("/revoke"):
        return {
            "csrf_token": csrf_token(client),
            "reason": "Withdrawn in writing.",
            "confirm": "yes",
        }
    if route.endswith("/evidence"):
        return {
            "csrf_token": csrf_token(client),
            "evidence": (io.BytesIO(target.document or b"%PDF-1.4"), "s.pdf"),
        }
    raise AssertionError(route)


LISTS = ("?q=", "?performer_id=", "expiring", "/reminders", ".ics")


def _outcome(route: str, response: Any, target: Target) -> str:
    code = str(response.status_code)
    if code == "200" and any(marker in route for marker in LISTS):
        text = response.get_data(as_text=True)
        by_consent = ("consent", "expiring", ".ics")
        marker = target.consent if any(m in route for m in by_consent) else target.performer
        if route == "GET /reminders":  # names the performer, by professional name
            marker = target.name
        return "200+" if marker in text else "200-"
    return code


@pytest.mark.parametrize("role", ROLES)
def test_access_table(ctx: Flask, app: Flask, role: str) -> None:
    reps = {k: make_user(R)[0] for k in ("a", "b", "c")}
    if role == R:
        caller, token = reps["a"], ""
        from registry.accounts import services as accounts

        token = accounts.issue_token(caller, actor_id=None)
        db.session.commit()
    else:
        caller, token = make_user(role)
    client = app.test_client()
    login(client, caller)
    shared = _world(reps)
    shared.calendar = reminders.new_calendar_token(caller)
    if role == V:  # a vfx_lead sees the consents of the productions they work on
        production = db.session.get(Production, shared.production)
        assert production is not None
        productions.add_member(production, caller.id, actor_id=None)
    db.session.commit()
    failures: list[str] = []
    calls = compared = 0
    for route, expected in TABLE.items():
        mutating = not route.startswith("GET")
        refusals: dict[str, str] = {}
        for relation, want in zip(RELATIONS, expected[role], strict=True):
            world = _world(reps) if mutating and relation != "missing" else shared
            target = {"own": world.own, "other": world.other, "missing": MISSING}[relation]
            response = _call(route, client, token, world, target)
            got = _outcome(route, response, target)
            calls += 1
            if got != want:
                failures.append(f"{role:<10} {route:<55} {relation:<7} expected {want}, got {got}")
            if response.status_code >= 400:
                refusals[relation] = _refusal(response, target)
            _check_no_personal_leak(role, relation, route, response, world)
            db.session.rollback()
        # Another rep's object is refused in the very words used for one that does not exist.
        if expected[role][1] == expected[role][2] and "other" in refusals:
            compared += 1
            if refusals["other"] != refusals.get("missing"):
                failures.append(f"{role:<10} {route:<55} other and missing answer differently")
    assert calls == len(TABLE) * 3
    assert compared >= {A: 0, R: 20}.get(role, 1)  # admin reads everything: nothing to compare
    assert not failures, "\n" + "\n".join(failures)


def _refusal(response: Any, target: Target) -> str:
    """A refusal's body without what differs by design: the ids asked for, CSRF tokens."""
    text = str(response.get_data(as_text=True))
    for value in (target.performer, target.consent):
        text = text.replace(value, "ID")
    return re.sub(r'(csrf[-_]token"? (?:value|content)=)"[^"]*"', r"\1", text)


def _check_no_personal_leak(
    role: str, relation: str, route: str, response: Any, world: World
) -> None:
    """Personal fields reach only admins and the performer's own representative."""
    if response.status_code >= 300 and response.status_code < 400:
        return
    data = response.get_data()
    for which, target in (("own", world.own), ("other", world.other)):
        allowed = role == A or (role == R and which == "own")
        if allowed:
            continue
        for secret in target.personal:
            assert secret.encode() not in data, (
                f"{role} {route} ({relation}) leaked a personal field"
            )
        # The signed document goes to those who may read the consent: admin, its rep, legal.
        if not (role == "legal" and route.endswith("/evidence")):
            assert target.document not in data, f"{role} {route} ({relation}) leaked the document"


def test_fields_a_caller_may_not_set_are_refused(ctx: Flask, client: FlaskClient) -> None:
    rep, token = make_user(R)
    production = make_production().id
    performer = performer_with_personal_data(rep)
    consent = recorded_consent(rep, performer.id, production)
    cases: list[tuple[str, str, dict[str, Any], set[str]]] = [
        (
            "POST",
            "/api/v1/performers",
            {
                "legal_name": "X",
                "professional_name": "Y",
                "id": "prf_mine",
                "data_key_id": "dk",
                "erased_at": iso(),
                "created_by": rep.id,
            },
            {"id", "data_key_id", "erased_at", "created_by"},
        ),
        (
            "PATCH",
            f"/api/v1/performers/{performer.id}",
            {"representatives": [], "erased": True, "legal_name_ct": "x"},
            {"representatives", "erased", "legal_name_ct"},
        ),
        (
            "POST",
            "/api/v1/consents",
            {
                **consent_body(performer.id, production),
                "id": "cns_x",
                "version": 3,
                "status": "active",
                "receipt": "x",
                "revoked_at": None,
            },
            {"id", "version", "status", "receipt", "revoked_at"},
        ),
        (
            "POST",
            f"/api/v1/consents/{consent.consent_id}/amend",
            {
                "evidence_sha256": sha256_of(b"a"),
                "signed_at": iso(),
                "performer_id": "prf_x",
                "production_id": "prd_x",
                "superseded_at": iso(),
            },
            {"performer_id", "production_id", "superseded_at"},
        ),
        (
            "POST",
            f"/api/v1/consents/{consent.consent_id}/revoke",
            {"reason": "x", "revoked_at": iso()},
            {"revoked_at"},
        ),
    ]
    for method, path, body, fields in cases:
        response = client.open(path, method=method, json=body, headers=bearer(token))
        assert response.status_code == 422, (path, response.json)
        assert response.json is not None
        assert fields <= set(response.json["errors"]), (path, response.json["errors"])
    assert db.session.get(Performer, "prf_mine") is None
    current = client.get(f"/api/v1/consents/{consent.consent_id}", headers=bearer(token)).json
    assert current is not None and current["version"] == 1 and current["status"] == "active"
