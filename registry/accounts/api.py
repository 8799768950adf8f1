"""JSON endpoints for accounts: who am I; admins create users."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.accounts import services
from registry.accounts.schemas import MeSchema, UserCreatedSchema, UserInSchema
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint

blp = ApiBlueprint("accounts_api", __name__, url_prefix="/api/v1", description="Accounts")
blp.before_request(authenticate_api)


@blp.route("/me")
class Me(MethodView):
    @blp.doc(operationId="getMe")
    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """The caller's own account."""
        return actor()


@blp.route("/users")
class Users(MethodView):
    @blp.doc(operationId="createUser")
    @roles_required("admin")
    @blp.arguments(UserInSchema)
    @blp.response(201, UserCreatedSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Create a user and return its first API token (admin)."""
        user = services.create_user(data["email"], data["role"], data["name"], actor_id=actor().id)
        token = services.issue_token(user, actor_id=actor().id)
        return {**MeSchema().dump(user), "created_at": user.created_at, "token": token}
