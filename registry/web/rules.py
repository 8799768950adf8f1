"""The rules page: the ruleset table (R0-R15, C1-C5, C2's blanket phrases) and triage's (T1-T5,
the principles and the use-case matrix) in plain words, each with the guidance's own sentence,
for anyone signed in. Every rule id shown elsewhere links here (``/rules#R7``, ``/rules#T3``).
Reads ``registry.rules`` only; changes nothing."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, url_for
from markupsafe import Markup, escape

from registry.rules import CONDITIONS, RULES, RULESET_VERSION
from registry.rules.blanket import PHRASES
from registry.rules.triage_table import (
    MATRIX,
    PRINCIPLE_WORDS,
    TRIAGE_RULES,
    TRIAGE_RULESET_VERSION,
)
from registry.web.auth import authenticate_page

bp = Blueprint("rules_pages", __name__)
bp.before_request(authenticate_page)

OUTCOME_WORDS = {"allow": "allows", "escalate": "escalates", "deny": "denies"}


_RULE_ID = re.compile(r"\b(R1[0-5]|R[0-9]|C[1-5]|T[1-5])\b")


@bp.app_template_filter("link_rule_ids")
def link_rule_ids(text: str) -> Markup:
    """The text, escaped, with every rule or condition id in it linking to the rules page."""
    url = url_for("rules_pages.index")
    return Markup(
        _RULE_ID.sub(
            lambda m: f'<a class="rule-id" href="{url}#{m.group(1)}">{m.group(1)}</a>',
            str(escape(text)),
        )
    )


@bp.route("/rules")
def index() -> Any:
    return render_template(
        "rules/index.html",
        rules=RULES,
        conditions=CONDITIONS,
        version=RULESET_VERSION,
        phrases=[name for name, _ in PHRASES],
        outcome_words=OUTCOME_WORDS,
        triage_rules=TRIAGE_RULES,
        triage_version=TRIAGE_RULESET_VERSION,
        matrix=MATRIX,
        principles=PRINCIPLE_WORDS,
    )
