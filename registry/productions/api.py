"""JSON endpoints for productions and memberships."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.productions import services
from registry.productions.access import member_production_ids, visible_production
from registry.productions.models import Production, ProductionMember
from registry.productions.schemas import (
    MemberInSchema,
    MemberListSchema,
    MemberSchema,
    ProductionInSchema,
    ProductionPageSchema,
    ProductionSchema,
)
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema, paginate

blp = ApiBlueprint(
    "productions_api",
    __name__,
    url_prefix="/api/v1/productions",
    description="Productions, pitches and concepts, and their members",
)
blp.before_request(authenticate_api)


@blp.route("")
class Productions(MethodView):
    @blp.doc(operationId="listProductions")
    @blp.arguments(PaginationSchema, location="query")
    @blp.response(200, ProductionPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Productions the caller may see (a vfx_lead: those they are a member of)."""
        stmt = select(Production).order_by(Production.code)
        user = actor()
        if user.role == "vfx_lead":
            stmt = stmt.where(Production.id.in_(member_production_ids(user)))
        return paginate(stmt, args["page"], args["per_page"])

    @blp.doc(operationId="createProduction")
    @roles_required("admin")
    @blp.arguments(ProductionInSchema)
    @blp.response(201, ProductionSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Create a production, pitch or concept (admin)."""
        production = services.create_production(data, actor_id=actor().id)
        return production


@blp.route("/<production_id>")
class ProductionItem(MethodView):
    @blp.doc(operationId="getProduction")
    @blp.response(200, ProductionSchema)
    def get(self, production_id: str) -> Any:
        """The production, pitch or concept (a vfx_lead: one they are a member of)."""
        return visible_production(actor(), production_id)


@blp.route("/<production_id>/members")
class Members(MethodView):
    @blp.doc(operationId="listProductionMembers")
    @roles_required("admin")
    @blp.response(200, MemberListSchema)
    def get(self, production_id: str) -> Any:
        """The production's members."""
        production = visible_production(actor(), production_id)
        rows = db.session.execute(
            select(ProductionMember, User)
            .join(User, User.id == ProductionMember.user_id)
            .where(ProductionMember.production_id == production.id)
            .order_by(User.email)
        ).all()
        return {
            "items": [
                {
                    "production_id": m.production_id,
                    "user_id": m.user_id,
                    "email": u.email,
                    "role": u.role,
                    "created_at": m.created_at,
                }
                for m, u in rows
            ]
        }

    @blp.doc(operationId="addProductionMember")
    @roles_required("admin")
    @blp.arguments(MemberInSchema)
    @blp.response(201, MemberSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any], production_id: str) -> Any:
        """Add a user to the production (admin)."""
        production = visible_production(actor(), production_id)
        member = services.add_member(production, data["user_id"], actor_id=actor().id)
        return member
