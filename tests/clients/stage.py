"""A registry on loopback for the client's tests: werkzeug's threaded server on 127.0.0.1 in
front of a database of its own (SQLite or PostgreSQL) with real commits; a vfx_lead member of
one production, a vfx_lead who is not, legal (a member too) and a reviewed GenAI tool that
passes. Also the use requests the tests ask."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from registry_client import Facts, RegistryClient, UseRequest

from registry.consents.models import ConsentVersion
from registry.extensions import db
from registry.productions import services as productions
from registry.productions.models import Production
from tests.browser import serve
from tests.conftest import build_app
from tests.databases import temporary_database
from tests.factories import api_user, make_production, revoke, stored_consent, stored_performer

YES = {p: "yes" for p in ("p1", "p2", "p3", "p4", "p5")}  # every principle answered yes


@dataclass
class Person:
    id: str
    name: str
    consent_version_id: str | None


@dataclass
class Stage:
    app: Flask
    url: str
    vfx: str  # a vfx_lead member of the production (token)
    outsider: str  # a vfx_lead who is no member (token)
    legal: str
    production_id: str
    production_code: str
    tool_id: str

    def client(self, token: str | None = None, **options: Any) -> RegistryClient:
        options.setdefault("backoff", 0.05)
        return RegistryClient(self.url, self.vfx if token is None else token, **options)

    def performer(self, *purposes: str) -> Person:
        """A performer of the production; with a consent for ``purposes`` when given."""
        with self.app.app_context():
            performer = stored_performer(f"Performer {secrets.token_hex(3)}")
            version_id = None
            if purposes:
                production = db.session.get(Production, self.production_id)
                assert production is not None
                version_id = stored_consent(performer, production, purposes).id
            person = Person(performer.id, performer.professional_name, version_id)
            db.session.remove()
        return person

    def revoke(self, person: Person) -> None:
        with self.app.app_context():
            version = db.session.get(ConsentVersion, person.consent_version_id)
            assert version is not None
            revoke(version, reason="performer withdrew")
            db.session.remove()

    def rotate_signing_key(self) -> None:
        """``flask keys rotate-signing``, as an operator runs it: a new key signs from now on,
        the old ones stay published."""
        with self.app.app_context():
            result = self.app.test_cli_runner().invoke(args=["keys", "rotate-signing"])
        assert result.exit_code == 0, result.output


@contextmanager
def open_stage(db_kind: str, folder: Path) -> Iterator[Stage]:
    """The registry, served until the block ends; its database dropped after."""
    with temporary_database(db_kind, folder) as url:
        app = build_app(url, folder)
        with app.app_context():
            vfx, vfx_token = api_user("vfx_lead")
            _, outsider_token = api_user("vfx_lead")
            legal, legal_token = api_user("legal")
            production = make_production(members=(vfx,))
            productions.add_member(production, legal.id, actor_id=None)
            db.session.commit()
            production_id, code = production.id, production.code
            db.session.remove()
        with serve(app) as server:
            tool = RegistryClient(server.url, legal_token).post(
                "/api/v1/tools",
                {
                    "name": "StudioGen Enterprise",
                    "vendor": "SG",
                    "stores_inputs": "no",
                    "trains_on_inputs": "no",
                    "enterprise_agreement": "yes",
                },
            )
            assert tool["passes"] is True, tool
            yield Stage(
                app,
                server.url,
                vfx_token,
                outsider_token,
                legal_token,
                production_id,
                code,
                str(tool["id"]),
            )
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def alteration(stage: Stage, person: Person, description: str = "") -> UseRequest:
    """Noise reduction on a performer's voice: customary (R6), allowed with no consent."""
    return UseRequest(
        kind="alteration",
        production_id=stage.production_id,
        performer_id=person.id,
        media=("voice",),
        description=description or "Scene 12: noise reduction on the harbour dialogue",
        facts=Facts(changes=("noise_reduction",)),
    )


def replica(stage: Stage, person: Person) -> UseRequest:
    """A digital double: denied with no consent, escalated (written approval) with one."""
    return UseRequest(
        kind="replica.create",
        production_id=stage.production_id,
        performer_id=person.id,
        media=("likeness",),
        description="Digital double for the rooftop stunt, scenes 41-44",
    )
