"""Triage's world: the gate's world (a production with its people) plus legal as the
production's studio contact, two reviewed tools and what only the API makes (declarations,
pipelines, assets)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.productions import services as productions
from registry.triage.models import (
    Declaration,
    DeclarationTool,
    DeclarationVersion,
    GeneratedAsset,
    TriageRecord,
)
from tests.factories import World, bearer, sha

YES = {p: "yes" for p in ("p1", "p2", "p3", "p4", "p5")}
SECURE_TERMS = {"stores_inputs": "no", "trains_on_inputs": "no", "enterprise_agreement": "yes"}
PUBLIC_TERMS = {"stores_inputs": "yes", "trains_on_inputs": "yes", "enterprise_agreement": "no"}


class TriageWorld(World):
    def __init__(self, client: FlaskClient) -> None:
        super().__init__(client)
        productions.add_member(self.production, self.legal.id, actor_id=None)
        db.session.commit()
        self.secure = self.tool("StudioGen Enterprise", **SECURE_TERMS)
        self.public = self.tool("PublicChat", **PUBLIC_TERMS)

    def patch(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        return self.client.patch(path, json=body, headers=bearer(token or self.legal_token))

    def tool(self, name: str, **terms: str) -> dict[str, Any]:
        answer = self.post(
            "/api/v1/tools", {"name": name, "vendor": "Vendor", **terms}, self.legal_token
        )
        assert answer.status_code == 201, answer.json
        return dict(answer.json)

    def declare(self, token: str | None = None, **body: Any) -> Any:
        """POST /api/v1/declarations with defaults: this world's production, the secure tool,
        every principle yes, temporary ideation."""
        body.setdefault("production_id", self.production.id)
        body.setdefault("title", "Moodboards for the market")
        body.setdefault("description", "Reference images for the art department")
        body.setdefault("category", "ideation")
        body.setdefault("output", "temporary")
        if "pipeline_id" not in body:
            body.setdefault("tool_ids", [self.secure["id"]])
        body.setdefault("principles", YES)
        return self.post("/api/v1/declarations", body, token)

    def declared(self, **body: Any) -> dict[str, Any]:
        answer = self.declare(**body)
        assert answer.status_code == 201, answer.json
        return dict(answer.json)

    def approve(self, declaration_id: str, token: str | None = None, **body: Any) -> Any:
        body.setdefault("note", "Rights cleared; approved for the final cut")
        body.setdefault("evidence_sha256", sha("signed approval"))
        return self.post(
            f"/api/v1/declarations/{declaration_id}/approvals", body, token or self.legal_token
        )

    def asset(self, declaration_id: str, sha256: str, output: str = "final") -> Any:
        return self.post(
            f"/api/v1/declarations/{declaration_id}/assets",
            {
                "name": f"{sha256[:6]}.png",
                "sha256": sha256,
                "media_type": "image/png",
                "output": output,
            },
        )

    def check(
        self, files: list[tuple[str, str]], token: str | None = None, production: Any = None
    ) -> Any:
        return self.post(
            f"/api/v1/productions/{(production or self.production).id}/deliverables/check",
            {"files": [{"name": n, "sha256": s} for n, s in files]},
            token,
        )


TABLES = (Declaration, DeclarationVersion, DeclarationTool, TriageRecord, GeneratedAsset)


def counts() -> dict[str, int]:
    """Rows of every table a declaration writes, and the audit trail's length."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (*TABLES, AuditEvent)
    }
