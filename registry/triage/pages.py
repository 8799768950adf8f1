"""Pages for GenAI use declarations: declare (the principles in the guidance's words, each
category with its matrix row), a declaration (its triage in plain words, history, assets,
approvals, the use requests it needs; legal approves with the signed document or refuses), the
tools and pipelines pages (pass or fail at a glance) and a production's final-cut check
(upload a manifest or paste hashes; the blocking files first). Forms go through the API's
schemas and the same services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from registry.approvals import documents
from registry.approvals import questions as threads
from registry.approvals.forms import (
    DOCUMENT_AGAIN,
    AnswerForm,
    DeclarationApprovalForm,
    QuestionForm,
    RefusalForm,
)
from registry.approvals.models import ApprovalDocument
from registry.core.clock import utcnow
from registry.core.errors import Invalid, ServiceError, flatten_errors
from registry.extensions import db
from registry.gate.use_requests.forms import choices
from registry.gate.use_requests.questions import author_names
from registry.performers.models import Performer
from registry.productions.access import member_production_ids
from registry.productions.models import Production
from registry.rules.triage_table import MATRIX, PRINCIPLE_WORDS
from registry.rules.vocabulary import DECLARATION_FACTS, LEVELS, PRINCIPLES
from registry.transactions import discard, unit_of_work
from registry.triage import approvals, assets, declarations, questions, tools
from registry.triage.forms import (
    CATEGORY_WORDS,
    FACT_WORDS,
    OUTPUT_WORDS,
    AssetForm,
    DeclarationForm,
    FinalCutForm,
    PipelineForm,
    ToolForm,
)
from registry.triage.models import Pipeline, TriageRecord
from registry.triage.schemas import (
    AssetInSchema,
    DeclarationAmendSchema,
    DeclarationApprovalInSchema,
    DeclarationInSchema,
    PipelineInSchema,
    ToolInSchema,
    ToolPatchSchema,
)
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.schemas import paginate
from registry.web.uploads import read_upload

bp = Blueprint("triage_pages", __name__)
bp.before_request(authenticate_page)
PER_PAGE = 50
SHOWN_ITEMS = 2000  # final-cut rows listed on the page (the counts cover every file)
Errors = dict[str, list[str]]


def _productions() -> list[Production]:
    stmt = select(Production).order_by(Production.code)
    if actor().role == "vfx_lead":
        stmt = stmt.where(Production.id.in_(member_production_ids(actor())))
    return list(db.session.execute(stmt).scalars())


def _load(schema: Schema, body: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = schema.load(body)
    return loaded


def _errors_of(exc: Exception) -> Errors:
    if isinstance(exc, ValidationError):
        return flatten_errors(exc.messages)
    assert isinstance(exc, ServiceError)
    return exc.errors or {"_schema": [exc.message]}


# -- declarations -------------------------------------------------------------------------------


def _declaration_choices(form: DeclarationForm) -> None:
    form.production_id.choices = choices(
        [("", "Choose…")] + [(p.id, f"{p.code} · {p.title}") for p in _productions()]
    )
    every_tool = list(db.session.execute(tools.tools_query()).scalars())
    form.tool_ids.choices = choices(
        (t.id, f"{t.name} ({t.vendor}){'' if tools.present_tool(t)['passes'] else ' · fails T4'}")
        for t in every_tool
    )
    form.pipeline_id.choices = choices(
        [("", "(no pipeline: the tools above)")]
        + [
            (p.id, f"{p.name} ({p.vendor})")
            for p in db.session.execute(tools.pipelines_query()).scalars()
        ]
    )
    form.performer_ids.choices = choices(
        (p[0], p[1])
        for p in db.session.execute(
            select(Performer.id, Performer.professional_name)
            .where(Performer.erased_at.is_(None))
            .order_by(Performer.professional_name)
            .limit(2000)
        )
    )


def _declaration_body(form: DeclarationForm) -> dict[str, Any]:
    return {
        "title": (form.title.data or "").strip(),
        "description": (form.description.data or "").strip(),
        "category": form.category.data or "",
        "output": form.output.data or "",
        "tool_ids": list(form.tool_ids.data or []),
        "pipeline_id": form.pipeline_id.data or None,
        "performer_ids": list(form.performer_ids.data or []),
        "principles": {p: getattr(form, p).data or "unsure" for p in PRINCIPLES},
        "facts": {name: bool(getattr(form, name).data) for name in DECLARATION_FACTS},
    }


def _render_form(form: DeclarationForm, errors: Errors, **context: Any) -> Any:
    return render_template(
        "triage/declare.html",
        form=form,
        errors=errors,
        matrix=MATRIX,
        category_words=CATEGORY_WORDS,
        output_words=OUTPUT_WORDS,
        facts=DECLARATION_FACTS,
        principles=PRINCIPLES,
        **context,
    ), (422 if errors else 200)


@bp.route("/declarations/")
@roles_required(*declarations.READERS)
def index() -> Any:
    filters = {name: request.args.get(name) or None for name in ("production_id", "level")}
    if filters["level"] not in (None, *LEVELS):
        abort(400)
    now = utcnow()
    stmt = declarations.declarations_query(actor(), filters)
    cleared = request.args.get("cleared")
    if cleared in ("yes", "no"):
        stmt = declarations.filter_cleared(stmt, cleared == "yes", now)
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    page = paginate(stmt, page_no, PER_PAGE)
    return render_template(
        "triage/index.html",
        rows=declarations.present(page.items, now),
        page=page,
        filters={**filters, "cleared": cleared},
        productions=_productions(),
        levels=LEVELS,
        category_words=CATEGORY_WORDS,
        can_declare=actor().has_role(*declarations.DECLARERS),
    )


@bp.route("/declarations/new", methods=["GET", "POST"])
@roles_required(*declarations.DECLARERS)
@unit_of_work()
def declare() -> Any:
    form = DeclarationForm()
    _declaration_choices(form)
    errors: Errors = {}
    if request.method == "GET" and request.args.get("production_id"):
        form.production_id.data = request.args["production_id"]
    if form.validate_on_submit():
        body = {"production_id": form.production_id.data or "", **_declaration_body(form)}
        try:
            data = _load(DeclarationInSchema(), body)
            decl, _, _ = declarations.declare(data, user=actor(), now=utcnow())
        except (ValidationError, ServiceError) as exc:
            discard()
            errors = _errors_of(exc)
        else:
            return redirect(url_for("triage_pages.detail", declaration_id=decl.id))
    elif form.errors:
        errors = {k: list(map(str, v)) for k, v in form.errors.items()}
    return _render_form(form, errors, heading="Declare a GenAI use", amending=None)


@bp.route("/declarations/<declaration_id>/amend", methods=["GET", "POST"])
@roles_required(*declarations.DECLARERS)
@unit_of_work()
def amend(declaration_id: str) -> Any:
    decl = declarations.visible_declaration(actor(), declaration_id)
    old = declarations.current_version(decl)
    form = DeclarationForm()
    _declaration_choices(form)
    errors: Errors = {}
    if request.method == "GET":
        form.production_id.data = decl.production_id
        for name in ("title", "description", "category", "output", "pipeline_id"):
            getattr(form, name).data = getattr(old, name)
        form.tool_ids.data = declarations.tool_ids_of(old.id)
        form.performer_ids.data = list(old.performer_ids or ())
        for name in DECLARATION_FACTS:
            getattr(form, name).data = bool((old.facts or {}).get(name))
        for p in PRINCIPLES:
            getattr(form, p).data = (old.principles or {}).get(p, "unsure")
    elif form.validate_on_submit():
        try:
            data = _load(DeclarationAmendSchema(), _declaration_body(form))
            declarations.amend(decl.id, data, user=actor(), now=utcnow())
        except (ValidationError, ServiceError) as exc:
            discard()
            errors = _errors_of(exc)
        else:
            flash("Amended: a new version, triaged again.", "success")
            return redirect(url_for("triage_pages.detail", declaration_id=decl.id))
    elif form.errors:
        errors = {k: list(map(str, v)) for k, v in form.errors.items()}
    return _render_form(
        form, errors, heading=f"Amend: {old.title}", amending=decl, version=old.version
    )


@bp.route("/declarations/<declaration_id>")
@roles_required(*declarations.READERS)
def detail(declaration_id: str) -> Any:
    return _detail(declarations.visible_declaration(actor(), declaration_id))


def _detail(
    decl: Any,
    *,
    question_form: QuestionForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
) -> Any:
    """The declaration's page; a question or answer that failed comes back as typed."""
    now = utcnow()
    view = declarations.present([decl], now)[0]
    versions = declarations.versions_of(decl)
    production = db.session.get(Production, decl.production_id)
    tool_names = {t.id: t.name for t in db.session.execute(tools.tools_query()).scalars()}
    pipeline = db.session.get(Pipeline, view["pipeline_id"]) if view["pipeline_id"] else None
    may_approve = actor().has_role(*approvals.APPROVERS)
    triage = view["triage"]
    may_declare = actor().has_role(*declarations.DECLARERS)
    thread = threads.thread("declaration", decl.id)
    may_ask = may_approve and triage["level"] == "escalate"
    may_answer = decl.created_by == actor().id and any(m.kind == "question" for m in thread)
    return render_template(
        "triage/detail.html",
        decl=decl,
        d=view,
        production=production,
        versions=versions,
        triages=declarations.triages_of(decl),
        assets=list(db.session.execute(assets.assets_query(decl)).scalars()),
        approvals=approvals.approvals_of(decl),
        refusals=approvals.refusals_of(decl),
        tool_names=tool_names,
        pipeline=pipeline,
        category_words=CATEGORY_WORDS,
        output_words=OUTPUT_WORDS,
        fact_words=FACT_WORDS,
        principle_words=PRINCIPLE_WORDS,
        may_clear=may_approve and triage["level"] == "escalate" and not triage["cleared"],
        may_refuse=may_approve and triage["level"] == "escalate" and not triage["refused"],
        asset_form=AssetForm() if may_declare else None,
        may_declare=may_declare,
        thread=thread,
        authors=author_names(thread),
        question_form=(question_form or QuestionForm()) if may_ask else None,
        answer_form=(answer_form or AnswerForm()) if may_answer else None,
    ), status


