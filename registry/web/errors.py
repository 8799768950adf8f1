"""One JSON error body for the API, HTML error pages for people; never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from registry.core.errors import ServiceError, flatten_errors
from registry.transactions import discard
from registry.web.access_log import redact

log = logging.getLogger("registry.errors")
JSON_PREFIXES = ("/api/", "/.well-known/", "/calendar/")


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def error_response(code: int, message: str, errors: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def _page(code: int, message: str) -> tuple[str, int]:
    return render_template(
        "errors/error.html", code=code, status=HTTPStatus(code).phrase, message=message
    ), code


def handle_http(exc: HTTPException) -> Any:
    code = exc.code or 500
    if code >= 500:
        discard()
        message = "Something went wrong on our side; it has been logged."
    else:
        message = exc.description or HTTPStatus(code).phrase
    errors = None
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        errors = flatten_errors(data["messages"])
        message = "Some fields are invalid." if code == 422 else message
    if wants_json():
        response = error_response(code, message, errors)
        if code == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response
    return _page(code, message)


def handle_service(exc: ServiceError) -> Any:
    discard()
    if wants_json():
        return error_response(exc.status, exc.message, exc.errors or None)
    return _page(exc.status, exc.message)


def handle_unexpected(exc: Exception) -> Any:
    discard()
    # the path as the access log writes it: a calendar feed's private token never reaches a log
    log.exception("unhandled error on %s %s", request.method, redact(request.path))
    message = "Something went wrong on our side; it has been logged."
    if wants_json():
        return error_response(500, message)
    return _page(500, message)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ServiceError, handle_service)
    app.register_error_handler(Exception, handle_unexpected)
