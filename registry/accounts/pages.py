"""Sign-in (password, then the second factor or its enrolment), sign-out, the account page
(password, recovery codes) and the home page people land on.

A sign-in that needs a second factor is not a session until the factor is given: the password
opens a pending sign-in (its token in the cookie under ``SIGN_IN``, not Flask-Login's), which
opens no page; the code then opens the session. Failed passwords and codes count in the same
throttles, and a refused attempt answers 429 with one message whichever throttle refused it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from registry.accounts import invitations, profile, second_factor, services
from registry.accounts.forms import (
    CodeForm,
    LoginForm,
    NewPasswordForm,
    PasswordForm,
    TimeZoneForm,
)
from registry.accounts.models import User
from registry.accounts.redirects import safe_next
from registry.accounts.security import client_address, defences
from registry.core.errors import Invalid
from registry.core.zones import DEFAULT_ZONE, zone_names
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, public

bp = Blueprint("accounts", __name__)
bp.before_request(authenticate_page)

SIGN_IN = "registry_sign_in"
"""The cookie's key for a sign-in that awaits its second factor (its token)."""
WRONG_PASSWORD = "E-mail or password is not right."
WRONG_CODE = "That code is not right, or it was used already."
REFUSED = "Too many failed sign-ins. Wait a few minutes, then try again."


def _next() -> str | None:
    return safe_next(request.args.get("next"))


def _onward(next_url: str | None) -> Any:
    return redirect(next_url or url_for("accounts.home"))


def _refused(template: str, **context: Any) -> Any:
    flash(REFUSED, "error")
    return render_template(template, **context), 429


def _complete(user: User, method: str | None) -> None:
    """Open the session: the account's failed sign-ins are forgotten."""
    defences().sign_in_succeeded(user.email)
    services.open_login_session(user, second_factor=method)
    login_user(user)
    session.pop(SIGN_IN, None)
    flash(f"Signed in as {user.email}.", "success")


def _pending() -> tuple[User, str] | None:
    return services.pending_sign_in(session.get(SIGN_IN))


def _start_again(next_url: str | None) -> Any:
    session.pop(SIGN_IN, None)
    flash("Sign in with your e-mail and password first.", "error")
    return redirect(url_for("accounts.login", next=next_url))


@bp.route("/login", methods=["GET", "POST"])
@public
@unit_of_work()
def login() -> Any:
    next_url = _next()
    form = LoginForm()
    if form.validate_on_submit():
        email, address, guard = form.email.data or "", client_address(), defences()
        if guard.sign_in_refused(email, address):
            return _refused("accounts/login.html", form=form)
        user = services.check_password(email, form.password.data or "")
        if user is None:
            guard.sign_in_failed(email, address)
            flash(WRONG_PASSWORD, "error")
            return render_template("accounts/login.html", form=form), 401
        if not second_factor.required(user):
            _complete(user, None)
            return _onward(next_url)
        if earlier := session.get(SIGN_IN):
            services.close_pending_sign_in(earlier)
        if second_factor.enrolled(user):
            session[SIGN_IN] = services.open_pending_sign_in(user, "second_factor")
            return redirect(url_for("accounts.second_factor", next=next_url))
        second_factor.start_enrolment(user)
        session[SIGN_IN] = services.open_pending_sign_in(user, "enrolment")
        return redirect(url_for("accounts.enrol", next=next_url))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@public
@unit_of_work()
def second_factor_page() -> Any:
    """The code from the authenticator app (or a recovery code), after the password."""
    next_url = _next()
    pending = _pending()
    if pending is None:
        return _start_again(next_url)
    user, awaiting = pending
    if awaiting != "second_factor":
        return redirect(url_for("accounts.enrol", next=next_url))
    form = CodeForm()
    if form.validate_on_submit():
        address, guard = client_address(), defences()
        if guard.sign_in_refused(user.email, address):
            return _refused("accounts/second_factor.html", form=form)
        method = second_factor.verify(user, form.code.data or "")
        if method is None:
            guard.sign_in_failed(user.email, address)
            flash(WRONG_CODE, "error")
            return render_template("accounts/second_factor.html", form=form), 401
        services.close_pending_sign_in(session[SIGN_IN])
        _complete(user, method)
        if method == "recovery_code":
            left = second_factor.recovery_codes_left(user)
            flash(
                f"You signed in with a recovery code; {left} left. "
                "Get new ones on your account page.",
                "success",
            )
        return _onward(next_url)
    return render_template("accounts/second_factor.html", form=form)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@unit_of_work()
def enrol() -> Any:
    """First sign-in of a role that needs a second factor: add it to an authenticator app."""
    next_url = _next()
    pending = _pending()
    if pending is None:
        return _start_again(next_url)
    user, awaiting = pending
    if awaiting != "enrolment":
        return redirect(url_for("accounts.second_factor", next=next_url))
    secret = second_factor.enrolment_secret(user) or second_factor.start_enrolment(user)
    form = CodeForm()
    context = {
        "form": form,
        "secret": _grouped(secret),
        "uri": second_factor.provisioning_uri(user, secret),
    }
    if form.validate_on_submit():
        address, guard = client_address(), defences()
        if guard.sign_in_refused(user.email, address):
            return _refused("accounts/enrol.html", **context)
        codes = second_factor.confirm_enrolment(user, form.code.data or "")
        if codes is None:
            guard.sign_in_failed(user.email, address)
            flash(WRONG_CODE, "error")
            return render_template("accounts/enrol.html", **context), 401
        services.close_pending_sign_in(session[SIGN_IN])
        _complete(user, "totp")
        return render_template(
            "accounts/recovery_codes.html",
            codes=codes,
            onward=next_url or url_for("accounts.home"),
        )
    return render_template("accounts/enrol.html", **context)


