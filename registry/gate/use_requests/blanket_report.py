"""Decisions that relied on a blanket grant: the report C2's change calls for.

Ruleset 2026.12-1 refuses blanket grants (C2, ``rules/blanket.py``); decisions made earlier on
such a consent keep the ruleset version they were made under. This lists them, so that reps
(their own performers only) and legal can ask again. ``flask --app wsgi decisions
blanket-report`` prints it; the page is ``/requests/blanket-consents``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.accounts.models import User
from registry.consents.models import ConsentVersion as CV
from registry.core.errors import Forbidden
from registry.extensions import db
from registry.gate.use_requests.models import DecisionConsent, DecisionRecord, UseRequest
from registry.performers.access import represented_ids
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.rules.blanket import blanket_grant
from registry.rules.labels import consent_label

READERS = ("admin", "legal", "talent_rep")
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Reliance:
    """A decision that relied on a consent version now read as a blanket grant."""

    decision_id: str
    request_id: str
    kind: str
    outcome: str
    ruleset_version: str
    decided_at: datetime
    production: str
    performer: str
    consent: str
    phrases: tuple[str, ...]


def _blanket_versions(user: User) -> dict[str, tuple[str, tuple[str, ...]]]:
    """version id -> (consent label, phrases) of every version the user may see that is a
    blanket grant (read in chunks: descriptions are judged in Python, as at decision time)."""
    stmt = select(CV.id, CV.consent_id, CV.version, CV.description)
    if user.role == "talent_rep":
        stmt = stmt.where(CV.performer_id.in_(represented_ids(user)))
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for vid, cid, number, description in db.session.execute(stmt.execution_options(yield_per=5000)):
        phrases = blanket_grant(description)
        if phrases is not None:
            found[vid] = (consent_label(cid, number, description), phrases)
    return found


def reliances(user: User) -> list[Reliance]:
    """Every decision that relied on a blanket grant the user may see, oldest first."""
    if not user.has_role(*READERS):
        raise Forbidden("Your role may not read this report.")
    versions = _blanket_versions(user)
    out: list[Reliance] = []
    ids = list(versions)
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(
                DecisionRecord.id,
                DecisionRecord.request_id,
                UseRequest.kind,
                DecisionRecord.outcome,
                DecisionRecord.ruleset_version,
                DecisionRecord.decided_at,
                Production.code,
                Performer.professional_name,
                DecisionConsent.version_id,
            )
            .join(DecisionRecord, DecisionRecord.id == DecisionConsent.decision_id)
            .join(UseRequest, UseRequest.id == DecisionRecord.request_id)
            .join(Production, Production.id == UseRequest.production_id)
            .join(CV, CV.id == DecisionConsent.version_id)
            .join(Performer, Performer.id == CV.performer_id)
            .where(DecisionConsent.version_id.in_(ids[start : start + CHUNK]))
        )
        for did, rid, kind, outcome, version, at, code, name, vid in rows:
            label, phrases = versions[vid]
            out.append(Reliance(did, rid, kind, outcome, version, at, code, name, label, phrases))
    return sorted(out, key=lambda r: (r.decided_at, r.decision_id))


def lines(items: list[Reliance]) -> Iterator[str]:
    for r in items:
        found = ", ".join(f"'{p}'" for p in r.phrases) or "names no particular use"
        yield (
            f"{r.decided_at:%Y-%m-%d %H:%M} UTC  {r.outcome:<8} {r.kind:<14} {r.production}  "
            f"{r.performer}  request {r.request_id} (decision {r.decision_id}, ruleset "
            f"{r.ruleset_version})  relied on consent {r.consent}: {found}"
        )


decisions = AppGroup("decisions", help="Reports on decisions made.")


@decisions.command("blanket-report")
@click.option("--as", "as_email", required=True, help="The user whose view to report (rights).")
def blanket_report_command(as_email: str) -> None:
    """Decisions that relied on a consent now read as a blanket grant (C2): ask them again."""
    user = db.session.execute(select(User).where(User.email == as_email)).scalar_one_or_none()
    if user is None:
        raise click.UsageError(f"No user {as_email}.")
    items = reliances(user)
    for line in lines(items):
        click.echo(line)
    click.echo(f"{len(items)} decision(s) relied on a blanket grant.")
