"""Pages for models and replicas: the list, a model's page (production, performers, sources,
fingerprint, status and every request made with it), register, retire, and legal's clearance
of an uncleared source. Forms go through the same schemas and services as the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from registry.core.clock import utcnow
from registry.core.errors import ServiceError, flatten_errors
from registry.extensions import db
from registry.gate.enhancement_models import services
from registry.gate.enhancement_models.forms import ClearanceForm, ModelForm, RetireForm
from registry.gate.enhancement_models.schemas import ClearanceInSchema, ModelInSchema
from registry.gate.replicas import services as replicas
from registry.gate.use_requests import services as requests
from registry.gate.use_requests.forms import KIND_WORDS, choices
from registry.gate.use_requests.pages import (
    CHOOSE,
    CHOOSE_WORDS,
    labels_for,
    names,
    visible_productions,
)
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import user_tz
from registry.web.schemas import paginate

bp = Blueprint("models_pages", __name__, url_prefix="/models")
bp.before_request(authenticate_page)
bp.after_request(services.tell_refused_rebinds)
PER_PAGE = 100


@bp.route("/")
@roles_required(*services.READERS)
def index() -> Any:
    now = utcnow()
    page = paginate(services.models_query(actor(), {}), 1, PER_PAGE)
    models = [services.present(m, now) for m in page.items]
    reps = paginate(replicas.replicas_query(actor(), {}), 1, PER_PAGE)
    replica_rows = [replicas.present(r, now) for r in reps.items]
    productions = names(
        Production,
        {m["production_id"] for m in models} | {r["production_id"] for r in replica_rows},
        Production.code,
    )
    performers = names(
        Performer, {r["performer_id"] for r in replica_rows}, Performer.professional_name
    )
    return render_template(
        "models/index.html",
        models=models,
        model_total=page.total,
        replicas=replica_rows,
        replica_total=reps.total,
        productions=productions,
        performers=performers,
    )


def _sources(form: ModelForm) -> list[dict[str, str]]:
    return [
        {"description": row.form.description.data.strip(), "clearance": row.form.clearance.data}
        for row in form.training_sources
        if row.form.description.data and row.form.description.data.strip()
    ]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*services.REGISTRARS)
@unit_of_work()
def new() -> Any:
    form = ModelForm()
    form.production_id.choices = choices(
        [CHOOSE] + [(p.id, f"{p.code} · {p.title}") for p in visible_productions()]
    )
    if request.method == "GET" and request.args.get("production_id"):
        form.production_id.data = request.args["production_id"]
    form.performer_ids.choices = choices(
        (p[0], p[1])
        for p in db.session.execute(
            select(Performer.id, Performer.professional_name)
            .where(Performer.erased_at.is_(None))
            .order_by(Performer.professional_name)
            .limit(2000)
        )
    )
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        body = {
            "name": (form.name.data or "").strip(),
            "production_id": form.production_id.data or "",
            "performer_ids": list(form.performer_ids.data or []),
            "training_sources": _sources(form),
            "scope": (form.scope.data or "").strip(),
            "fingerprint_sha256": (form.fingerprint_sha256.data or "").strip(),
            "vendor": (form.vendor.data or "").strip(),
        }
        try:
            model = services.register_model(ModelInSchema().load(body), user=actor(), now=utcnow())
        except ValidationError as exc:
            errors = flatten_errors(exc.messages)
            if not body["production_id"]:
                errors["production_id"] = [CHOOSE_WORDS["production_id"]]
        except ServiceError as exc:
            discard()
            errors = exc.errors or {"_schema": [exc.message]}
        else:
            flash("Model registered.", "success")
            return redirect(url_for("models_pages.detail", model_id=model.id))
    return render_template("models/new.html", form=form, errors=errors), 422 if errors else 200


@bp.route("/<model_id>")
@roles_required(*services.READERS)
def detail(model_id: str) -> Any:
    now = utcnow()
    model = services.visible_model(actor(), model_id)
    view = services.present(model, now)
    stmt = requests.requests_query(actor(), {"model_id": model.id}, now)
    reqs = list(db.session.execute(stmt.limit(500)).scalars())
    can_clear = actor().has_role(*services.CLEARERS) and view["status"] != "retired"
    return render_template(
        "models/detail.html",
        model=view,
        production=db.session.get(Production, model.production_id),
        rows=requests.present_requests(reqs, now, user_tz()),
        labels=labels_for(reqs),
        kinds=KIND_WORDS,
        clearance_forms={
            s["index"]: ClearanceForm(source=str(s["index"]))
            for s in view["training_sources"]
            if s["effective_clearance"] == "uncleared" and can_clear
        },
        retire_form=RetireForm()
        if actor().has_role(*services.REGISTRARS) and view["status"] != "retired"
        else None,
    )


@bp.route("/<model_id>/clearances", methods=["POST"])
@roles_required(*services.CLEARERS)
@unit_of_work()
def clear(model_id: str) -> Any:
    form = ClearanceForm()
    if not form.validate_on_submit():
        abort(400)
    body = {
        "source": int(form.source.data or "") if (form.source.data or "").isdigit() else -1,
        "evidence_sha256": (form.evidence_sha256.data or "").strip(),
        "note": (form.note.data or "").strip(),
    }
    try:
        services.clear_source(model_id, ClearanceInSchema().load(body), user=actor(), now=utcnow())
    except ValidationError as exc:
        for name, messages in flatten_errors(exc.messages).items():
            flash(f"{name.replace('_', ' ')}: {' '.join(messages)}", "error")
    except ServiceError as exc:
        if exc.status == 404:
            raise
        discard()
        flash(exc.message, "error")
    else:
        flash(f"Training source {body['source']} recorded as cleared.", "success")
    return redirect(request.form.get("next") or url_for("models_pages.detail", model_id=model_id))


@bp.route("/<model_id>/retire", methods=["GET", "POST"])
@roles_required(*services.REGISTRARS)
@unit_of_work()
def retire(model_id: str) -> Any:
    """GET asks for the reason; a POST shows the shared confirmation page; the confirmed POST
    retires the model (every later use is denied)."""
    model = services.visible_model(actor(), model_id, lock=request.method == "POST")
    form = RetireForm()
    back = url_for("models_pages.detail", model_id=model_id)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if form.confirm.data != "yes":
            form.confirm.data = "yes"
            production = db.session.get(Production, model.production_id)
            facts = [
                ("Model", model.name),
                ("Production", production.code if production is not None else "—"),
                ("Vendor", model.vendor),
                ("Reason", (form.reason.data or "").strip()),
            ]
            return render_template(
                "models/confirm_retire.html", form=form, facts=facts, cancel_url=back
            )
        try:
            services.retire_model(model_id, form.reason.data or None, user=actor(), now=utcnow())
        except ServiceError as exc:
            if exc.status == 404:
                raise
            discard()
            flash(exc.message, "error")
        else:
            flash("Model retired: every later use is denied.", "success")
        return redirect(back)
    return render_template("models/retire.html", model=model, form=form)
