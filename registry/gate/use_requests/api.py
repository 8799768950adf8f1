"""JSON endpoints for use requests: submit (decided at once), read, history, re-evaluate, and
legal's written approvals and refusals of escalated requests."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.approvals.models import Approval
from registry.approvals.schemas import ApprovalInSchema, ApprovalPageSchema, RefusalInSchema
from registry.core.clock import utcnow
from registry.gate.use_requests import approvals, services
from registry.gate.use_requests.schemas import (
    ApprovedRequestSchema,
    DecisionPageSchema,
    RequestFilterSchema,
    RequestInSchema,
    RequestPageSchema,
    RequestSchema,
)
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema, paginate

blp = ApiBlueprint(
    "requests_api",
    __name__,
    url_prefix="/api/v1/requests",
    description="Use requests: ask before replicating, altering or re-using a performer",
)
blp.before_request(authenticate_api)


@blp.route("")
class Requests(MethodView):
    @blp.doc(operationId="listUseRequests")
    @roles_required(*services.READERS)
    @blp.arguments(RequestFilterSchema, location="query")
    @blp.response(200, RequestPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Requests the caller may see, newest first, each with its current decision."""
        now = utcnow()
        page = paginate(services.requests_query(actor(), args, now), args["page"], args["per_page"])
        page.items = services.present_requests(page.items, now)
        return page

    @blp.doc(operationId="askUseRequest")
    @roles_required(*services.REQUESTERS)
    @blp.arguments(RequestInSchema())  # an instance: webargs would build one per call from a class
    @blp.response(201, RequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Ask "may I use this?": the request is stored and decided at once (a deny is 201 too)."""
        now = utcnow()
        body = services.present_made(*services.submit_request(data, user=actor(), now=now))
        return body


@blp.route("/<request_id>")
class RequestItem(MethodView):
    @blp.doc(operationId="getUseRequest")
    @roles_required(*services.READERS)
    @blp.response(200, RequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, request_id: str) -> Any:
        """The request with its current decision."""
        req = services.visible_request(actor(), request_id)
        return services.present_requests([req], utcnow())[0]


@blp.route("/<request_id>/decisions")
class RequestDecisions(MethodView):
    @blp.doc(operationId="listDecisions")
    @roles_required(*services.READERS)
    @blp.arguments(PaginationSchema, location="query")
    @blp.response(200, DecisionPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any], request_id: str) -> Any:
        """Every decision ever made on the request, oldest first."""
        req = services.visible_request(actor(), request_id)
        page = paginate(services.decisions_query(req), args["page"], args["per_page"])
        page.items = services.present_decisions(page.items, utcnow())
        return page


@blp.route("/<request_id>/reevaluate")
class Reevaluate(MethodView):
    @blp.doc(operationId="reevaluateUseRequest")
    @roles_required(*services.READERS)
    @blp.response(201, RequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def post(self, request_id: str) -> Any:
        """Decide the request again on the current facts; the new decision becomes current."""
        now = utcnow()
        body = services.present_made(*services.reevaluate(request_id, user=actor(), now=now))
        return body


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


@blp.route("/<request_id>/approvals")
class Approvals(MethodView):
    @blp.doc(operationId="listUseRequestApprovals")
    @roles_required(*services.READERS)
    @blp.arguments(PaginationSchema, location="query")
    @blp.response(200, ApprovalPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any], request_id: str) -> Any:
        """The written approvals recorded on the request."""
        req = services.visible_request(actor(), request_id)
        return paginate(approvals.approvals_query(req), args["page"], args["per_page"])

    @blp.doc(operationId="approveUseRequest")
    @roles_required(*approvals.APPROVERS)
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
        req, approval, decided = approvals.approve(request_id, data, user=actor(), now=now)
        body = {**services.present_made(req, decided), "approval": vars_of(approval)}
        return body


@blp.route("/<request_id>/refusals")
class Refusals(MethodView):
    @blp.doc(operationId="refuseUseRequest")
    @roles_required(*approvals.APPROVERS)
    @blp.arguments(RefusalInSchema)
    @blp.response(201, RequestSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], request_id: str) -> Any:
        """Decline the current escalate decision, with a reason: it stays escalate and cannot
        be approved until the request is asked again (re-evaluated). The requester is told.

        409 when the current decision is not escalate or was declined already."""
        now = utcnow()
        req, _ = approvals.refuse(request_id, data["reason"], user=actor(), now=now)
        return services.present_requests([req], now)[0]
