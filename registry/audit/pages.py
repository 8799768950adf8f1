"""Pages for auditors: the events (filtered by action, actor, subject and dates, actors shown by
name), a verification of both chains, the witnesses, the latest records check (started here,
run by the scheduler), and the export of a date range as JSON Lines that verifies offline
(``registry.audit.export``).

Actors' names come from the users table read by name (``Base.metadata``): the audit feature
imports no other feature. Only ``READERS`` open these pages, and both may see users' names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import Select, or_, select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3

from registry.appctx import signing_keys
from registry.audit import checks, export, witness
from registry.audit.forms import ActionForm, ExportForm, TrailFilterForm
from registry.audit.models import AuditCheckpoint, AuditEvent, AuditWitnessMark
from registry.audit.services import verify, verify_states
from registry.core.db import Base
from registry.core.zones import from_local
from registry.extensions import db
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import user_zone

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")
bp.before_request(authenticate_page)
PER_PAGE = 100
READERS = ("auditor", "admin")
SYSTEM = "system"
"""The actor filter's value for events no person caused (the scheduler, migrations)."""


def _day_start(day: date | None) -> datetime | None:
    return from_local(datetime.combine(day, time.min), user_zone()) if day else None


def _day_end(day: date | None) -> datetime | None:
    """A date without a time: the end of that day in the person's zone."""
    return from_local(day, user_zone()) if day else None


def _people() -> dict[str, tuple[str, str]]:
    """Every user's (name, e-mail) by id: few rows, read by table name."""
    users = Base.metadata.tables["users"]
    rows = db.session.execute(select(users.c.id, users.c.name, users.c.email))
    return {str(r[0]): (str(r[1] or ""), str(r[2])) for r in rows}


def _filtered(form: TrailFilterForm) -> Select[tuple[AuditEvent]]:
    stmt = select(AuditEvent)
    action = (form.action.data or "").strip()
    if action:
        if action.endswith((".", "*")):
            prefix = action.rstrip("*")
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(AuditEvent.action.like(escaped + "%", escape="\\"))
        else:
            stmt = stmt.where(AuditEvent.action == action)
    who = form.actor.data or ""
    if who == SYSTEM:
        stmt = stmt.where(AuditEvent.actor_id.is_(None))
    elif who:
        stmt = stmt.where(AuditEvent.actor_id == who)
    subject = (form.subject.data or "").strip()
    if subject:
        stmt = stmt.where(or_(AuditEvent.subject_id == subject, AuditEvent.subject_type == subject))
    if (since := _day_start(form.since.data)) is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if (until := _day_end(form.until.data)) is not None:
        stmt = stmt.where(AuditEvent.at <= until)
    return stmt


def _filter_form(people: dict[str, tuple[str, str]]) -> TrailFilterForm:
    form = TrailFilterForm(request.args)
    by_name = sorted(people.items(), key=lambda item: (item[1][0].lower(), item[1][1]))
    form.actor.choices = [
        SelectChoice("", "Anyone"),
        SelectChoice(SYSTEM, "The system (no person)"),
        *[
            SelectChoice(uid, f"{name} ({email})" if name else email)
            for uid, (name, email) in by_name
        ],
    ]
    return form


@bp.route("/")
@roles_required(*READERS)
def index() -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    people = _people()
    filters = _filter_form(people)
    events: list[AuditEvent] = []
    status = 200
    if filters.validate():
        events = list(
            db.session.execute(
                _filtered(filters)
                .order_by(AuditEvent.seq.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            ).scalars()
        )
    else:
        status = 422
    filtering = {
        k: v
        for k, v in request.args.items()
        if k in ("action", "actor", "subject", "since", "until") and v
    }
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
        filters=filters,
        filtering=filtering,
        people=people,
        export_form=ExportForm(
            prefix="export",
            since=filters.since.data if filters.since.data else None,
            until=filters.until.data if filters.until.data else None,
        ),
    ), status


@bp.route("/export", methods=["POST"])
@roles_required(*READERS)
def export_range() -> Any:
    """The events of a date range as JSON Lines (a download) that verifies offline. If no
    signed checkpoint covers the range's last event yet, the heads are signed first."""
    form = ExportForm(prefix="export")
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(f"Export: {message}", "error")
        return redirect(url_for("audit_pages.index") + "#export")
    since, until = _day_start(form.since.data), _day_end(form.until.data)
    found = export.seq_range(db.session, since, until)
    if found is None:
        flash("Export: no events were recorded in that range.", "error")
        return redirect(url_for("audit_pages.index") + "#export")
    first, last = found
    with unit_of_work():
        export.ensure_covered(db.session, last, signing=signing_keys())
    lines: Iterator[str] = export.export_lines(
        db.session, first, last, signing=signing_keys(), since=since, until=until
    )
    name = f"audit-{first}-{last}.jsonl"
    return Response(
        stream_with_context(lines),  # streamed: a long range is never held in memory
        mimetype="application/jsonl",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
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
