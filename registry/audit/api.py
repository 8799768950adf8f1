"""JSON endpoints for auditors: the events, the verification of both chains, and the records
checks (started here, run by the scheduler)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import select

from registry.appctx import signing_keys
from registry.audit import checks
from registry.audit.models import AuditEvent
from registry.audit.schemas import AuditEventPageSchema, RecordCheckSchema, VerificationSchema
from registry.audit.services import verify, verify_states
from registry.core.errors import NotFound
from registry.extensions import db
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema, paginate

blp = ApiBlueprint(
    "audit_api", __name__, url_prefix="/api/v1/audit", description="The tamper-evident audit trail"
)
blp.before_request(authenticate_api)
READERS = ("auditor", "admin")


class EventFilterSchema(PaginationSchema):
    subject_id = fields.String()
    action = fields.String()


@blp.route("/verify")
class Verify(MethodView):
    @blp.doc(operationId="verifyAuditTrail")
    @roles_required(*READERS)
    @blp.response(200, VerificationSchema)
    def get(self) -> Any:
        """Walk both chains (events, state events); ``chain`` and ``first_bad`` name the first
        altered, missing or moved one. Every record against its latest state event takes
        longer: ``POST /audit/record-checks``."""
        signing = signing_keys()
        events = verify(db.session, signing=signing)
        states = verify_states(db.session, signing=signing)
        out: dict[str, Any] = {
            "ok": events.ok and states.ok,
            "events": events.events,
            "state_events": states.events,
        }
        bad, chain = (events, "events") if not events.ok else (states, "states")
        if not bad.ok:
            out.update(chain=chain, first_bad=bad.first_bad, problem=bad.problem)
        return out


@blp.route("/record-checks")
class RecordChecks(MethodView):
    @blp.doc(operationId="requestRecordCheck")
    @roles_required(*READERS)
    @blp.response(202, RecordCheckSchema)
    def post(self) -> Any:
        """Ask the scheduler to check every record against its latest state event (the check
        already asked for or running, if there is one). Read the result at
        ``/audit/record-checks/latest``."""
        with unit_of_work():
            check, _new = checks.request_check(actor().id)
            return checks.present(check)


@blp.route("/record-checks/latest")
class LatestRecordCheck(MethodView):
    @blp.doc(operationId="getLatestRecordCheck")
    @roles_required(*READERS)
    @blp.response(200, RecordCheckSchema)
    def get(self) -> Any:
        """The latest records check asked for, with its result once the scheduler ran it."""
        check = checks.latest_check()
        if check is None:
            raise NotFound("No records check has been asked for yet.")
        return checks.present(check)


@blp.route("/record-checks/<check_id>")
class RecordCheck(MethodView):
    @blp.doc(operationId="getRecordCheck")
    @roles_required(*READERS)
    @blp.response(200, RecordCheckSchema)
    def get(self, check_id: str) -> Any:
        """A records check, with its result once the scheduler ran it."""
        return checks.present(checks.get_check(check_id))


@blp.route("/events")
class Events(MethodView):
    @blp.doc(operationId="listAuditEvents")
    @roles_required(*READERS)
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
