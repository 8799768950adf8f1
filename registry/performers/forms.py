"""Performer form (Flask-WTF: CSRF-checked). Field rules live in ``PerformerInSchema``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import Optional


class PerformerForm(FlaskForm):
    legal_name = StringField("Legal name", validators=[Optional()])
    professional_name = StringField("Professional name", validators=[Optional()])
    email = EmailField("E-mail", validators=[Optional()])
    phone = StringField("Phone", validators=[Optional()])
    guild = StringField("Guild (e.g. SAG-AFTRA, Equity; empty for none)", validators=[Optional()])
    deceased = BooleanField("Deceased (rights controlled by the estate)")
