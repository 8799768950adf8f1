"""The admin's consent export in the pages: the CLI's filters (``flask consents export``) in a
form, the same query and format (``registry.consents.bulk``), downloaded as a file. Personal
fields only when asked for (admins may see them); every export is audited as the CLI's is."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, render_template
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.audit.trail import record
from registry.consents import bulk
from registry.consents.status import STATUSES
from registry.core.clock import utcnow
from registry.extensions import db
from registry.productions.models import Production
from registry.rules.vocabulary import PURPOSES
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required

bp = Blueprint("consents_export", __name__, url_prefix="/consents-export")
bp.before_request(authenticate_page)
MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl"}


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


class ExportForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """The CLI's options; an empty one does not filter."""

    fmt = SelectField(
        "Format",
        choices=[SelectChoice("csv", "CSV (spreadsheets)"), SelectChoice("jsonl", "JSON Lines")],
        validators=[DataRequired("Choose a format")],
    )
    production_id = SelectField("Production", choices=[], validators=[Optional()])
    performer_id = StringField(
        "Performer id",
        validators=[Optional(), Length(max=40)],
        description="prf_…, from the performer's page",
    )
    purpose = SelectField(
        "Purpose",
        choices=[SelectChoice("", "Any purpose")] + [SelectChoice(p, _words(p)) for p in PURPOSES],
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Current (any status)")]
        + [SelectChoice(s, _words(s)) for s in STATUSES],
        validators=[Optional()],
    )
    expiring_within_days = IntegerField(
        "Expiring within (days)",
        validators=[Optional(), NumberRange(0, 3650, "Enter a number of days from 0 to 3650")],
    )
    with_personal = BooleanField("Add legal name, e-mail and phone (personal fields)")


def _form() -> ExportForm:
    form = ExportForm()
    productions = db.session.execute(
        select(Production.id, Production.code, Production.title).order_by(Production.code)
    )
    form.production_id.choices = [SelectChoice("", "Every production")] + [
        SelectChoice(pid, f"{code}: {title}") for pid, code, title in productions
    ]
    return form


def _filters(form: ExportForm) -> dict[str, Any]:
    chosen = {
        "performer_id": (form.performer_id.data or "").strip() or None,
        "production_id": form.production_id.data or None,
        "purpose": form.purpose.data or None,
        "status": form.status.data or None,
        "expiring_within_days": form.expiring_within_days.data,
    }
    return {k: v for k, v in chosen.items() if v is not None}


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def export() -> Any:
    form = _form()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("consents/export.html", form=form), status
    user, fmt, personal = actor(), form.fmt.data or "csv", bool(form.with_personal.data)
    chosen = _filters(form)
    out = io.StringIO()
    count = bulk.write_export(
        bulk.export_rows(user, chosen, with_personal=personal), out, fmt, with_personal=personal
    )
    record(
        "consents.exported",
        "consent",
        "bulk",
        {"filters": chosen, "rows": count, "with_personal": personal, "format": fmt},
        actor_id=user.id,
    )
    name = f"consents-{utcnow():%Y%m%d-%H%M%S}.{fmt}"
    return Response(
        out.getvalue(),
        mimetype=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Rows": str(count),
        },
    )
