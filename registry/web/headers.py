"""Security headers on every answer (issue 14, item 6).

``init_app`` is called once by ``registry.app``. May import: ``core``, ``extensions``,
``appctx``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the headers on the app."""
