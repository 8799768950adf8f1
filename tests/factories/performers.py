"""Performers, two ways.

``stored_performer`` inserts the row straight into ``performers`` (no personal data, no data
key of its own): for tests that only need a performer to exist, such as the gate's and the
reminders'. ``performer_with_personal_data`` goes through the performers service, which
encrypts the legal name, e-mail and phone under the performer's own data key; the API's body
for it is ``performer_body``, and ``api_create_performer`` posts it.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.extensions import db
from registry.performers import services as performers
from registry.performers.models import Performer, PerformerRepresentative
from tests.factories.web import bearer


def stored_performer(
    name: str | None = None,
    *,
    guild: str | None = None,
    deceased: bool = False,
    reps: tuple[User, ...] = (),
) -> Performer:
    """A committed performer row (professional name only), represented by ``reps``."""
    performer = Performer(
        id=new_id("prf"),
        professional_name=name or f"Performer {secrets.token_hex(3)}",
        guild=guild,
        deceased=deceased,
        data_key_id=new_id("dk"),
        created_at=utcnow(),
    )
    db.session.add(performer)
    db.session.flush()
    for user in reps:
        db.session.add(PerformerRepresentative(performer_id=performer.id, user_id=user.id))
    db.session.commit()
    return performer


def performer_body(**overrides: Any) -> dict[str, Any]:
    """What a talent rep sends to create a performer, personal fields included."""
    tag = secrets.token_hex(3)
    body: dict[str, Any] = {
        "legal_name": f"Legal Person {tag}",
        "professional_name": f"Stage Name {tag}",
        "email": f"person-{tag}@example.test",
        "phone": "+44 20 7946 0958",
        "guild": None,
        "deceased": False,
    }
    body.update(overrides)
    return body


def performer_with_personal_data(rep: User | None, **overrides: Any) -> Performer:
    """A committed performer created through the service by ``rep`` (who then represents
    them), with encrypted personal fields."""
    performer = performers.create_performer(performer_body(**overrides), actor=rep)
    db.session.commit()
    return performer


def api_create_performer(client: FlaskClient, token: str, **overrides: Any) -> dict[str, Any]:
    """A performer created through ``POST /api/v1/performers``; the answer's body."""
    response = client.post(
        "/api/v1/performers", json=performer_body(**overrides), headers=bearer(token)
    )
    assert response.status_code == 201, response.json
    assert response.json is not None
    return dict(response.json)
