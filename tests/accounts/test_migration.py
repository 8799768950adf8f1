"""Migration 0013 (sign-in defences) both ways: the downgrade ends what the older code could
not end (open sessions, sign-ins awaiting a second factor, tokens with an expiry) and drops the
second factors; upgrading again gives the schema the models describe."""

from __future__ import annotations

from datetime import timedelta

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text

from registry.accounts import services
from registry.core.db import Base
from registry.extensions import db
from tests.factories import make_user


def test_0013_downgrades_and_upgrades_again(isolated_app: Flask) -> None:
    with isolated_app.app_context():
        user, plain = make_user("admin")
        expiring = services.issue_token(user, actor_id=None, expires_in=timedelta(days=30))
        services.open_login_session(user)
        services.open_pending_sign_in(user, "second_factor")
        db.session.commit()
        user_id = user.id
        db.session.remove()

        flask_migrate.downgrade(revision="0012_genai_declarations")
        db.session.remove()
        connection = db.session.connection()
        tables = set(inspect(connection).get_table_names())
        assert not {"second_factors", "recovery_codes"} & tables
        columns = {c["name"] for c in inspect(connection).get_columns("login_sessions")}
        assert not {"last_seen_at", "expires_at", "awaiting"} & columns
        open_sessions = connection.execute(
            text("SELECT count(*) FROM login_sessions WHERE revoked_at IS NULL")
        ).scalar_one()
        assert open_sessions == 0
        live_tokens = connection.execute(
            text("SELECT count(*) FROM api_tokens WHERE user_id = :u AND revoked_at IS NULL"),
            {"u": user_id},
        ).scalar_one()
        assert live_tokens == 1  # the token without an expiry lives on
        db.session.remove()

        flask_migrate.upgrade()
        db.session.remove()
        context = MigrationContext.configure(
            db.session.connection(), opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        found = services.user_for_token(plain)
        assert found is not None and found.id == user_id and found.token_expires_at is None
        assert services.user_for_token(expiring) is None
        db.session.remove()
