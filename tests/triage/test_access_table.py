"""Access control for triage, as a table: role x route x relation -> answer, for every route
of tools, pipelines, declarations, assets, the final-cut check and legal's refusals of use
requests (API and pages).

Relations: ``mine`` (an object of a production the caller works on: a vfx_lead is a member,
other roles see every production), ``theirs`` (an object of a production the caller is not a
member of) and ``missing`` (ids that do not exist). A vfx_lead gets 404 for another
production's objects, in the very words used for missing ones; the auditor sees the audit
trail only (403 here). Tools and pipelines belong to no production: ``mine`` and ``theirs``
are the same object.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.extensions import db
from registry.productions import services as productions
from registry.productions.models import Production
from tests.factories import (
    api_user,
    bearer,
    csrf_token,
    login,
    make_production,
    make_user,
    sha,
    stored_consent,
    stored_performer,
    unique_pdf,
)
from tests.triage.world import PUBLIC_TERMS, SECURE_TERMS, YES

A, R, V, L, AU = "admin", "talent_rep", "vfx_lead", "legal", "auditor"
ROLES = (A, R, V, L, AU)
RELATIONS = ("mine", "theirs", "missing")

F403 = ("403", "403", "403")
ANY = ("200", "200", "404")  # any object, whatever its production
OWN = ("200", "404", "404")  # only the caller's productions; others as if missing
LIST_ALL = ("200+", "200+", "200-")
LIST_OWN = ("200+", "200-", "200-")


def _s(triple: tuple[str, ...], ok: str) -> tuple[str, ...]:
    return tuple(ok if code == "200" else code for code in triple)


def _rows(
    admin: tuple[str, ...],
    rep: tuple[str, ...],
    vfx: tuple[str, ...],
    legal: tuple[str, ...],
    auditor: tuple[str, ...] = F403,
) -> dict[str, tuple[str, ...]]:
    return {A: admin, R: rep, V: vfx, L: legal, AU: auditor}


TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    # --- API: tools and pipelines
    "GET /api/v1/tools?per_page=100": _rows(LIST_ALL, LIST_ALL, LIST_ALL, LIST_ALL),
    "POST /api/v1/tools": _rows(("201",) * 3, F403, F403, ("201",) * 3),
    "GET /api/v1/tools/{tool}": _rows(ANY, ANY, ANY, ANY),
    "PATCH /api/v1/tools/{tool}": _rows(ANY, F403, F403, ANY),
    "POST /api/v1/pipelines": _rows(
        ("201", "201", "422"), F403, ("201", "201", "422"), ("201", "201", "422")
    ),
    "GET /api/v1/pipelines/{pipeline}": _rows(ANY, ANY, ANY, ANY),
    # --- API: declarations
    "GET /api/v1/declarations?per_page=100": _rows(LIST_ALL, F403, LIST_OWN, LIST_ALL),
    "POST /api/v1/declarations": _rows(_s(ANY, "201"), F403, _s(OWN, "201"), F403),
    "GET /api/v1/declarations/{declaration}": _rows(ANY, F403, OWN, ANY),
    "GET /api/v1/declarations/{declaration}/triages": _rows(ANY, F403, OWN, ANY),
    "POST /api/v1/declarations/{declaration}/amend": _rows(
        _s(ANY, "201"), F403, _s(OWN, "201"), F403
    ),
    "POST /api/v1/declarations/{declaration}/approvals": _rows(
        _s(ANY, "201"), F403, F403, _s(ANY, "201")
    ),
    "POST /api/v1/declarations/{declaration}/refusals": _rows(
        _s(ANY, "201"), F403, F403, _s(ANY, "201")
    ),
    "GET /api/v1/declarations/{declaration}/assets": _rows(ANY, F403, OWN, ANY),
    "POST /api/v1/declarations/{declaration}/assets": _rows(
        _s(ANY, "201"), F403, _s(OWN, "201"), F403
    ),
    "POST /api/v1/productions/{production}/deliverables/check": _rows(ANY, F403, OWN, ANY),
    "POST /api/v1/requests/{request}/refusals": _rows(_s(ANY, "201"), F403, F403, _s(ANY, "201")),
    # --- pages
    "GET /declarations/?production_id={production}": _rows(LIST_ALL, F403, LIST_OWN, LIST_ALL),
    "GET /declarations/new": _rows(("200",) * 3, F403, ("200",) * 3, F403),
    "POST /declarations/new": _rows(("302", "302", "422"), F403, ("302", "422", "422"), F403),
    "GET /declarations/{declaration}": _rows(ANY, F403, OWN, ANY),
    "GET /declarations/{declaration}/amend": _rows(ANY, F403, OWN, F403),
    "POST /declarations/{declaration}/approve": _rows(_s(ANY, "302"), F403, F403, _s(ANY, "302")),
    # refusing: the reason, then the shared confirmation page (200), then the confirmed POST
    "GET /declarations/{declaration}/refuse": _rows(ANY, F403, F403, ANY),
    "POST /declarations/{declaration}/refuse": _rows(ANY, F403, F403, ANY),
    "GET /declarations/{declaration}/approve": _rows(ANY, F403, F403, ANY),
    "POST /declarations/{declaration}/questions": _rows(_s(ANY, "302"), F403, F403, _s(ANY, "302")),
    # only the declarer answers (the targets are declared by another admin)
    "POST /declarations/{declaration}/answers": _rows(
        ("403", "403", "404"), F403, ("403", "404", "404"), ("403", "403", "404")
    ),
    "POST /declarations/{declaration}/assets": _rows(_s(ANY, "302"), F403, _s(OWN, "302"), F403),
    "GET /declarations/{declaration}/triages/{triage}/receipt.jws": _rows(ANY, F403, OWN, ANY),
    "GET /tools/": _rows(("200",) * 3, ("200",) * 3, ("200",) * 3, ("200",) * 3),
    "GET /tools/new": _rows(("200",) * 3, F403, F403, ("200",) * 3),
    "GET /tools/{tool}": _rows(ANY, ANY, ANY, ANY),
    "GET /pipelines/new": _rows(("200",) * 3, F403, ("200",) * 3, ("200",) * 3),
    "GET /pipelines/{pipeline}": _rows(ANY, ANY, ANY, ANY),
    "GET /productions/{production}/final-cut": _rows(ANY, F403, OWN, ANY),
    "POST /productions/{production}/final-cut": _rows(ANY, F403, OWN, ANY),
    "GET /approvals/{request}/decline": _rows(ANY, F403, F403, ANY),
    "POST /approvals/{request}/decline": _rows(ANY, F403, F403, ANY),  # the confirmation page
    "GET /approvals/{request}/approve": _rows(ANY, F403, F403, ANY),
    "POST /approvals/{request}/approve": _rows(_s(ANY, "302"), F403, F403, _s(ANY, "302")),
    "POST /requests/{request}/questions": _rows(_s(ANY, "302"), F403, F403, _s(ANY, "302")),
    # only the requester answers (the targets are asked by another admin)
    "POST /requests/{request}/answers": _rows(
        ("403", "403", "404"), F403, ("403", "404", "404"), ("403", "403", "404")
    ),
}
# A page form naming a production the caller may not see (or none that exists) is answered
# with the form again and its error (422), as any bad field on a page is.


@dataclass
class Target:
    production: str
    declaration: str
    triage: str
    request: str
    tool: str
    pipeline: str


MISSING = Target(
    "prd_missing", "gdl_missing", "tri_missing", "req_missing", "tool_missing", "pipe_missing"
)


@dataclass
class Setup:
    legal_token: str
    lead_token: str
    admin_token: str
    client: FlaskClient


def _target(s: Setup, production_id: str) -> Target:
    """An escalated declaration and an escalated use request in the production, a tool, a
    pipeline (made by admin and legal, who see every production)."""
    api = s.client

    def post(path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        answer = api.post(path, json=body, headers=bearer(token))
        assert answer.status_code == 201, (path, answer.json)
        return dict(answer.json or {})

    tool = post("/api/v1/tools", {"name": "T", "vendor": "V", **SECURE_TERMS}, s.legal_token)
    pipeline = post(
        "/api/v1/pipelines",
        {"name": "P", "vendor": "V", "stages": [{"tool_id": tool["id"], "does": "x"}]},
        s.legal_token,
    )
    decl = post(
        "/api/v1/declarations",
        {"production_id": production_id, "title": "Doll two", "description": "key visual",
         "category": "key_creative", "output": "final", "tool_ids": [tool["id"]],
         "principles": YES},
        s.admin_token,
    )  # fmt: skip
    performer = stored_performer()
    production = db.session.get(Production, production_id)
    assert production is not None
    stored_consent(performer, production, ["digital_replica"])
    request = post(
        "/api/v1/requests",
        {"kind": "replica.create", "performer_id": performer.id, "production_id": production_id,
         "media": ["likeness"], "description": "scene 4"},
        s.admin_token,
    )  # fmt: skip
    return Target(
        production_id,
        decl["id"],
        decl["triage"]["id"],
        request["id"],
        tool["id"],
        pipeline["id"],
    )


def _api_body(route: str, t: Target) -> dict[str, Any]:
    if route == "POST /api/v1/tools":
        return {"name": "New", "vendor": "V", **PUBLIC_TERMS}
    if route.startswith("PATCH /api/v1/tools"):
        return {"terms_note": "re-read"}
    if route == "POST /api/v1/pipelines":
        return {"name": "Q", "vendor": "V", "stages": [{"tool_id": t.tool, "does": "x"}]}
    if route == "POST /api/v1/declarations":
        return {"production_id": t.production, "title": "x", "description": "x",
                "category": "ideation", "output": "temporary", "tool_ids": [t.tool]}  # fmt: skip
    if route.endswith("/amend"):
        return {"description": "amended"}
    if route.endswith("/approvals"):
        return {"note": "ok", "evidence_sha256": sha("approval")}
    if route.endswith("/refusals"):
        return {"reason": "no"}
    if route.endswith("/assets"):
        return {"name": "a.png", "sha256": sha(), "media_type": "image/png", "output": "final"}
    if route.endswith("/deliverables/check"):
        return {"files": [{"name": "a.png", "sha256": sha()}]}
    raise AssertionError(route)


def _page_body(route: str, client: FlaskClient, t: Target) -> dict[str, Any]:
    token = csrf_token(client, "/tools/")
    if route == "POST /declarations/new":
        return {"csrf_token": token, "production_id": t.production, "title": "x",
                "description": "x", "category": "ideation", "output": "temporary",
                "tool_ids": [t.tool], **dict.fromkeys(YES, "yes")}  # fmt: skip
    if route.endswith("/approve"):
        return {"csrf_token": token, "triage_id": t.triage, "note": "ok",
                "document": (io.BytesIO(unique_pdf()), "approval.pdf")}  # fmt: skip
    if route.endswith("/refuse") or route.endswith("/decline"):
        return {"csrf_token": token, "reason": "no"}
    if route.endswith("/questions") or route.endswith("/answers"):
        return {"csrf_token": token, "body": "Which takes does it replace?"}
    if route.endswith("/assets"):
        return {"csrf_token": token, "name": "a.png", "sha256": sha(), "media_type": "image/png",
                "output": "final"}  # fmt: skip
    if route.endswith("/final-cut"):
        return {"csrf_token": token, "hashes": sha()}
    raise AssertionError(route)


def _call(route: str, client: FlaskClient, token: str, t: Target) -> Any:
    method, template = route.split(" ", 1)
    path = template.format(**vars(t))
    api = path.startswith("/api/")
    kwargs: dict[str, Any] = {"headers": bearer(token)} if api else {}
    if method in ("POST", "PATCH"):
        if api:
            kwargs["json"] = _api_body(route, t)
        else:
            kwargs["data"] = _page_body(route, client, t)
            kwargs["content_type"] = "multipart/form-data"
    return client.open(path, method=method, **kwargs)


def _outcome(route: str, response: Any, t: Target) -> str:
    code = str(response.status_code)
    if code == "200" and ("per_page" in route or "?production_id" in route):
        text = response.get_data(as_text=True)
        marker = t.tool if "/tools" in route else t.declaration
        return "200+" if marker in text else "200-"
    return code


@pytest.mark.parametrize("role", ROLES)
def test_access_table(ctx: Flask, app: Flask, role: str) -> None:
    _, legal_token = api_user(L)
    _, admin_token = api_user(A)
    caller, token = make_user(role)
    setup = Setup(legal_token, "", admin_token, app.test_client())
    mine_production = make_production()
    theirs_production = make_production()
    if role == V:
        productions.add_member(mine_production, caller.id, actor_id=None)
        db.session.commit()
    client = app.test_client()
    login(client, caller)
    shared = {
        "mine": _target(setup, mine_production.id),
        "theirs": _target(setup, theirs_production.id),
        "missing": MISSING,
    }
    failures: list[str] = []
    compared = 0
    for route, expected in TABLE.items():
        mutating = not route.startswith("GET")
        refusals: dict[str, str] = {}
        for relation, want in zip(RELATIONS, expected[role], strict=True):
            target = shared[relation]
            if mutating and relation != "missing":
                production = mine_production if relation == "mine" else theirs_production
                target = _target(setup, production.id)
            response = _call(route, client, token, target)
            got = _outcome(route, response, target)
            if got != want:
                failures.append(f"{role:<10} {route:<62} {relation:<7} expected {want}, got {got}")
            if response.status_code == 404:
                refusals[relation] = _refusal(response, target)
        if "theirs" in refusals and "missing" in refusals:
            compared += 1
            if refusals["theirs"] != refusals["missing"]:
                failures.append(f"{role:<10} {route:<62} theirs and missing answer differently")
    assert compared >= (12 if role == V else 0)
    assert not failures, "\n" + "\n".join(failures)


def _refusal(response: Any, t: Target) -> str:
    text = str(response.get_data(as_text=True))
    for value in vars(t).values():
        text = text.replace(value, "ID")
    return re.sub(r'(csrf[-_]token"? (?:value|content)=)"[^"]*"', r"\1", text)
