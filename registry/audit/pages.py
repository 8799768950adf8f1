"""Pages for auditors: the latest events, a verification of both chains, the witnesses and the
latest records check (started here, run by the scheduler)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from registry.appctx import signing_keys
from registry.audit import checks, witness
from registry.audit.forms import ActionForm
from registry.audit.models import AuditCheckpoint, AuditEvent, AuditWitnessMark
from registry.audit.services import verify, verify_states
from registry.extensions import db
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")
bp.before_request(authenticate_page)
PER_PAGE = 100
READERS = ("auditor", "admin")


@bp.route("/")
@roles_required(*READERS)
def index() -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    events = (
        db.session.execute(
            select(AuditEvent)
            .order_by(AuditEvent.seq.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
        .scalars()
        .all()
    )
    checkpoint = db.session.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).scalar_one_or_none()
    result = states = None
    if request.args.get("verify"):
        result = verify(db.session, signing=signing_keys())
        states = verify_states(db.session, signing=signing_keys())
    marks = list(
        db.session.execute(
            select(AuditWitnessMark).order_by(AuditWitnessMark.witness, AuditWitnessMark.chain)
        ).scalars()
    )
    return render_template(
        "audit/index.html",
        events=events,
        page=page,
        result=result,
        states=states,
        checkpoint=checkpoint,
        per_page=PER_PAGE,
        check=checks.latest_check(),
        form=ActionForm(),
        witnesses=witness.witnesses(),
        marks=marks,
    )


@bp.route("/record-checks", methods=["POST"])
@roles_required(*READERS)
@unit_of_work()
def ask_for_check() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        _check, new = checks.request_check(actor().id)
        if new:
            flash("The records check is asked for; the scheduler runs it shortly.", "success")
        else:
            flash("A records check is already asked for or running.", "success")
    return redirect(url_for("audit_pages.index") + "#records")
