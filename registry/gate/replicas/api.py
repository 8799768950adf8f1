"""JSON endpoints for digital replicas: register from an allowed request, list, read."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.core.clock import utcnow
from registry.gate.replicas import services
from registry.gate.replicas.schemas import (
    ReplicaFilterSchema,
    ReplicaInSchema,
    ReplicaPageSchema,
    ReplicaSchema,
)
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import paginate

blp = ApiBlueprint(
    "replicas_api",
    __name__,
    url_prefix="/api/v1/replicas",
    description="Digital replicas, each made under an allowed replica.create request",
)
blp.before_request(authenticate_api)


@blp.route("")
class Replicas(MethodView):
    @blp.doc(operationId="listReplicas")
    @roles_required(*services.READERS)
    @blp.arguments(ReplicaFilterSchema, location="query")
    @blp.response(200, ReplicaPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Replicas the caller may see, newest first."""
        now = utcnow()
        page = paginate(services.replicas_query(actor(), args), args["page"], args["per_page"])
        page.items = [services.present(r, now) for r in page.items]
        return page

    @blp.doc(operationId="registerReplica")
    @roles_required(*services.REGISTRARS)
    @blp.arguments(ReplicaInSchema)
    @blp.response(201, ReplicaSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Register the replica an allowed replica.create request permits."""
        now = utcnow()
        replica = services.register_replica(
            data["request_id"], user=actor(), now=now, name=data.get("name")
        )
        return services.present(replica, now)


@blp.route("/<replica_id>")
class ReplicaItem(MethodView):
    @blp.doc(operationId="getReplica")
    @roles_required(*services.READERS)
    @blp.response(200, ReplicaSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, replica_id: str) -> Any:
        """The replica, the consents behind it and whether they still hold (``status``)."""
        return services.present(services.visible_replica(actor(), replica_id), utcnow())
