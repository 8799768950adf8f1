"""The API's blueprint: flask-smorest's, with unknown query parameters refused.

API.md: "422 invalid fields (unknown fields are refused too)". webargs refuses unknown fields
in a JSON body but silently drops unknown query parameters, so a misspelt filter
(``/api/v1/consents?performer=...``) would list everything instead of what was asked for. This
parser leaves the choice to each schema, whose default (marshmallow's ``RAISE``) refuses them.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = FlaskParser(unknown=None)
