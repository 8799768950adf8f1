"""The gate's world: a production with its people, and what can only be made through the API
(a registered replica, an enhancement model)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from registry.performers.models import Performer
from registry.productions.models import Production
from tests.factories.accounts import api_user
from tests.factories.documents import sha
from tests.factories.productions import make_production
from tests.factories.web import bearer
from tests.gate.naming import assert_named, assert_texts_named


class World:
    """A production with a member vfx_lead, legal, admin and an outsider vfx_lead.

    ``check_names``: every decision read through ``ask`` or ``get`` is checked to name things
    as people know them (``tests.gate.naming``)."""

    check_names = False

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.vfx, self.vfx_token = api_user("vfx_lead")
        self.outsider, self.outsider_token = api_user("vfx_lead")
        self.legal, self.legal_token = api_user("legal")
        self.admin, self.admin_token = api_user("admin")
        self.production = make_production(members=(self.vfx,))
        self.other = make_production(members=(self.vfx, self.outsider))
        self.pitch = make_production(kind="pitch", members=(self.vfx,))

    def post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        answer = self.client.post(path, json=body, headers=bearer(token or self.vfx_token))
        self._check(answer)
        return answer

    def get(self, path: str, token: str | None = None) -> Any:
        answer = self.client.get(path, headers=bearer(token or self.vfx_token))
        self._check(answer)
        return answer

    def _check(self, answer: Any) -> None:
        """With ``check_names``: a decision answered, or a refusal's message and errors, name
        things as people know them."""
        body = answer.json if answer.is_json else None
        if not self.check_names or not isinstance(body, dict):
            return
        if "decision" in body:
            assert_named(body["decision"])
        if answer.status_code == 409:
            assert_texts_named([str(body.get("message", "")), str(body.get("errors") or "")])

    def ask(self, token: str | None = None, **body: Any) -> Any:
        """POST /api/v1/requests with defaults for this world's production."""
        body.setdefault("production_id", self.production.id)
        body.setdefault("media", ["likeness"])
        body.setdefault("description", "Scene 12: harbour stunt, wide shot")
        return self.post("/api/v1/requests", body, token)

    def label(self, production: Production) -> str:
        """A production as decisions name it."""
        return f"{production.code} ({production.title})"


def replica_via_api(world: World, performer: Performer, media: list[str] | None = None) -> str:
    """A registered replica, made the only way there is: replica.create, approval, register."""
    media = media or ["likeness"]
    asked = world.ask(kind="replica.create", performer_id=performer.id, media=media)
    assert asked.status_code == 201, asked.json
    assert asked.json["decision"]["outcome"] == "escalate", asked.json
    approved = world.post(
        f"/api/v1/requests/{asked.json['id']}/approvals",
        {"note": "Signed replica rider on file", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert approved.status_code == 201, approved.json
    made = world.post("/api/v1/replicas", {"request_id": asked.json["id"]})
    assert made.status_code == 201, made.json
    return str(made.json["id"])


def model_via_api(
    world: World,
    performers: list[Performer],
    *,
    sources: list[dict[str, str]] | None = None,
    production: Production | None = None,
) -> dict[str, Any]:
    body = {
        "name": "Harbour de-ageing model",
        "production_id": (production or world.production).id,
        "performer_ids": [p.id for p in performers],
        "training_sources": sources or [{"description": "dailies, own", "clearance": "owned"}],
        "scope": "De-ageing of the lead in flashback scenes 3-9",
        "fingerprint_sha256": sha(),
        "vendor": "Pixel Yard",
    }
    made = world.post("/api/v1/models", body)
    assert made.status_code == 201, made.json
    return dict(made.json)
