"""JSON endpoints for GenAI tools, vendor pipelines, use declarations (declare, amend, approve,
refuse, assets) and the final-cut check (API.md, "GenAI use declarations, tools and
pipelines")."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.approvals.schemas import RefusalInSchema
from registry.core.clock import utcnow
from registry.transactions import unit_of_work
from registry.triage import approvals, assets, declarations, tools
from registry.triage.schemas import (
    AssetInSchema,
    AssetPageSchema,
    AssetSchema,
    CheckInSchema,
    CheckSchema,
    DeclarationAmendSchema,
    DeclarationApprovalInSchema,
    DeclarationFilterSchema,
    DeclarationInSchema,
    DeclarationPageSchema,
    DeclarationSchema,
    PipelineInSchema,
    PipelinePageSchema,
    PipelineSchema,
    ToolInSchema,
    ToolPageSchema,
    ToolPatchSchema,
    ToolSchema,
    TriageHistorySchema,
)
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema, paginate

tools_blp = ApiBlueprint(
    "tools_api",
    __name__,
    url_prefix="/api/v1",
    description="GenAI tools with their reviewed data terms, and vendor pipelines (T4)",
)
tools_blp.before_request(authenticate_api)
blp = ApiBlueprint(
    "declarations_api",
    __name__,
    url_prefix="/api/v1",
    description="GenAI use declarations, their triage (T1-T4), approvals and assets; the "
    "final-cut check (T5)",
)
blp.before_request(authenticate_api)


@tools_blp.route("/tools")
class Tools(MethodView):
    @tools_blp.doc(operationId="listTools")
    @roles_required(*tools.READERS)
    @tools_blp.arguments(PaginationSchema, location="query")
    @tools_blp.response(200, ToolPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Every registered tool, by name, with whether it passes T4 and why not."""
        page = paginate(tools.tools_query(), args["page"], args["per_page"])
        page.items = [tools.present_tool(t) for t in page.items]
        return page

    @tools_blp.doc(operationId="registerTool")
    @roles_required(*tools.TOOL_REVIEWERS)
    @tools_blp.arguments(ToolInSchema)
    @tools_blp.response(201, ToolSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Register a tool with its data terms as reviewed (the caller is the reviewer)."""
        return tools.present_tool(tools.create_tool(data, user=actor(), now=utcnow()))


@tools_blp.route("/tools/<tool_id>")
class ToolItem(MethodView):
    @tools_blp.doc(operationId="getTool")
    @roles_required(*tools.READERS)
    @tools_blp.response(200, ToolSchema)
    @tools_blp.alt_response(404, response="NOT_FOUND")
    def get(self, tool_id: str) -> Any:
        """The tool, with whether it passes T4 and why not."""
        return tools.present_tool(tools.visible_tool(actor(), tool_id))

    @tools_blp.doc(operationId="reviewTool")
    @roles_required(*tools.TOOL_REVIEWERS)
    @tools_blp.arguments(ToolPatchSchema)
    @tools_blp.response(200, ToolSchema)
    @tools_blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def patch(self, data: dict[str, Any], tool_id: str) -> Any:
        """A new review of the terms (audited); declarations using the tool are triaged again."""
        tool, _ = declarations.change_tool(tool_id, data, user=actor(), now=utcnow())
        return tools.present_tool(tool)


@tools_blp.route("/pipelines")
class Pipelines(MethodView):
    @tools_blp.doc(operationId="listPipelines")
    @roles_required(*tools.READERS)
    @tools_blp.arguments(PaginationSchema, location="query")
    @tools_blp.response(200, PipelinePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Every registered vendor pipeline, with whether it passes and its failing stages."""
        page = paginate(tools.pipelines_query(), args["page"], args["per_page"])
        page.items = [tools.present_pipeline(p) for p in page.items]
        return page

    @tools_blp.doc(operationId="registerPipeline")
    @roles_required(*tools.PIPELINE_AUTHORS)
    @tools_blp.arguments(PipelineInSchema)
    @tools_blp.response(201, PipelineSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Register a vendor pipeline: ordered stages, each a registered tool and what it does."""
        return tools.present_pipeline(tools.create_pipeline(data, user=actor(), now=utcnow()))


@tools_blp.route("/pipelines/<pipeline_id>")
class PipelineItem(MethodView):
    @tools_blp.doc(operationId="getPipeline")
    @roles_required(*tools.READERS)
    @tools_blp.response(200, PipelineSchema)
    @tools_blp.alt_response(404, response="NOT_FOUND")
    def get(self, pipeline_id: str) -> Any:
        """The pipeline, with whether it passes and its failing stages."""
        return tools.present_pipeline(tools.visible_pipeline(actor(), pipeline_id))


@blp.route("/declarations")
class Declarations(MethodView):
    @blp.doc(operationId="listDeclarations")
    @roles_required(*declarations.READERS)
    @blp.arguments(DeclarationFilterSchema, location="query")
    @blp.response(200, DeclarationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Declarations the caller may see, newest first, each with its current triage."""
        now = utcnow()
        stmt = declarations.declarations_query(actor(), args)
        if args.get("cleared") is not None:
            stmt = declarations.filter_cleared(stmt, args["cleared"], now)
        page = paginate(stmt, args["page"], args["per_page"])
        page.items = declarations.present(page.items, now)
        return page

    @blp.doc(operationId="declareGenAiUse")
    @roles_required(*declarations.DECLARERS)
    @blp.arguments(DeclarationInSchema)
    @blp.response(201, DeclarationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Declare an intended use of GenAI: it is stored and triaged at once."""
        now = utcnow()
        decl, _, _ = declarations.declare(data, user=actor(), now=now)
        return declarations.present([decl], now)[0]


@blp.route("/declarations/<declaration_id>")
class DeclarationItem(MethodView):
    @blp.doc(operationId="getDeclaration")
    @roles_required(*declarations.READERS)
    @blp.response(200, DeclarationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, declaration_id: str) -> Any:
        """The declaration with its current triage."""
        now = utcnow()
        decl = declarations.visible_declaration(actor(), declaration_id)
        return declarations.present([decl], now)[0]


@blp.route("/declarations/<declaration_id>/triages")
class DeclarationTriages(MethodView):
    @blp.doc(operationId="listDeclarationTriages")
    @roles_required(*declarations.READERS)
    @blp.response(200, TriageHistorySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, declaration_id: str) -> Any:
        """Every triage of the declaration, oldest first (each signed)."""
        decl = declarations.visible_declaration(actor(), declaration_id)
        return {"items": declarations.triages_of(decl)}


@blp.route("/declarations/<declaration_id>/amend")
class Amend(MethodView):
    @blp.doc(operationId="amendDeclaration")
    @roles_required(*declarations.DECLARERS)
    @blp.arguments(DeclarationAmendSchema)
    @blp.response(201, DeclarationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def post(self, data: dict[str, Any], declaration_id: str) -> Any:
        """A new version with the changed fields, triaged again (a clearance does not carry)."""
        now = utcnow()
        decl, _, _ = declarations.amend(declaration_id, data, user=actor(), now=now)
        return declarations.present([decl], now)[0]


@blp.route("/declarations/<declaration_id>/approvals")
class DeclarationApprovals(MethodView):
    @blp.doc(operationId="approveDeclaration")
    @roles_required(*approvals.APPROVERS)
    @blp.arguments(DeclarationApprovalInSchema)
    @blp.response(201, DeclarationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], declaration_id: str) -> Any:
        """Clear an escalated declaration: written approval with the SHA-256 of the signed
        document, or (``approval_needed: false``) a record that none is needed for an
        escalation for guidance."""
        now = utcnow()
        decl, _ = approvals.approve(declaration_id, data, user=actor(), now=now)
        return declarations.present([decl], now)[0]


@blp.route("/declarations/<declaration_id>/refusals")
class DeclarationRefusals(MethodView):
    @blp.doc(operationId="refuseDeclaration")
    @roles_required(*approvals.APPROVERS)
    @blp.arguments(RefusalInSchema)
    @blp.response(201, DeclarationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], declaration_id: str) -> Any:
        """Refuse the declaration, with a reason: it stays not cleared until amended."""
        now = utcnow()
        decl, _ = approvals.refuse(declaration_id, data["reason"], user=actor(), now=now)
        return declarations.present([decl], now)[0]


@blp.route("/declarations/<declaration_id>/assets")
class Assets(MethodView):
    @blp.doc(operationId="listAssets")
    @roles_required(*declarations.READERS)
    @blp.arguments(PaginationSchema, location="query")
    @blp.response(200, AssetPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any], declaration_id: str) -> Any:
        """The generated assets registered on the declaration."""
        decl = declarations.visible_declaration(actor(), declaration_id)
        return paginate(assets.assets_query(decl), args["page"], args["per_page"])

    @blp.doc(operationId="registerAsset")
    @roles_required(*declarations.DECLARERS)
    @blp.arguments(AssetInSchema)
    @blp.response(201, AssetSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def post(self, data: dict[str, Any], declaration_id: str) -> Any:
        """Register a generated asset by its file's SHA-256 (it may precede clearance; it
        cannot be delivered before)."""
        return assets.register(declaration_id, data, user=actor(), now=utcnow())


@blp.route("/productions/<production_id>/deliverables/check")
class DeliverablesCheck(MethodView):
    @blp.doc(operationId="checkDeliverables")
    @roles_required(*assets.CHECKERS)
    @blp.arguments(CheckInSchema)
    @blp.response(200, CheckSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @unit_of_work()
    def post(self, data: dict[str, Any], production_id: str) -> Any:
        """Check the final cut's files (up to 10,000 a call): each is cleared, blocked or not
        generated; ``ok`` when nothing blocks. The check is audited (counts and the list's
        SHA-256)."""
        production = assets.checkable_production(actor(), production_id)
        files = ((f["name"], f["sha256"].lower()) for f in data["files"])
        report = assets.run_check(production, files, actor_id=actor().id, now=utcnow())
        return report.as_dict()