@bp.route("/logout", methods=["POST"])
@unit_of_work()
def logout() -> Any:
    services.close_login_session(actor())
    logout_user()
    session.pop(SIGN_IN, None)
    flash("Signed out.", "success")
    return redirect(url_for("accounts.login"))


def _account_page(status: int = 200, zone_form: TimeZoneForm | None = None) -> Any:
    user = actor()
    page = render_template(
        "accounts/account.html",
        enrolled=second_factor.enrolled(user),
        codes_left=second_factor.recovery_codes_left(user),
        form=CodeForm(),
        zone_form=zone_form or _zone_form(user),
    )
    return page, status


def _zone_form(user: User) -> TimeZoneForm:
    form = TimeZoneForm(time_zone=user.time_zone or DEFAULT_ZONE)
    form.time_zone.choices = [(name, name.replace("_", " ")) for name in zone_names()]
    return form


@bp.route("/account/time-zone", methods=["POST"])
@unit_of_work()
def time_zone() -> Any:
    """The zone dates are shown and typed in (the browser's is offered when none is set)."""
    user = actor()
    form = _zone_form(user)
    if not form.validate_on_submit():
        discard()
        return _account_page(422, zone_form=form)
    try:
        profile.set_time_zone(user, form.time_zone.data or "", actor_id=user.id)
    except Invalid as exc:
        discard()
        form.time_zone.errors = exc.errors["time_zone"]
        return _account_page(422, zone_form=form)
    flash(f"Dates are now shown in {form.time_zone.data}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account")
def account() -> Any:
    return _account_page()


@bp.route("/account/password", methods=["GET", "POST"])
@unit_of_work()
def change_password() -> Any:
    """A new password (under the same rule as the CLI's): every session of the user ends, and
    this browser gets a new one."""
    user = actor()
    form = PasswordForm()
    if form.validate_on_submit():
        address, guard = client_address(), defences()
        if guard.sign_in_refused(user.email, address):
            return _refused("accounts/password.html", form=form)
        if services.check_password(user.email, form.current_password.data or "") is None:
            guard.sign_in_failed(user.email, address)
            form.current_password.errors = ["That is not your current password."]
            return render_template("accounts/password.html", form=form), 422
        try:
            services.set_password(user, form.new_password.data or "", actor_id=user.id)
        except Invalid as exc:
            discard()
            form.new_password.errors = exc.errors.get("password", [exc.message])
            return render_template("accounts/password.html", form=form), 422
        services.open_login_session(user)
        login_user(user)
        flash("Your password is changed. Every other session of yours has ended.", "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.route("/account/recovery-codes", methods=["POST"])
@unit_of_work()
def recovery_codes() -> Any:
    """New recovery codes (the old ones stop working), given a code from the app."""
    user = actor()
    form = CodeForm()
    if not second_factor.enrolled(user) or not form.validate_on_submit():
        flash("Enter a code from your authenticator app.", "error")
        return redirect(url_for("accounts.account"))
    address, guard = client_address(), defences()
    if guard.sign_in_refused(user.email, address):
        flash(REFUSED, "error")
        return _account_page(429)
    if second_factor.verify(user, form.code.data or "", recovery_code=False) is None:
        guard.sign_in_failed(user.email, address)
        flash(WRONG_CODE + " Use your authenticator app.", "error")
        return _account_page(422)
    codes = second_factor.new_recovery_codes(user, actor_id=user.id)
    return render_template(
        "accounts/recovery_codes.html", codes=codes, onward=url_for("accounts.account")
    )


def _set_password_through(token: str, purpose: str) -> Any:
    """The page an invitation or a password reset link opens: choose a password (under the
    password rule); the link is then spent and the person signs in (admin and legal then add
    their authenticator app)."""
    invited = purpose == "invitation"
    found = invitations.valid_link(token, purpose)
    if found is None:
        return render_template("accounts/link_gone.html", message=invitations.GONE), 410
    _link, user = found
    form = NewPasswordForm()
    context = {"form": form, "user": user, "invited": invited}
    if form.validate_on_submit():
        try:
            invitations.use_link(token, purpose, form.new_password.data or "")
        except Invalid as exc:
            discard()
            if "link" in exc.errors:
                return render_template("accounts/link_gone.html", message=exc.message), 410
            form.new_password.errors = exc.errors.get("password", [exc.message])
            return render_template("accounts/set_password.html", **context), 422
        session.pop(SIGN_IN, None)
        flash("Your password is set. Sign in with your e-mail and new password.", "success")
        return redirect(url_for("accounts.login"))
    status = 422 if form.errors else 200
    return render_template("accounts/set_password.html", **context), status


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
@unit_of_work()
def welcome(token: str) -> Any:
    """An invitation's link (its token is redacted from the logs)."""
    return _set_password_through(token, "invitation")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@unit_of_work()
def reset_password(token: str) -> Any:
    """A password reset link (its token is redacted from the logs)."""
    return _set_password_through(token, "password_reset")


@bp.route("/")
def home() -> Any:
    return render_template("home.html")  # its counts: ``home_counts`` (registry.home)
