"""Pages for auditors: the latest events and a verification of the whole chain."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from registry.appctx import signing_keys
from registry.audit.models import AuditCheckpoint, AuditEvent
from registry.audit.services import verify
from registry.extensions import db
from registry.web.auth import authenticate_page, roles_required

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")
bp.before_request(authenticate_page)
PER_PAGE = 100


@bp.route("/")
@roles_required("auditor", "admin")
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
    result = verify(db.session, signing=signing_keys()) if request.args.get("verify") else None
    return render_template(
        "audit/index.html",
        events=events,
        page=page,
        result=result,
        checkpoint=checkpoint,
        per_page=PER_PAGE,
    )
