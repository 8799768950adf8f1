"""Pages for replicas: a replica's page (the request, decision and consents behind it, and every
request made with it) and registering one from an allowed replica.create request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from registry.core.clock import utcnow
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.gate.replicas import services
from registry.gate.use_requests import services as requests
from registry.gate.use_requests.forms import KIND_WORDS
from registry.gate.use_requests.models import UseRequest
from registry.gate.use_requests.pages import labels_for
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import user_tz

bp = Blueprint("replicas_pages", __name__, url_prefix="/replicas")
bp.before_request(authenticate_page)


@bp.route("/", methods=["POST"])
@roles_required(*services.REGISTRARS)
@unit_of_work()
def register() -> Any:
    if not FlaskForm().validate_on_submit():
        abort(400)
    request_id = request.form.get("request_id", "")
    try:
        replica = services.register_replica(request_id, user=actor(), now=utcnow())
    except ServiceError as exc:
        if exc.status == 404:
            raise
        discard()
        flash(exc.message, "error")
        return redirect(url_for("requests_pages.detail", request_id=request_id))
    flash("Replica registered.", "success")
    return redirect(url_for("replicas_pages.detail", replica_id=replica.id))


@bp.route("/<replica_id>")
@roles_required(*services.READERS)
def detail(replica_id: str) -> Any:
    now = utcnow()
    replica = services.visible_replica(actor(), replica_id)
    stmt = requests.requests_query(actor(), {"replica_id": replica.id}, now)
    reqs = list(db.session.execute(stmt.limit(500)).scalars())
    origin = db.session.get(UseRequest, replica.request_id)
    return render_template(
        "replicas/detail.html",
        replica=services.present(replica, now),
        performer=db.session.get(Performer, replica.performer_id),
        production=db.session.get(Production, replica.production_id),
        origin=origin,
        rows=requests.present_requests(reqs, now, user_tz()),
        labels=labels_for(reqs),
        kinds=KIND_WORDS,
    )
