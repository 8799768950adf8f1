"""Admin pages for a performer's representatives: the list, assigning a talent rep, and removing
one (the shared confirmation pattern). Reached from the performer's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import DataRequired

from registry.accounts.models import User
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.performers import representatives, services
from registry.performers.models import Performer, PerformerRepresentative
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required

bp = Blueprint("representatives_pages", __name__, url_prefix="/performers")
bp.before_request(authenticate_page)


class AssignForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    user_id = SelectField(
        "Talent rep", choices=[], validators=[DataRequired("Choose a talent rep")]
    )


class ButtonForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """A POST button: no fields, only Flask-WTF's CSRF check."""


def _performer(performer_id: str) -> Performer:
    performer = db.session.get(Performer, performer_id)
    if performer is None:
        abort(404)
    return performer


def _here(performer: Performer) -> Any:
    return redirect(url_for("representatives_pages.index", performer_id=performer.id))


@bp.route("/<performer_id>/representatives", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def index(performer_id: str) -> Any:
    performer = _performer(performer_id)
    form = AssignForm()
    form.user_id.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(u.id, f"{u.name} ({u.email})" if u.name else u.email)
        for u in representatives.assignable_reps(performer)
    ]
    if performer.erased_at is None and form.validate_on_submit():
        try:
            services.add_representative(performer, form.user_id.data or "", actor_id=actor().id)
        except ServiceError as exc:
            discard()
            form.user_id.errors = [m for ms in exc.errors.values() for m in ms] or [exc.message]
        else:
            user = db.session.get(User, form.user_id.data)
            who = user.email if user else "The talent rep"
            flash(f"{who} now represents {performer.professional_name}.", "success")
            return _here(performer)
    status = 422 if form.errors else 200
    return render_template(
        "performers/representatives.html",
        performer=performer,
        reps=services.representatives(performer.id),
        form=form,
    ), status


@bp.route("/<performer_id>/representatives/<user_id>/remove", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def remove(performer_id: str, user_id: str) -> Any:
    """Confirmation page (GET), then the removal (POST)."""
    performer = _performer(performer_id)
    user = db.session.get(User, user_id)
    if user is None or db.session.get(PerformerRepresentative, (performer.id, user_id)) is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        representatives.remove_representative(performer, user.id, actor_id=actor().id)
        flash(f"{user.email} no longer represents {performer.professional_name}.", "success")
        return _here(performer)
    return render_template(
        "performers/confirm_remove_representative.html", performer=performer, user=user, form=form
    )
