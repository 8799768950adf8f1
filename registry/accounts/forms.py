"""Forms of the sign-in pages and the account page (Flask-WTF: CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
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


class TimeZoneForm(FlaskForm):
    """The account page's time zone (choices: every IANA zone, set by the page)."""

    time_zone = SelectField("Time zone", choices=[], validate_choice=False)


ROLE_CHOICES = [
    SelectChoice("", "Choose…"),
    SelectChoice("admin", "Admin"),
    SelectChoice("talent_rep", "Talent rep"),
    SelectChoice("vfx_lead", "VFX lead"),
    SelectChoice("legal", "Legal"),
    SelectChoice("auditor", "Auditor"),
]


class InviteForm(FlaskForm):
    """An admin invites a person: they get an e-mail with a link to set their password."""

    name = StringField("Name", validators=[DataRequired(message="Enter the name"), Length(max=200)])
    email = EmailField(
        "E-mail", validators=[DataRequired(message="Enter the e-mail"), Length(max=254)]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES[1:], validators=[DataRequired("Choose a role")])


class ButtonForm(FlaskForm):
    """A POST button: no fields, only Flask-WTF's CSRF check."""


class NewPasswordForm(FlaskForm):
    """A password set through an invitation or a reset link."""

    new_password = PasswordField(
        "New password", validators=[InputRequired("Enter a password"), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            InputRequired("Enter it again"),
            EqualTo("new_password", "The two do not match."),
        ],
    )
