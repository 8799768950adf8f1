"""Login, logout and the home page people land on."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from registry.accounts import services
from registry.accounts.forms import LoginForm
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_page, public

bp = Blueprint("accounts", __name__)
bp.before_request(authenticate_page)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("accounts.home")


@bp.route("/login", methods=["GET", "POST"])
@public
@unit_of_work()
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        user = services.check_password(form.email.data or "", form.password.data or "")
        if user is None:
            flash("E-mail or password is not right.", "error")
            return render_template("accounts/login.html", form=form), 401
        services.open_login_session(user)
        login_user(user)
        flash(f"Signed in as {user.email}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@unit_of_work()
def logout() -> Any:
    services.close_login_session(actor())
    logout_user()
    flash("Signed out.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/")
def home() -> Any:
    return render_template("home.html")
