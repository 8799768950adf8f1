"""100 simulated days, two scheduler instances side by side, downtime and a restart in the middle.

Every pass runs twice at the same instant, in two threads, each with its own app (own engine and
connection pool: two processes as far as the database can tell). What counts is what the real
SMTP server and the real webhook receiver accepted: every expected reminder and notice exactly
once, at the pass where it became due, none for a consent no longer active, nothing else.
The same test runs on PostgreSQL with ``--db postgresql``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import time_machine
from flask import Flask

from registry.app import create_app
from registry.appctx import signing_keys
from registry.audit.services import verify
from registry.extensions import db
from registry.jobs.passes import PassResult, run_once
from registry.productions.models import Production
from registry.reminders.models import ReminderDelivery
from tests.factories import (
    amend_consent,
    expiring_consent,
    make_production,
    make_user,
    revoke_consent,
    stored_performer,
)
from tests.servers import HookSink, SmtpSink

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THRESHOLDS = (30, 7, 1)
DOWNTIME = (40.0, 48.5)  # no pass strictly between these days
RESTART_AT = 60.0
ONE_INSTANCE = (60.0, 65.0)  # the second instance stays down after the restart


def at(day: float) -> datetime:
    return T0 + timedelta(days=day)


@dataclass
class Version:
    key: str
    id: str
    performer: str
    production: str
    expires: datetime
    created: datetime
    ended: datetime | None = None
    revoked: bool = False
    predecessor: Version | None = None
    known: set[int] = field(default_factory=set)


@dataclass
class World:
    versions: list[Version] = field(default_factory=list)
    current: dict[str, Version] = field(default_factory=dict)
    reps: dict[str, list[str]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    hooked: set[str] = field(default_factory=set)


# (day, action, consent key, details)
CONSENTS = {
    "c1": ("A", "P1", 5.3),
    "c2": ("A", "P2", 20.0),
    "c3": ("B", "P1", 45.5),
    "c4": ("C", "P2", 49.0),
    "c5": ("B", "P1", 60.0),
    "c6": ("C", "P1", 72.0),
    "c7": ("A", "P1", 90.0),
    "c8": ("B", "P2", 99.9),
    "c9": ("C", "P2", 125.0),
    "c10": ("A", "P1", 200.0),
    "c11": ("B", "P1", 50.0),
}
EVENTS: list[tuple[float, str, str, Any]] = [
    (10.0, "amend", "c11", 15.0),  # shortened: the new date's most urgent threshold at once
    (30.0, "create", "c12", ("C", "P2", 33.2)),
    (35.0, "amend", "c5", 80.0),  # extended: starts its own thresholds
    (44.0, "revoke", "c3", None),  # during the downtime
    (55.0, "amend", "c6", None),  # same date: thresholds carry over, nothing repeated
    (62.0, "revoke", "c7", None),
]


def expected(
    world: World, passes: list[datetime]
) -> tuple[Counter[tuple[Any, ...]], dict[tuple[Any, ...], datetime]]:
    """What must arrive: (event, version, threshold, recipient) -> 1, and when."""
    want: Counter[tuple[Any, ...]] = Counter()
    when: dict[tuple[Any, ...], datetime] = {}

    def add(key: tuple[Any, ...], moment: datetime) -> None:
        want[key] += 1
        when[key] = moment

    for index, version in enumerate(world.versions):
        # thresholds known for an earlier version of the same consent with the same date
        known: set[int] = set()
        for earlier in world.versions[:index]:
            if earlier.key == version.key and earlier.expires == version.expires:
                known |= earlier.known
        for moment in passes:
            live = (
                version.created <= moment
                and (version.ended is None or moment < version.ended)
                and moment < version.expires
            )
            if not live:
                continue
            crossed = [d for d in THRESHOLDS if moment >= version.expires - timedelta(days=d)]
            if not crossed:
                continue
            urgent = min(crossed)
            if any(k <= urgent for k in known):
                continue
            known |= set(crossed)
            for rep in world.reps[version.performer]:
                add(("consent.expiring", version.id, urgent, rep), moment)
            if version.production in world.hooked:
                add(("consent.expiring", version.id, urgent, "webhook"), moment)
        version.known = known
        ended_at: datetime | None = None
        event = ""
        if version.revoked:
            event, ended_at = "consent.revoked", version.ended
        elif version.ended is None and version.expires <= passes[-1]:
            event, ended_at = "consent.expired", version.expires
        if ended_at is not None:
            moment = next(p for p in passes if p >= ended_at)
            for member in world.members[version.production]:
                add((event, version.id, 0, member), moment)
            if version.production in world.hooked:
                add((event, version.id, 0, "webhook"), moment)
    return want, when


def received(
    smtp: SmtpSink, hooks: HookSink
) -> tuple[Counter[tuple[Any, ...]], dict[tuple[Any, ...], datetime]]:
    got: Counter[tuple[Any, ...]] = Counter()
    when: dict[tuple[Any, ...], datetime] = {}
    for message in smtp.messages:
        key = (
            str(message["X-Registry-Event"]),
            str(message["X-Registry-Consent-Version"]),
            int(str(message["X-Registry-Threshold-Days"])),
            str(message["X-Test-Envelope-To"]),
        )
        got[key] += 1
        when[key] = parsedate_to_datetime(str(message["Date"]))
    for hook in hooks.events():
        body = hook["json"]
        key = (
            body["event"],
            body["consent_version_id"],
            body.get("threshold_days", 0),
            "webhook",
        )
        got[key] += 1
        when[key] = datetime.fromtimestamp(int(hook["headers"]["x-registry-timestamp"]), UTC)
    return got, when


def new_instance(template: Flask, smtp: SmtpSink) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": template.config["SQLALCHEMY_DATABASE_URI"],
            "DATA_DIR": template.config["DATA_DIR"],
            "SMTP_URL": smtp.url,
            "AUDIT_CHECKPOINT_EVERY": 50,
        }
    )


def stop_instance(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def concurrent_passes(apps: list[Flask]) -> list[PassResult]:
    barrier = threading.Barrier(len(apps))
    results: list[PassResult | BaseException] = [RuntimeError("did not run")] * len(apps)

    def work(index: int, app: Flask) -> None:
        barrier.wait()
        try:
            results[index] = run_once(app)
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for outcome in results:
        if isinstance(outcome, BaseException):
            raise outcome
    return [r for r in results if isinstance(r, PassResult)]


def build_world(app: Flask, hooks: HookSink) -> tuple[World, dict[str, Any], dict[str, Any]]:
    world = World()
    with app.app_context():
        rep_a, _ = make_user("talent_rep", "rep-a@example.test")
        rep_b, _ = make_user("talent_rep", "rep-b@example.test")
        rep_c, _ = make_user("talent_rep", "rep-c@example.test")
        vfx1, _ = make_user("vfx_lead", "vfx-1@example.test")
        legal1, _ = make_user("legal", "legal-1@example.test")
        vfx2, _ = make_user("vfx_lead", "vfx-2@example.test")
        p1 = make_production("P1", members=(vfx1, legal1))
        p2 = make_production("P2", members=(vfx2,))
        hooked = db.session.get(Production, p1.id)
        assert hooked is not None
        hooked.webhook_url = hooks.url
        db.session.commit()
        performers = {
            "A": stored_performer("Mara Quill", reps=(rep_a, rep_b)).id,
            "B": stored_performer("Jon Vale", reps=(rep_c,)).id,
            "C": stored_performer("Ines Marr", reps=(rep_a,)).id,
        }
        productions = {"P1": p1.id, "P2": p2.id}
        world.reps = {
            "A": [rep_a.email, rep_b.email],
            "B": [rep_c.email],
            "C": [rep_a.email],
        }
        world.members = {"P1": [vfx1.email, legal1.email], "P2": [vfx2.email]}
        world.hooked = {"P1"}
        for key, (performer, production, day) in CONSENTS.items():
            create(world, key, performers, productions, performer, production, day)
        db.session.remove()
    return world, performers, productions


def create(
    world: World,
    key: str,
    performers: dict[str, Any],
    productions: dict[str, Any],
    performer: str,
    production: str,
    day: float,
) -> None:
    row = expiring_consent(performers[performer], productions[production], at(day))
    version = Version(key, row.id, performer, production, at(day), row.created_at)
    version.consent_id = row.consent_id  # type: ignore[attr-defined]
    world.versions.append(version)
    world.current[key] = version


def apply(
    world: World, event: tuple[float, str, str, Any], performers: Any, productions: Any
) -> None:
    day, action, key, detail = event
    if action == "create":
        create(world, key, performers, productions, *detail)
        return
    old = world.current[key]
    consent_id = old.consent_id  # type: ignore[attr-defined]
    if action == "revoke":
        revoke_consent(consent_id)
        old.ended, old.revoked = at(day), True
        return
    row = amend_consent(consent_id, expires_at=at(detail) if detail else None)
    old.ended = at(day)
    version = Version(
        key, row.id, old.performer, old.production, row.expires_at, row.created_at, predecessor=old
    )
    version.consent_id = consent_id  # type: ignore[attr-defined]
    world.versions.append(version)
    world.current[key] = version


@pytest.mark.slow
def test_100_days_two_instances_exactly_once(
    isolated_app: Flask, smtp: SmtpSink, hooks: HookSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    steps = [at(i / 2) for i in range(201)]
    passes: list[datetime] = []
    with time_machine.travel(T0, tick=False) as clock:
        world, performers, productions = build_world(isolated_app, hooks)
        apps = [isolated_app, new_instance(isolated_app, smtp)]
        created = [apps[1]]
        pending_events = sorted(EVENTS)
        restarted = False
        try:
            for moment in steps:
                clock.move_to(moment)
                day = (moment - T0) / timedelta(days=1)
                while pending_events and pending_events[0][0] <= day:
                    with apps[0].app_context():
                        apply(world, pending_events.pop(0), performers, productions)
                        db.session.remove()
                if DOWNTIME[0] < day < DOWNTIME[1]:
                    continue
                if day >= RESTART_AT and not restarted:
                    for app in apps[1:]:
                        stop_instance(app)
                    apps = [new_instance(isolated_app, smtp), new_instance(isolated_app, smtp)]
                    created.extend(apps)
                    restarted = True
                running = apps[:1] if ONE_INSTANCE[0] <= day < ONE_INSTANCE[1] else apps
                concurrent_passes(running)
                passes.append(moment)
        finally:
            for app in created:
                stop_instance(app)

    want, want_when = expected(world, passes)
    got, got_when = received(smtp, hooks)
    duplicates = {k: n for k, n in got.items() if n > 1}
    assert not duplicates, f"duplicates: {duplicates}"
    missing = set(want) - set(got)
    unexpected = set(got) - set(want)
    assert not missing, f"missed: {sorted(missing)}"
    assert not unexpected, f"unexpected: {sorted(unexpected)}"
    late = {k: (want_when[k], got_when[k]) for k in want if want_when[k] != got_when[k]}
    assert not late, f"not sent at the pass where it became due: {late}"
    message_ids = smtp.by_header("Message-ID")
    assert len(message_ids) == len(set(message_ids))
    assert sum(1 for m in smtp.messages) == sum(1 for k in want if k[3] != "webhook")
    # the scenario covers what it claims to
    events = Counter(k[0] for k in want)
    assert events["consent.revoked"] and events["consent.expired"] and events["consent.expiring"]
    thresholds = Counter(k[2] for k in want if k[0] == "consent.expiring")
    assert set(thresholds) == {30, 7, 1}

    with isolated_app.app_context():
        statuses = Counter((d.channel, d.status) for d in db.session.query(ReminderDelivery).all())
        assert statuses[("email", "pending")] == 0
        assert statuses[("email", "failed")] == 0
        assert statuses[("inapp", "sent")] == statuses[("email", "sent")]
        assert verify(db.session, signing=signing_keys()).ok
        db.session.remove()
