"""Sign-in defences (issue 14, items 1-5): throttling failed sign-ins and failed token checks,
session lifetimes kept on the server, second factors for admin and legal.

``init_app`` is called once by ``registry.app``. May import: ``core``, ``extensions``,
``transactions``, ``appctx``, ``audit``, ``web`` (and the accounts feature itself).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the sign-in defences on the app."""
