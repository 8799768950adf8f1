"""The API's blueprint and Api: flask-smorest's, with unknown query parameters refused and every
operation documented for generated clients.

API.md: "422 invalid fields (unknown fields are refused too)". webargs refuses unknown fields
in a JSON body but silently drops unknown query parameters, so a misspelt filter
(``/api/v1/consents?performer=...``) would list everything instead of what was asked for. This
parser leaves the choice to each schema, whose default (marshmallow's ``RAISE``) refuses them.

Each route is tagged by its resource and its operations completed by ``api_docs.complete``
(summary, error answers with the one error body, an example); ``RegistryApi`` documents that
error body, the resources' tags and the public JWKS.

May import: ``web.api_docs``, ``web.schemas``, ``web.public``.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.routing import Rule

from registry.web import api_docs, public
from registry.web.schemas import ErrorSchema


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = FlaskParser(unknown=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resource_tags: list[str] = []

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Any = None,
        provide_automatic_options: bool | None = None,
        *,
        parameters: Any = None,
        tags: list[str] | None = None,
        **options: Any,
    ) -> None:
        path = (self.url_prefix or "") + rule
        tags = tags or [api_docs.resource_tag(path)]
        self.resource_tags.extend(t for t in tags if t not in self.resource_tags)
        super().add_url_rule(
            rule,
            endpoint,
            view_func,
            provide_automatic_options,
            parameters=parameters,
            tags=tags,
            **options,
        )
        for method, doc in self._docs[self._endpoints[-1]].items():
            if method != "parameters":
                api_docs.complete(doc, method, path)


class RegistryApi(Api):
    """flask-smorest's Api with the registry's error body, resource tags and the JWKS."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._tagged: set[str] = set()
        super().__init__(*args, **kwargs)

    def init_app(self, app: Any, **kwargs: Any) -> None:
        super().init_app(app, **kwargs)
        self.ma_plugin.converter.add_attribute_function(api_docs.nullable_nested)
        self.spec.path(rule=Rule(public.JWKS_PATH), operations=public.JWKS_DOC)
        self._tag("keys")

    def _tag(self, name: str) -> None:
        if name not in self._tagged:
            self._tagged.add(name)
            self.spec.tag({"name": name, "description": api_docs.TAG_DESCRIPTIONS.get(name, "")})

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """flask-smorest's, but the document's tags are the resources, not the blueprints."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
        for tag in getattr(blp, "resource_tags", None) or [name]:
            self._tag(tag)
