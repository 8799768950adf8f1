"""JSON endpoints for auditors: the events and the verification of the chain."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import select

from registry.appctx import signing_keys
from registry.audit.models import AuditEvent
from registry.audit.schemas import AuditEventPageSchema, VerificationSchema
from registry.audit.services import verify
from registry.extensions import db
from registry.web.auth import authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema, paginate

blp = ApiBlueprint(
    "audit_api", __name__, url_prefix="/api/v1/audit", description="The tamper-evident audit trail"
)
blp.before_request(authenticate_api)


class EventFilterSchema(PaginationSchema):
    subject_id = fields.String()
    action = fields.String()


@blp.route("/verify")
class Verify(MethodView):
    @roles_required("auditor", "admin")
    @blp.response(200, VerificationSchema)
    def get(self) -> Any:
        """Walk the whole chain; ``first_bad`` names the first altered, missing or moved event."""
        return verify(db.session, signing=signing_keys()).as_dict()


@blp.route("/events")
class Events(MethodView):
    @roles_required("auditor", "admin")
    @blp.arguments(EventFilterSchema, location="query")
    @blp.response(200, AuditEventPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Events, newest first."""
        stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
        if args.get("subject_id"):
            stmt = stmt.where(AuditEvent.subject_id == args["subject_id"])
        if args.get("action"):
            stmt = stmt.where(AuditEvent.action == args["action"])
        return paginate(stmt, args["page"], args["per_page"])
