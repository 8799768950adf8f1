"""JSON endpoints for enhancement models: register, list, read, clear a source, retire."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.core.clock import utcnow
from registry.gate.enhancement_models import services
from registry.gate.enhancement_models.schemas import (
    ClearanceInSchema,
    ModelFilterSchema,
    ModelInSchema,
    ModelPageSchema,
    ModelRetireInSchema,
    ModelSchema,
    TrainingConsentInSchema,
)
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import paginate

blp = ApiBlueprint(
    "models_api",
    __name__,
    url_prefix="/api/v1/models",
    description="Enhancement models, bound to one production",
)
blp.before_request(authenticate_api)
blp.after_request(services.tell_refused_rebinds)


@blp.route("")
class Models(MethodView):
    @blp.doc(operationId="listModels")
    @roles_required(*services.READERS)
    @blp.arguments(ModelFilterSchema, location="query")
    @blp.response(200, ModelPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Models the caller may see, newest first, each with its current status."""
        now = utcnow()
        page = paginate(services.models_query(actor(), args), args["page"], args["per_page"])
        page.items = [services.present(m, now) for m in page.items]
        return page

    @blp.doc(operationId="registerModel")
    @roles_required(*services.REGISTRARS)
    @blp.arguments(ModelInSchema)
    @blp.response(201, ModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Register a model; an uncleared source gives 201 and ``blocked``, not an error."""
        now = utcnow()
        model = services.register_model(data, user=actor(), now=now)
        return services.present(model, now)


@blp.route("/<model_id>")
class ModelItem(MethodView):
    @blp.doc(operationId="getModel")
    @roles_required(*services.READERS)
    @blp.response(200, ModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, model_id: str) -> Any:
        """The model with its status computed now."""
        return services.present(services.visible_model(actor(), model_id), utcnow())


@blp.route("/<model_id>/clearances")
class Clearances(MethodView):
    @blp.doc(operationId="clearModelSource")
    @roles_required(*services.CLEARERS)
    @blp.arguments(ClearanceInSchema)
    @blp.response(201, ModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], model_id: str) -> Any:
        """Legal records the clearance of an uncleared training source (lifts R11's block)."""
        now = utcnow()
        model = services.clear_source(model_id, data, user=actor(), now=now)
        return services.present(model, now)


@blp.route("/<model_id>/training-consents")
class TrainingConsents(MethodView):
    @blp.doc(operationId="linkModelTrainingConsent")
    @roles_required(*services.REGISTRARS)
    @blp.arguments(TrainingConsentInSchema)
    @blp.response(201, ModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], model_id: str) -> Any:
        """Link a new model_training consent of a performer the model names (cures R10: it
        replaces that performer's training consents that no longer hold)."""
        now = utcnow()
        model = services.link_training_consent(model_id, data["consent_id"], user=actor(), now=now)
        return services.present(model, now)


@blp.route("/<model_id>/retire")
class Retire(MethodView):
    @blp.doc(operationId="retireModel")
    @roles_required(*services.REGISTRARS)
    @blp.arguments(ModelRetireInSchema)
    @blp.response(200, ModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @unit_of_work()
    def post(self, data: dict[str, Any], model_id: str) -> Any:
        """Retire the model: every later use is denied (R9)."""
        now = utcnow()
        model = services.retire_model(model_id, data.get("reason"), user=actor(), now=now)
        return services.present(model, now)