def _approval_page(decl: Any, form: DeclarationApprovalForm, status: int = 200) -> Any:
    view = declarations.present([decl], utcnow())[0]
    return render_template(
        "triage/approve.html",
        d=view,
        form=form,
        production=db.session.get(Production, decl.production_id),
        category_words=CATEGORY_WORDS,
        output_words=OUTPUT_WORDS,
    ), status


@bp.route("/declarations/<declaration_id>/approve", methods=["GET", "POST"])
@roles_required(*approvals.APPROVERS)
@unit_of_work()
def approve(declaration_id: str) -> Any:
    """The confirmation step (GET: what clearing does, the note, the signed document) and the
    clearance (POST). A bad input shows the page again with what legal typed (422)."""
    decl = declarations.visible_declaration(actor(), declaration_id)
    if request.method == "GET":
        triage = declarations.current_triage(decl)
        return _approval_page(decl, DeclarationApprovalForm(triage_id=triage.id))
    form = DeclarationApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("triage_pages.detail", declaration_id=declaration_id)
    upload = form.document.data
    try:
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise Invalid(
                "Some fields are invalid.", {"document": ["Choose the signed approval to upload."]}
            )
        checked = read_upload(upload.stream, upload.filename, field="document")
        body = {
            "note": (form.note.data or "").strip(),
            "evidence_sha256": checked.sha256,
            "approval_needed": not form.no_approval_needed.data,
        }
        data = {**_load(DeclarationApprovalInSchema(), body), "triage_id": form.triage_id.data}
        doc = documents.store(checked, actor_id=actor().id)
        approvals.approve(declaration_id, data, user=actor(), now=utcnow(), document_id=doc.id)
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ServiceError) and exc.status == 404:
            raise
        discard()
        errors = _errors_of(exc)
        by_name = {f.name: f for f in form}
        for name, messages in errors.items():
            target = by_name.get("document" if name == "evidence_sha256" else name)
            if target is not None and name != "triage_id":
                target.errors = [*target.errors, *messages]
            else:
                form.form_errors.extend(messages)
        if isinstance(exc, ServiceError) and exc.message not in form.form_errors:
            form.form_errors.insert(0, exc.message)
        if "document" not in errors:
            form.document.errors = [*form.document.errors, DOCUMENT_AGAIN]
        status = 409 if isinstance(exc, ServiceError) and exc.status == 409 else 422
        return _approval_page(decl, form, status)
    flash("Cleared: the declarer is told.", "success")
    return redirect(back)


