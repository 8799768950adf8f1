"""Pages for VFX leads ("May I use this?", request history, a decision in plain words) and for
legal (every request). Forms go through the same schema and services as the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from registry.approvals import questions as threads
from registry.approvals.forms import AnswerForm, QuestionForm
from registry.approvals.models import Approval
from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.core.errors import ServiceError, flatten_errors
from registry.extensions import db
from registry.gate.enhancement_models.models import EnhancementModel
from registry.gate.replicas.models import Replica
from registry.gate.use_requests import blanket_report, questions, reliances, services
from registry.gate.use_requests.approvals import APPROVERS, declined_decisions, refusals_query
from registry.gate.use_requests.forms import (
    CHANGE_WORDS,
    FACT_WORDS,
    KIND_FACTS,
    KIND_WORDS,
    ReevaluateForm,
    RequestForm,
    choices,
)
from registry.gate.use_requests.models import DecisionRecord
from registry.gate.use_requests.schemas import RequestInSchema
from registry.performers.models import Performer
from registry.productions.access import member_production_ids
from registry.productions.models import Production
from registry.rules.labels import consent_label
from registry.rules.vocabulary import OUTCOMES, REQUEST_KINDS
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import user_tz
from registry.web.schemas import paginate

bp = Blueprint("requests_pages", __name__, url_prefix="/requests")
bp.before_request(authenticate_page)
PER_PAGE = 50
CHOOSE = ("", "Choose…")
CHOOSE_WORDS = {
    "production_id": "Choose a production.",
    "performer_id": "Choose a performer.",
    "replica_id": "Choose a replica.",
    "model_id": "Choose a model.",
}


def visible_productions() -> list[Production]:
    stmt = select(Production).order_by(Production.code)
    if actor().role == "vfx_lead":
        stmt = stmt.where(Production.id.in_(member_production_ids(actor())))
    return list(db.session.execute(stmt).scalars())


def names(model: Any, ids: set[str | None], column: Any) -> dict[str, str]:
    """id -> display name for the given ids (one query)."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {
        row[0]: row[1]
        for row in db.session.execute(select(model.id, column).where(model.id.in_(wanted)))
    }


def consent_names(consent_ids: set[str]) -> dict[str, str]:
    """Each consent as a person knows it: what its current version describes."""
    if not consent_ids:
        return {}
    rows = db.session.execute(
        select(ConsentVersion.consent_id, ConsentVersion.version, ConsentVersion.description).where(
            ConsentVersion.consent_id.in_(consent_ids), ConsentVersion.superseded_at.is_(None)
        )
    )
    return {cid: consent_label(cid, n, description) for cid, n, description in rows}


def labels_for(reqs: list[Any]) -> dict[str, dict[str, str]]:
    return {
        "performers": names(Performer, {r.performer_id for r in reqs}, Performer.professional_name),
        "productions": names(Production, {r.production_id for r in reqs}, Production.code),
        "models": names(EnhancementModel, {r.model_id for r in reqs}, EnhancementModel.name),
        "replicas": names(Replica, {r.replica_id for r in reqs}, Replica.name),
    }


@bp.route("/")
@roles_required(*services.READERS)
def index() -> Any:
    filters = {
        name: request.args.get(name) or None
        for name in ("production_id", "kind", "outcome", "model_id", "performer_id")
    }
    if filters["kind"] not in (None, *REQUEST_KINDS) or filters["outcome"] not in (
        None,
        *OUTCOMES,
    ):
        abort(400)
    validity = request.args.get("valid") or None
    if validity not in (None, "yes", "no"):
        abort(400)
    query: dict[str, object] = dict(filters)
    if validity is not None:
        query["valid"] = validity == "yes"
    now = utcnow()
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    page = paginate(services.requests_query(actor(), query, now), page_no, PER_PAGE)
    rows = services.present_requests(page.items, now, user_tz())
    return render_template(
        "requests/index.html",
        rows=rows,
        page=page,
        filters=filters,
        validity=validity,
        labels=labels_for(page.items),
        productions=visible_productions(),
        kinds=KIND_WORDS,
        outcomes=OUTCOMES,
    )


@bp.route("/new")
@roles_required(*services.REQUESTERS)
def new() -> Any:
    return render_template("requests/new.html", kinds=KIND_WORDS)


