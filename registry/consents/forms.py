"""Consent forms (Flask-WTF: CSRF-checked). The rules live in the API schemas; these forms only
carry the fields, so the pages, the API and the import can never disagree."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import Optional

from registry.rules.vocabulary import MEDIA, PURPOSES, SIGNERS

# A bare date means the end of that day in the person's zone (registry.web.dates.typed_iso).
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _labels(values: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(v, v.replace("_", " ")) for v in values]


class ConsentFieldsForm(FlaskForm):
    purposes = CheckboxesField("Purposes", choices=_labels(PURPOSES), validate_choice=False)
    media = CheckboxesField("Media", choices=_labels(MEDIA), validate_choice=False)
    description = TextAreaField("Specific description of the intended use")
    restrictions = TextAreaField("Restrictions", validators=[Optional()])
    guild_compliant = BooleanField("Complies with guild requirements")
    signed_by = SelectField("Signed by", choices=_labels(SIGNERS), validate_choice=False)
    signed_at = DateTimeLocalField(
        "Signed at (your time zone)", format=DATETIME_FORMATS, validators=[Optional()]
    )
    effective_from = DateTimeLocalField(
        "Effective from (your time zone; empty: when signed)",
        format=DATETIME_FORMATS,
        validators=[Optional()],
    )
    expires_at = DateTimeLocalField(
        "Expires at (your time zone; a date alone: end of that day)",
        format=DATETIME_FORMATS,
        validators=[Optional()],
    )
    evidence = FileField("Signed document (PDF, PNG, JPEG or WebP)")
    evidence_sha256 = StringField(
        "…or the SHA-256 of the signed document, if it is kept elsewhere", validators=[Optional()]
    )


class ConsentForm(ConsentFieldsForm):
    production_id = SelectField("Production", choices=[], validate_choice=False)


class AmendForm(ConsentFieldsForm):
    # Never kept silently: the person says whether the new version keeps the current one's
    # "effective from" (shown next to the choice) or starts on the date they enter.
    effective_choice = RadioField(
        "When does the new version take effect?",
        choices=[SelectChoice("keep", "keep"), SelectChoice("date", "date")],
        validate_choice=False,
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason for revocation")
    confirm = HiddenField()


class EvidenceForm(FlaskForm):
    evidence = FileField("Signed document (PDF, PNG, JPEG or WebP)")