@bp.route("/declarations/<declaration_id>/refuse", methods=["GET", "POST"])
@roles_required(*approvals.APPROVERS)
@unit_of_work()
def refuse(declaration_id: str) -> Any:
    """GET asks for the reason; a POST shows the shared confirmation page; the confirmed POST
    records the refusal and tells the declarer."""
    decl = declarations.visible_declaration(actor(), declaration_id)
    form = RefusalForm()
    status = 200
    back = url_for("triage_pages.detail", declaration_id=declaration_id)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        reason = (form.reason.data or "").strip()
        if not reason:
            form.reason.errors = ["Say why you refuse: the declarer reads it."]
            status = 422
        elif form.confirm.data != "yes":
            form.confirm.data = "yes"
            facts = [
                ("Declaration", declarations.current_version(decl).title),
                ("Production", _production_code(decl.production_id)),
                ("Your reason", reason),
            ]
            return render_template(
                "triage/confirm_refuse.html", form=form, facts=facts, cancel_url=back
            )
        else:
            try:
                approvals.refuse(declaration_id, reason, user=actor(), now=utcnow())
            except ServiceError as exc:
                if exc.status == 404:
                    raise
                discard()
                form.form_errors.append(exc.message)
                status = exc.status
            else:
                flash("Refused: the declarer is told.", "success")
                return redirect(back)
    return render_template(
        "triage/refuse.html", d=declarations.present([decl], utcnow())[0], form=form
    ), status


