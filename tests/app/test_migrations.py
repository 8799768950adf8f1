"""Migrations: a single head, and the models match what the migrations build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from registry.core.db import Base
from registry.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _heads() -> tuple[str, ...]:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return tuple(ScriptDirectory.from_config(config).get_heads())


def _head() -> str:
    (head,) = _heads()
    return head


def test_there_is_exactly_one_head() -> None:
    heads = _heads()
    assert len(heads) == 1, heads


def test_models_match_the_migrations(ctx: Flask) -> None:
    connection = db.session.connection()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_0007_migrates_both_ways_keeping_every_row(isolated_app: Flask) -> None:
    """0007 re-keys consent_purposes by its look-up (WITHOUT ROWID on SQLite), drops the
    unused consents indexes and the unique index on audit_events.prev_hash; downgrading and
    upgrading again keeps every row, the gate's look-up finds the consent and the audit trail
    verifies throughout."""
    import flask_migrate
    from sqlalchemy import inspect, text

    from registry.appctx import signing_keys
    from registry.audit.services import verify
    from registry.consents.services import consent_query
    from tests.factories import make_production, performer_with_personal_data, recorded_consent

    with isolated_app.app_context():
        performer = performer_with_personal_data(None)
        production = make_production()
        version = recorded_consent(
            None,
            performer.id,
            production.id,
            purposes=["digital_replica", "model_training"],
        )
        db.session.commit()
        performer_id, production_id, version_id = performer.id, production.id, version.id

        def purposes() -> list[tuple[str, str, str, str]]:
            rows = db.session.execute(
                text(
                    "SELECT version_id, purpose, performer_id, production_id "
                    "FROM consent_purposes ORDER BY purpose"
                )
            )
            return [tuple(r) for r in rows]

        def indexes(table: str) -> set[str]:
            found = inspect(db.session.connection()).get_indexes(table)
            return {str(i["name"]) for i in found}

        def unique_prev_hash() -> bool:
            found = inspect(db.session.connection()).get_unique_constraints("audit_events")
            return any(u["column_names"] == ["prev_hash"] for u in found)

        def trail_ok() -> bool:
            return verify(db.session, signing=signing_keys()).ok

        def primary_key() -> list[str]:
            pk = inspect(db.session.connection()).get_pk_constraint("consent_purposes")
            return list(pk["constrained_columns"])

        expected = [
            (version_id, "digital_replica", performer_id, production_id),
            (version_id, "model_training", performer_id, production_id),
        ]
        assert purposes() == expected
        assert primary_key() == ["performer_id", "production_id", "purpose", "version_id"]
        assert "ix_consent_purposes_lookup" not in indexes("consent_purposes")
        assert not {"ix_consents_performer_id", "ix_consents_production_id"} & indexes("consents")
        assert not unique_prev_hash() and trail_ok()
        events = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        assert events > 0
        db.session.commit()

        flask_migrate.downgrade(revision="0006_pending_receipts")
        db.session.remove()
        assert purposes() == expected
        assert primary_key() == ["version_id", "purpose"]
        assert "ix_consent_purposes_lookup" in indexes("consent_purposes")
        assert {"ix_consents_performer_id", "ix_consents_production_id"} <= indexes("consents")
        assert unique_prev_hash() and trail_ok()
        db.session.commit()

        flask_migrate.upgrade()
        db.session.remove()
        assert purposes() == expected
        assert primary_key() == ["performer_id", "production_id", "purpose", "version_id"]
        query = consent_query(
            None, performer_id=performer_id, production_id=production_id, purpose="model_training"
        )
        assert [row.id for row in db.session.execute(query).scalars()] == [version_id]
        assert not unique_prev_hash() and trail_ok()
        assert "ix_audit_events_subject_id" in indexes("audit_events")
        count = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        assert count == events
        if db.session.get_bind().dialect.name == "sqlite":
            sql = db.session.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'consent_purposes'")
            ).scalar_one()
            assert "WITHOUT ROWID" in sql


def test_0007_downgrade_refuses_data_the_older_keys_would_refuse(
    isolated_app: Flask, capsys: Any
) -> None:
    """A fork stored after the upgrade (possible away from the head) stops the downgrade with a
    clear error, before any change."""
    import flask_migrate
    import pytest
    from sqlalchemy import inspect, text

    from registry.audit.trail import record

    with isolated_app.app_context():
        for n in range(3):
            record("test.event", "thing", f"t-{n}", {"n": n}, actor_id=None)
        db.session.commit()
        row = db.session.execute(text("SELECT * FROM audit_events WHERE seq = 2")).mappings().one()
        forked = {**row, "seq": 9, "subject_id": "fork"}
        db.session.execute(
            text(
                "INSERT INTO audit_events (seq, at, actor_id, action, subject_type, subject_id, "
                "content_hash, prev_hash, hash) VALUES (:seq, :at, :actor_id, :action, "
                ":subject_type, :subject_id, :content_hash, :prev_hash, :hash)"
            ),
            forked,
        )
        db.session.commit()
        db.session.remove()
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            flask_migrate.downgrade(revision="0006_pending_receipts")
        assert "two audit events name the same predecessor" in capsys.readouterr().err
        db.session.remove()
        # 0007 changed nothing (PostgreSQL also undid the later steps, in the same transaction).
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version in ("0007_leaner_write_indexes", _head())
        pk = inspect(db.session.connection()).get_pk_constraint("consent_purposes")
        assert pk["constrained_columns"][0] == "performer_id"
        count = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        assert count == 4


def test_0011_waits_for_receipts_still_unsigned_and_then_drops_the_backlog(
    isolated_app: Flask,
) -> None:
    """Versions an older release imported without signing their receipts stop the upgrade
    (nothing changes); once they are signed it goes through and adds the check constraints."""
    import flask_migrate
    from sqlalchemy import inspect, text

    from tests.factories import make_production, performer_with_personal_data, recorded_consent

    with isolated_app.app_context():
        version = recorded_consent(
            None, performer_with_personal_data(None).id, make_production().id
        )
        receipt = version.receipt
        db.session.remove()
        flask_migrate.downgrade(revision="0010_faithful_gate")
        db.session.remove()
        db.session.execute(text("UPDATE consent_versions SET receipt = NULL"))
        db.session.commit()
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            flask_migrate.upgrade()
        db.session.remove()
        state = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert state == "0010_faithful_gate"
        assert "consent_receipt_backlog" in inspect(db.session.connection()).get_table_names()
        db.session.execute(text("UPDATE consent_versions SET receipt = :r"), {"r": receipt})
        db.session.commit()
        flask_migrate.upgrade()
        db.session.remove()
        assert "consent_receipt_backlog" not in inspect(db.session.connection()).get_table_names()
        assert _checks(db.session.connection())  # the vocabularies are checked again


CHECKED = {
    ("consent_purposes", "purpose"): "PURPOSES",
    ("consent_versions", "signed_by"): "SIGNERS",
    ("use_requests", "kind"): "REQUEST_KINDS",
    ("productions", "kind"): "PRODUCTION_KINDS",
    ("productions", "phase"): "PHASES",
    ("decisions", "outcome"): "OUTCOMES",
    ("decisions", "basis"): "BASES",
}


def _checks(connection: Any) -> dict[tuple[str, str], set[str]]:
    """(table, column) -> the values its check constraint allows, as the database reports it."""
    import re

    from sqlalchemy import inspect

    found: dict[tuple[str, str], set[str]] = {}
    for table in {t for t, _ in CHECKED}:
        for check in inspect(connection).get_check_constraints(table):
            column = str(check["name"]).removeprefix(f"ck_{table}_")
            found[table, column] = set(re.findall(r"'([^']*)'", str(check["sqltext"])))
    return found


def test_the_vocabulary_is_what_the_database_checks(ctx: Flask) -> None:
    """One vocabulary (``registry/rules/vocabulary.py``): each closed list stored in a column is
    exactly what that column's check constraint allows, and the database refuses the rest."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from registry.rules import vocabulary

    found = _checks(db.session.connection())
    for key, name in CHECKED.items():
        assert found.get(key) == set(getattr(vocabulary, name)), key
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text(
                "INSERT INTO productions (id, title, code, kind, phase, created_at) "
                "VALUES ('prd_x', 'X', 'X-1', 'trailer', 'post', CURRENT_TIMESTAMP)"
            )
        )


