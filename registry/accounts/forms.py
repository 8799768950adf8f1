"""Forms of the sign-in pages and the account page (Flask-WTF: CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from registry.accounts.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class CodeForm(FlaskForm):
    """A code from the authenticator app (six digits), or a recovery code."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    # InputRequired, not DataRequired: twelve spaces get the password rule's own answer.
    new_password = PasswordField(
        "New password", validators=[InputRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("new_password", message="The two do not match.")],
    )