def _choices(form: RequestForm, kind: str) -> None:
    productions = visible_productions()
    visible = [p.id for p in productions]
    form.production_id.choices = choices(
        [CHOOSE] + [(p.id, f"{p.code} · {p.title} ({p.kind})") for p in productions]
    )
    performers = db.session.execute(
        select(Performer.id, Performer.professional_name)
        .where(Performer.erased_at.is_(None))
        .order_by(Performer.professional_name)
        .limit(2000)
    ).all()
    optional = [("", "(the model's performers)")] if kind == "model.use" else [CHOOSE]
    form.performer_id.choices = choices(optional + [(p[0], p[1]) for p in performers])
    replicas = (
        select(Replica.id, Performer.professional_name, Production.code, Replica.media)
        .join(Performer, Performer.id == Replica.performer_id)
        .join(Production, Production.id == Replica.production_id)
        .order_by(Replica.created_at.desc())
    )
    models = (
        select(EnhancementModel.id, EnhancementModel.name, Production.code)
        .join(Production, Production.id == EnhancementModel.production_id)
        .order_by(EnhancementModel.name)
    )
    if actor().role == "vfx_lead":
        replicas = replicas.where(Replica.production_id.in_(visible))
        models = models.where(EnhancementModel.production_id.in_(visible))
    form.replica_id.choices = choices(
        [CHOOSE]
        + [
            (r[0], f"{r[1]} · {r[2]} · {', '.join(r[3])} ({r[0]})")
            for r in db.session.execute(replicas)
        ]
    )
    form.model_id.choices = choices(
        [CHOOSE] + [(m[0], f"{m[1]} · bound to {m[2]}") for m in db.session.execute(models)]
    )


def _unchosen(kind: str, form: RequestForm) -> dict[str, list[str]]:
    """The selects left on "Choose…", in plain words (before the schema speaks of lengths)."""
    needed = ["production_id"]
    if kind == "replica.use":
        needed.append("replica_id")
    elif kind == "model.use":
        needed.append("model_id")
    else:
        needed.append("performer_id")
    return {name: [CHOOSE_WORDS[name]] for name in needed if not getattr(form, name).data}


def _body(kind: str, form: RequestForm) -> dict[str, Any]:
    """The form as the API's request body."""
    body: dict[str, Any] = {
        "kind": kind,
        "production_id": form.production_id.data or "",
        "media": list(form.media.data or []),
        "description": (form.description.data or "").strip(),
    }
    if kind == "replica.use":
        body["replica_id"] = form.replica_id.data or None
    elif kind == "model.use":
        body["model_id"] = form.model_id.data or None
        if form.performer_id.data:
            body["performer_id"] = form.performer_id.data
    else:
        body["performer_id"] = form.performer_id.data or None
    facts: dict[str, Any] = {name: bool(getattr(form, name).data) for name in KIND_FACTS[kind]}
    if kind == "alteration":
        facts["changes"] = list(form.changes.data or [])
    if kind == "model.train":
        facts["training_sources"] = [
            {"description": row.form.description.data.strip(), "clearance": row.form.clearance.data}
            for row in form.training_sources
            if row.form.description.data and row.form.description.data.strip()
        ]
    body["facts"] = facts
    return body


@bp.route("/new/<kind>", methods=["GET", "POST"])
@roles_required(*services.REQUESTERS)
@unit_of_work()
def ask(kind: str) -> Any:
    if kind not in KIND_WORDS:
        abort(404)
    form = RequestForm()
    _choices(form, kind)
    errors: dict[str, list[str]] = {}
    if request.method == "GET":
        for name in ("production_id", "performer_id", "model_id", "replica_id"):
            if request.args.get(name):
                getattr(form, name).data = request.args[name]
        if not form.media.data:
            form.media.data = ["likeness"]
    if form.validate_on_submit():
        unchosen = _unchosen(kind, form)
        try:
            data = RequestInSchema().load(_body(kind, form))
            if unchosen:
                raise ValidationError({})
            req, _ = services.submit_request(data, user=actor(), now=utcnow())
        except ValidationError as exc:
            errors = {**flatten_errors(exc.messages), **unchosen}
        except ServiceError as exc:
            discard()
            errors = exc.errors or {"_schema": [exc.message]}
        else:
            return redirect(url_for("requests_pages.detail", request_id=req.id))
    elif form.errors:
        errors = {k: list(map(str, v)) for k, v in form.errors.items()}
    status = 422 if errors else 200
    return render_template(
        "requests/ask.html",
        form=form,
        kind=kind,
        kind_words=KIND_WORDS[kind],
        facts=KIND_FACTS[kind],
        errors=errors,
    ), status


@bp.route("/blanket-consents")
@roles_required(*blanket_report.READERS)
def blanket_consents() -> Any:
    """Decisions made on a consent that ruleset 2026.12-1 reads as a blanket grant (C2)."""
    return render_template(
        "requests/blanket_consents.html", items=blanket_report.reliances(actor())
    )


@bp.route("/on-my-consents")
@roles_required(*reliances.READERS)
def relied_on() -> Any:
    """Every request and decision that relied on a consent of the rep's performers."""
    performer_id = request.args.get("performer_id") or None
    return render_template(
        "requests/relied_on.html",
        items=reliances.reliances(actor(), utcnow(), performer_id),
        kinds=KIND_WORDS,
        performer_id=performer_id,
    )