def test_0015_encrypts_the_webhook_secrets_already_stored_and_back(isolated_app: Flask) -> None:
    """A secret stored in the clear before 0015 is kept, encrypted under a key of its own; the
    downgrade gives it back in the clear."""
    import flask_migrate
    from sqlalchemy import text

    from registry.core.clock import utcnow
    from registry.reminders import webhook_secrets
    from registry.reminders.models import WebhookSecret
    from tests.factories import make_production

    secret = "whsec_stored-before-0015"
    with isolated_app.app_context():
        production_id = make_production().id
        db.session.remove()
        flask_migrate.downgrade(revision="0014_audit_records")
        db.session.remove()
        db.session.execute(
            text(
                "INSERT INTO webhook_secrets (production_id, secret, created_at) "
                "VALUES (:p, :s, :t)"
            ),
            {"p": production_id, "s": secret, "t": utcnow()},
        )
        db.session.commit()
        flask_migrate.upgrade()
        db.session.remove()
        row = db.session.get(WebhookSecret, production_id)
        assert row is not None
        assert secret.encode() not in bytes(row.secret_ct)
        assert webhook_secrets.reveal(production_id, row.data_key_id, row.secret_ct) == secret
        db.session.remove()
        flask_migrate.downgrade(revision="0014_audit_records")
        db.session.remove()
        clear = db.session.execute(text("SELECT secret FROM webhook_secrets")).scalar_one()
        assert clear == secret
        db.session.remove()
        flask_migrate.upgrade()


