"""Telling people about declarations, through the reminders outbox (in the app, by e-mail and
the production's webhook): a new or amended declaration tells the production's studio contacts
(its members with the legal role; the admins when it has none); a clearance or a refusal tells the
declarer; a re-triage that comes out worse tells the contacts and the declarer.

Titles name the production by code and the declaration by its title, never personal data.
"""

from __future__ import annotations

from datetime import datetime

from registry.extensions import db
from registry.productions.contacts import studio_contacts
from registry.productions.models import Production
from registry.reminders.outbox import tell
from registry.triage.models import Declaration


def _code(production_id: str) -> str:
    production = db.session.get(Production, production_id)
    return production.code if production is not None else production_id


def declared(decl: Declaration, title: str, level: str, now: datetime) -> None:
    _tell(
        "declaration.new",
        decl,
        studio_contacts(decl.production_id),
        f'New GenAI use declared in {_code(decl.production_id)}: "{title}" (triage: {level})',
        now,
    )


def amended(decl: Declaration, title: str, level: str, now: datetime) -> None:
    _tell(
        "declaration.amended",
        decl,
        studio_contacts(decl.production_id),
        f'GenAI use amended in {_code(decl.production_id)}: "{title}" (triage: {level})',
        now,
    )


def cleared(decl: Declaration, title: str, now: datetime) -> None:
    _tell(
        "declaration.cleared",
        decl,
        [decl.created_by] if decl.created_by else [],
        f'Cleared: "{title}" in {_code(decl.production_id)} may proceed',
        now,
    )


def refused(decl: Declaration, title: str, now: datetime) -> None:
    _tell(
        "declaration.refused",
        decl,
        [decl.created_by] if decl.created_by else [],
        f'Refused by legal: "{title}" in {_code(decl.production_id)}',
        now,
    )


def worse(decl: Declaration, title: str, why: str, now: datetime) -> None:
    people = studio_contacts(decl.production_id) + ([decl.created_by] if decl.created_by else [])
    _tell(
        "declaration.worse",
        decl,
        people,
        f'No longer cleared: "{title}" in {_code(decl.production_id)} ({why})',
        now,
    )


def _tell(kind: str, decl: Declaration, people: list[str], title: str, now: datetime) -> None:
    if not people:
        return
    tell(
        kind,
        production_id=decl.production_id,
        recipients=people,
        title=title,
        link_path=f"/declarations/{decl.id}",
        subject=("declaration", decl.id),
        now=now,
    )
