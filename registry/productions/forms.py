"""Admin forms for productions and memberships (Flask-WTF: CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from registry.rules.vocabulary import PHASES, PRODUCTION_KINDS


class ProductionForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    code = StringField(
        "Internal code",
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="Letters, digits, . _ -"),
        ],
    )
    kind = SelectField("Kind", choices=[SelectChoice(k, k.title()) for k in PRODUCTION_KINDS])
    phase = SelectField(
        "Phase", choices=[SelectChoice(p, p.replace("_", " ").title()) for p in PHASES]
    )
    webhook_url = URLField("Webhook URL (optional)", validators=[Optional(), Length(max=500)])

    def validate_webhook_url(self, field: URLField) -> None:
        if field.data and not str(field.data).startswith(("http://", "https://")):
            raise ValidationError("Must start with http:// or https://")


class MemberForm(FlaskForm):
    email = StringField("Member's e-mail", validators=[DataRequired(), Length(max=254)])


class ButtonForm(FlaskForm):
    """A POST button (remove a member): no fields, only Flask-WTF's CSRF check."""