def test_0020_moves_queued_webhook_events_facts_out_of_their_title_and_back(
    isolated_app: Flask,
) -> None:
    """An event queued before 0020 kept its facts as JSON in ``title``: after the upgrade the
    title says what happened and ``data`` holds the facts; the downgrade folds them back."""
    import json

    import flask_migrate
    from sqlalchemy import text

    from registry.core.clock import utcnow
    from registry.reminders.models import Reminder
    from tests.factories import make_production

    facts = {"decision_id": "dec_1", "outcome": "allow", "rules": ["R8"]}
    with isolated_app.app_context():
        production_id = make_production().id
        db.session.remove()
        flask_migrate.downgrade(revision="0019_profiles")
        db.session.remove()
        db.session.execute(
            text(
                "INSERT INTO reminders (id, kind, production_id, threshold_days, status, "
                "subject_type, subject_id, title, recipients, created_at) VALUES "
                "('evt_1', 'decision.made', :p, 0, 'queued', 'decision', 'dec_1', :title, "
                "'[]', :t)"
            ),
            {
                "p": production_id,
                "title": json.dumps({"title": "Decision made", "data": facts}),
                "t": utcnow(),
            },
        )
        db.session.commit()
        flask_migrate.upgrade()
        db.session.remove()
        event = db.session.get(Reminder, "evt_1")
        assert event is not None
        assert (event.title, event.data) == ("Decision made", facts)
        db.session.remove()
        flask_migrate.downgrade(revision="0019_profiles")
        db.session.remove()
        title = db.session.execute(text("SELECT title FROM reminders")).scalar_one()
        assert json.loads(title) == {"title": "Decision made", "data": facts}
        db.session.remove()
        flask_migrate.upgrade()
