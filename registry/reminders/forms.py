"""Button forms of the reminder pages: no fields, only Flask-WTF's CSRF check."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A POST button (retry, regenerate, revoke, rotate, mark read)."""