@bp.route("/<request_id>")
@roles_required(*services.READERS)
def detail(request_id: str) -> Any:
    return _detail(services.visible_request(actor(), request_id))


def _detail(
    req: Any,
    *,
    question_form: QuestionForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
) -> Any:
    """The request's page; a question or answer that failed comes back as typed, with why."""
    now = utcnow()
    history = list(db.session.execute(services.decisions_query(req)).scalars())
    decisions = services.present_decisions(history, now, user_tz())
    current = decisions[-1]
    approvals = list(
        db.session.execute(
            select(Approval).where(Approval.request_id == req.id).order_by(Approval.created_at)
        ).scalars()
    )
    replica = db.session.execute(
        select(Replica).where(Replica.request_id == req.id)
    ).scalar_one_or_none()
    declined = bool(declined_decisions([current["id"]]))
    may_approve = (
        actor().has_role(*APPROVERS)
        and current["outcome"] == "escalate"
        and current["valid"]
        and not declined
    )
    thread = threads.thread("request", req.id)
    may_ask = actor().has_role(*APPROVERS) and current["outcome"] == "escalate"
    may_answer = req.requested_by == actor().id and any(m.kind == "question" for m in thread)
    relied = {c for d in decisions for c in d["consent_ids"]}
    return render_template(
        "requests/detail.html",
        req=req,
        current=current,
        decisions=decisions,
        approvals=approvals,
        replica=replica,
        labels=labels_for([req]),
        kind_words=KIND_WORDS,
        fact_words=FACT_WORDS,
        change_words=CHANGE_WORDS,
        may_approve=may_approve,
        declined=declined,
        thread=thread,
        authors=questions.author_names(thread),
        question_form=(question_form or QuestionForm()) if may_ask else None,
        answer_form=(answer_form or AnswerForm()) if may_answer else None,
        refusals=list(db.session.execute(refusals_query(req)).scalars()),
        estate=any(r["id"] == "R15" for r in current["rules"]),
        consent_names=consent_names(relied),
        reevaluate_form=ReevaluateForm(),
        can_register_replica=(
            req.kind == "replica.create"
            and replica is None
            and current["outcome"] == "allow"
            and current["valid"]
            and actor().has_role(*services.REQUESTERS)
        ),
    ), status


@bp.route("/<request_id>/questions", methods=["POST"])
@roles_required(*APPROVERS)
@unit_of_work()
def ask_question(request_id: str) -> Any:
    """Legal sends the request back to its requester with a question."""
    form = QuestionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        questions.ask(request_id, form.body.data, user=actor(), now=utcnow())
    except ServiceError as exc:
        if exc.status == 404:
            raise
        discard()
        return _failed(request_id, form, exc, question=True)
    flash("Question sent: the requester is told and answers on this page.", "success")
    return redirect(url_for("requests_pages.detail", request_id=request_id) + "#questions")


@bp.route("/<request_id>/answers", methods=["POST"])
@roles_required(*services.READERS)
@unit_of_work()
def answer_question(request_id: str) -> Any:
    """The requester answers legal's question."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        questions.answer(request_id, form.body.data, user=actor(), now=utcnow())
    except ServiceError as exc:
        if exc.status == 404:
            raise
        discard()
        return _failed(request_id, form, exc, question=False)
    flash("Answer sent: legal is told.", "success")
    return redirect(url_for("requests_pages.detail", request_id=request_id) + "#questions")


def _failed(request_id: str, form: Any, exc: ServiceError, *, question: bool) -> Any:
    if exc.status == 403:
        raise exc
    if exc.errors.get("body"):
        form.body.errors = list(exc.errors["body"])
    else:
        form.form_errors.append(exc.message)
    req = services.visible_request(actor(), request_id)
    if question:
        return _detail(req, question_form=form, status=exc.status)
    return _detail(req, answer_form=form, status=exc.status)


@bp.route("/<request_id>/reevaluate", methods=["POST"])
@roles_required(*services.READERS)
@unit_of_work()
def reevaluate(request_id: str) -> Any:
    if not ReevaluateForm().validate_on_submit():
        abort(400)
    req, _ = services.reevaluate(request_id, user=actor(), now=utcnow())
    flash("Decided again on the current facts.", "success")
    return redirect(url_for("requests_pages.detail", request_id=req.id))


@bp.route("/<request_id>/decisions/<decision_id>/receipt.jws")
@roles_required(*services.READERS)
def receipt(request_id: str, decision_id: str) -> Any:
    req = services.visible_request(actor(), request_id)
    row = db.session.get(DecisionRecord, decision_id)
    if row is None or row.request_id != req.id:
        abort(404)
    return Response(
        row.receipt + "\n",
        mimetype="application/jose",
        headers={"Content-Disposition": f'attachment; filename="{row.id}.jws"'},
    )