def _production_code(production_id: str) -> str:
    production = db.session.get(Production, production_id)
    return production.code if production is not None else production_id


@bp.route("/declarations/<declaration_id>/questions", methods=["POST"])
@roles_required(*approvals.APPROVERS)
@unit_of_work()
def ask_question(declaration_id: str) -> Any:
    """Legal sends the declaration back to its declarer with a question."""
    form = QuestionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        questions.ask(declaration_id, form.body.data, user=actor(), now=utcnow())
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        discard()
        _form_errors(form, exc)
        decl = declarations.visible_declaration(actor(), declaration_id)
        return _detail(decl, question_form=form, status=exc.status)
    flash("Question sent: the declarer is told and answers on this page.", "success")
    return redirect(url_for("triage_pages.detail", declaration_id=declaration_id) + "#questions")


@bp.route("/declarations/<declaration_id>/answers", methods=["POST"])
@roles_required(*declarations.READERS)
@unit_of_work()
def answer_question(declaration_id: str) -> Any:
    """The declarer answers legal's question."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        questions.answer(declaration_id, form.body.data, user=actor(), now=utcnow())
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        discard()
        _form_errors(form, exc)
        decl = declarations.visible_declaration(actor(), declaration_id)
        return _detail(decl, answer_form=form, status=exc.status)
    flash("Answer sent: legal is told.", "success")
    return redirect(url_for("triage_pages.detail", declaration_id=declaration_id) + "#questions")


def _form_errors(form: QuestionForm | AnswerForm, exc: ServiceError) -> None:
    if exc.errors.get("body"):
        form.body.errors = list(exc.errors["body"])
    else:
        form.form_errors.append(exc.message)


@bp.route("/declarations/<declaration_id>/assets", methods=["POST"])
@roles_required(*declarations.DECLARERS)
@unit_of_work()
def add_asset(declaration_id: str) -> Any:
    form = AssetForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("triage_pages.detail", declaration_id=declaration_id)
    body = {
        "name": (form.name.data or "").strip(),
        "sha256": (form.sha256.data or "").strip(),
        "media_type": (form.media_type.data or "").strip(),
        "output": form.output.data or "",
    }
    try:
        assets.register(declaration_id, _load(AssetInSchema(), body), user=actor(), now=utcnow())
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ServiceError) and exc.status == 404:
            raise
        discard()
        for name, messages in _errors_of(exc).items():
            flash(f"{name.replace('_', ' ')}: {' '.join(messages)}", "error")
        return redirect(back)
    flash("Asset registered.", "success")
    return redirect(back)


@bp.route("/declarations/<declaration_id>/triages/<triage_id>/receipt.jws")
@roles_required(*declarations.READERS)
def receipt(declaration_id: str, triage_id: str) -> Any:
    decl = declarations.visible_declaration(actor(), declaration_id)
    row = db.session.get(TriageRecord, triage_id)
    if row is None or row.declaration_id != decl.id:
        abort(404)
    return Response(
        row.receipt + "\n",
        mimetype="application/jose",
        headers={"Content-Disposition": f'attachment; filename="{row.id}.jws"'},
    )


@bp.route("/declarations/<declaration_id>/documents/<document_id>")
@roles_required(*declarations.READERS)
def document(declaration_id: str, document_id: str) -> Any:
    decl = declarations.visible_declaration(actor(), declaration_id)
    if document_id not in {a.document_id for a in approvals.approvals_of(decl)}:
        abort(404)
    doc = db.session.get(ApprovalDocument, document_id)
    if doc is None:
        abort(404)
    return documents.download(doc)


# -- tools and pipelines ------------------------------------------------------------------------


@bp.route("/tools/")
@roles_required(*tools.READERS)
def tools_index() -> Any:
    return render_template(
        "triage/tools.html",
        tools=[tools.present_tool(t) for t in db.session.execute(tools.tools_query()).scalars()],
        pipelines=[
            tools.present_pipeline(p) for p in db.session.execute(tools.pipelines_query()).scalars()
        ],
        may_review=actor().has_role(*tools.TOOL_REVIEWERS),
        may_add_pipeline=actor().has_role(*tools.PIPELINE_AUTHORS),
    )


def _tool_body(form: ToolForm, *, partial: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("name", "vendor", "version", "plan", "terms_url", "terms_sha256", "terms_note"):
        value = (getattr(form, name).data or "").strip()
        if name in ("name", "vendor"):
            if not partial:
                body[name] = value
        else:
            body[name] = value or None
    for name in tools.TERM_FIELDS:
        body[name] = getattr(form, name).data or ""
    return body


@bp.route("/tools/new", methods=["GET", "POST"])
@roles_required(*tools.TOOL_REVIEWERS)
@unit_of_work()
def tool_new() -> Any:
    form = ToolForm()
    errors: Errors = {}
    if form.validate_on_submit():
        try:
            data = _load(ToolInSchema(), _tool_body(form, partial=False))
            tools.create_tool(data, user=actor(), now=utcnow())
        except (ValidationError, ServiceError) as exc:
            discard()
            errors = _errors_of(exc)
        else:
            flash("Tool registered.", "success")
            return redirect(url_for("triage_pages.tools_index"))
    return render_template("triage/tool_form.html", form=form, errors=errors, tool=None), (
        422 if errors else 200
    )


@bp.route("/tools/<tool_id>", methods=["GET", "POST"])
@roles_required(*tools.READERS)
@unit_of_work()
def tool_detail(tool_id: str) -> Any:
    tool = tools.visible_tool(actor(), tool_id)
    may_review = actor().has_role(*tools.TOOL_REVIEWERS)
    form = ToolForm(obj=tool) if request.method == "GET" else ToolForm()
    errors: Errors = {}
    if request.method == "POST":
        if not may_review:
            abort(403)
        if form.validate_on_submit():
            try:
                data = _load(ToolPatchSchema(), _tool_body(form, partial=True))
                _, triaged = declarations.change_tool(tool.id, data, user=actor(), now=utcnow())
            except (ValidationError, ServiceError) as exc:
                discard()
                errors = _errors_of(exc)
            else:
                flash(f"Review recorded; {len(triaged)} declaration(s) triaged again.", "success")
                return redirect(url_for("triage_pages.tool_detail", tool_id=tool.id))
    return render_template(
        "triage/tool_form.html",
        form=form if may_review else None,
        errors=errors,
        tool=tools.present_tool(tool),
    ), (422 if errors else 200)


def _stage_choices(form: PipelineForm) -> None:
    options = choices(
        [("", "(no stage)")]
        + [(t.id, t.name) for t in db.session.execute(tools.tools_query()).scalars()]
    )
    for row in form.stages:
        row.form.tool_id.choices = options


def _pipeline_body(form: PipelineForm) -> dict[str, Any]:
    stages = []
    for row in form.stages:
        f = row.form
        if not f.tool_id.data and not (f.does.data or "").strip():
            continue
        stage: dict[str, Any] = {
            "tool_id": f.tool_id.data or "",
            "does": (f.does.data or "").strip(),
            "trains": bool(f.trains.data),
            "touches_likeness": bool(f.touches_likeness.data),
        }
        source = (f.training_source.data or "").strip()
        if source:
            stage["training_sources"] = [{"description": source, "clearance": f.clearance.data}]
        stages.append(stage)
    return {
        "name": (form.name.data or "").strip(),
        "vendor": (form.vendor.data or "").strip(),
        "stages": stages,
    }


@bp.route("/pipelines/new", methods=["GET", "POST"])
@roles_required(*tools.PIPELINE_AUTHORS)
@unit_of_work()
def pipeline_new() -> Any:
    form = PipelineForm()
    _stage_choices(form)
    errors: Errors = {}
    if form.validate_on_submit():
        try:
            data = _load(PipelineInSchema(), _pipeline_body(form))
            pipeline = tools.create_pipeline(data, user=actor(), now=utcnow())
        except (ValidationError, ServiceError) as exc:
            discard()
            errors = _errors_of(exc)
        else:
            return redirect(url_for("triage_pages.pipeline_detail", pipeline_id=pipeline.id))
    return render_template("triage/pipeline_form.html", form=form, errors=errors), (
        422 if errors else 200
    )


@bp.route("/pipelines/<pipeline_id>")
@roles_required(*tools.READERS)
def pipeline_detail(pipeline_id: str) -> Any:
    pipeline = tools.visible_pipeline(actor(), pipeline_id)
    return render_template("triage/pipeline.html", p=tools.present_pipeline(pipeline))


# -- the final-cut check ------------------------------------------------------------------------


@bp.route("/productions/<production_id>/final-cut", methods=["GET", "POST"])
@roles_required(*assets.CHECKERS)
@unit_of_work()
def final_cut(production_id: str) -> Any:
    production = assets.checkable_production(actor(), production_id)
    form = FinalCutForm()
    errors: Errors = {}
    report = None
    if form.validate_on_submit():
        upload = form.manifest.data
        try:
            if isinstance(upload, FileStorage) and upload.filename:
                files = assets.parse_manifest(upload.stream)
            elif (form.hashes.data or "").strip():
                files = assets.parse_manifest((form.hashes.data or "").splitlines())
            else:
                raise Invalid(
                    "Some fields are invalid.",
                    {"manifest": ["Upload a manifest or paste the hashes."]},
                )
            report = assets.run_check(production, files, actor_id=actor().id, now=utcnow())
        except assets.ManifestError as exc:
            discard()
            errors = {"manifest": [str(exc)]}
        except ServiceError as exc:
            discard()
            errors = _errors_of(exc)
    items = report.blocking_first()[:SHOWN_ITEMS] if report is not None else []
    return render_template(
        "triage/final_cut.html",
        production=production,
        form=form,
        errors=errors,
        report=report,
        items=items,
        shown=SHOWN_ITEMS,
    ), (422 if errors else 200)
