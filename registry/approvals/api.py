"""JSON endpoints for written approvals of escalated requests (legal)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.approvals import services
from registry.approvals.models import Approval
from registry.approvals.schemas import (
    ApprovalInSchema,
    ApprovalPageSchema,
    ApprovedRequestSchema,
)
from registry.core.clock import utcnow
from registry.gate.use_requests import services as requests
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema, paginate

APPROVAL_FIELDS = (
    "id",
    "request_id",
    "decision_id",
    "note",
    "evidence_sha256",
    "clears_sources",
    "confirms_estate",
    "approved_by",
    "created_at",
)


def vars_of(approval: Approval) -> dict[str, Any]:
    """The approval's fields, read before the commit expires them."""
    return {name: getattr(approval, name) for name in APPROVAL_FIELDS}


blp = ApiBlueprint(
    "approvals_api",
    __name__,
    url_prefix="/api/v1/requests",
    description="Written approvals of escalated requests",
)
blp.before_request(authenticate_api)


@blp.route("/<request_id>/approvals")
class Approvals(MethodView):
    @roles_required(*requests.READERS)
    @blp.arguments(PaginationSchema, location="query")
    @blp.response(200, ApprovalPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any], request_id: str) -> Any:
        """The written approvals recorded on the request."""
        req = requests.visible_request(actor(), request_id)
        return paginate(services.approvals_query(req), args["page"], args["per_page"])

    @roles_required(*services.APPROVERS)
    @blp.arguments(ApprovalInSchema)
    @blp.response(201, ApprovedRequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], request_id: str) -> Any:
        """Approve the current escalate decision in writing; the request is decided again.

        409 when the decision is a deny (R14: the error names what is missing), already an
        allow, no longer valid, or was approved meanwhile."""
        now = utcnow()
        req, approval, decided = services.approve(request_id, data, user=actor(), now=now)
        body = {**requests.present_made(req, decided), "approval": vars_of(approval)}
        return body
