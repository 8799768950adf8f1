"""The state of every audited record after each change (issue 14, item 13).

``init_app`` is called once by ``registry.app``. May import: ``core``, ``extensions``,
``appctx``, ``receipts``, ``web`` (as the audit feature does).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install what records the state of audited records on the app."""
