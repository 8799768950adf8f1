"""JSON endpoints for performers: create, list and search, read, edit, representatives."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.performers import services
from registry.performers.access import (
    CHANGE_ROLES,
    READ_ROLES,
    changeable_performer,
    visible_performer,
)
from registry.performers.schemas import (
    PerformerInSchema,
    PerformerPageSchema,
    PerformerQuerySchema,
    PerformerSchema,
    PerformerUpdateSchema,
    RepresentativeInSchema,
    RepresentativeOutSchema,
)
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import paginate

blp = ApiBlueprint(
    "performers_api",
    __name__,
    url_prefix="/api/v1/performers",
    description="Performers (personal fields only for admin and their own representatives)",
)
blp.before_request(authenticate_api)


@blp.route("")
class Performers(MethodView):
    @blp.doc(operationId="listPerformers")
    @roles_required(*READ_ROLES)
    @blp.arguments(PerformerQuerySchema, location="query")
    @blp.response(200, PerformerPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Performers the caller may see (a talent_rep: those they represent), by name."""
        user = actor()
        page = paginate(services.search(user, args.get("q")), args["page"], args["per_page"])
        page.items = [services.view(user, p) for p in page.items]
        return page

    @blp.doc(operationId="createPerformer")
    @roles_required(*CHANGE_ROLES)
    @blp.arguments(PerformerInSchema)
    @blp.response(201, PerformerSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Create a performer; a talent_rep creating one becomes their representative."""
        user = actor()
        performer = services.create_performer(data, actor=user)
        return services.view(user, performer)


@blp.route("/<performer_id>")
class PerformerItem(MethodView):
    @blp.doc(operationId="getPerformer")
    @roles_required(*READ_ROLES)
    @blp.response(200, PerformerSchema)
    def get(self, performer_id: str) -> Any:
        """The performer, with personal fields only where the caller's role allows."""
        user = actor()
        return services.view(user, visible_performer(user, performer_id))

    @blp.doc(operationId="updatePerformer")
    @roles_required(*CHANGE_ROLES)
    @blp.arguments(PerformerUpdateSchema)
    @blp.response(200, PerformerSchema)
    @unit_of_work()
    def patch(self, data: dict[str, Any], performer_id: str) -> Any:
        """Correct a performer's details (admin, their representatives)."""
        user = actor()
        performer = changeable_performer(user, performer_id)
        services.update_performer(performer, data, actor_id=user.id)
        return services.view(user, performer)


@blp.route("/<performer_id>/representatives")
class Representatives(MethodView):
    @blp.doc(operationId="addPerformerRepresentative")
    @roles_required("admin")
    @blp.arguments(RepresentativeInSchema)
    @blp.response(201, RepresentativeOutSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any], performer_id: str) -> Any:
        """Make a talent_rep a representative of the performer (admin)."""
        user = actor()
        performer = visible_performer(user, performer_id)
        link = services.add_representative(performer, data["user_id"], actor_id=user.id)
        return link
