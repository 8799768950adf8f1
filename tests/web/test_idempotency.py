"""``Idempotency-Key`` on API writes: a retry after a lost answer writes nothing twice and gets
the stored answer; another body under the same key is refused; concurrent retries write once
(on both databases, over real HTTP); answers holding personal data are sealed and erased with
the performer."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.core.clock import utcnow
from registry.extensions import db
from registry.gate.use_requests.models import UseRequest
from registry.performers import services as performers
from registry.transactions import unit_of_work
from registry.web.idempotency import IdempotencyKey
from tests.browser import serve
from tests.factories import World, api_user, bearer, stored_performer


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(UseRequest)) or 0


def _ask(world: World, key: str | None, performer_id: str, **extra: Any) -> Any:
    headers = {**bearer(world.vfx_token), **({"Idempotency-Key": key} if key else {})}
    body = {
        "kind": "alteration",
        "performer_id": performer_id,
        "production_id": world.production.id,
        "media": ["voice"],
        "description": "Clean up the hiss, scene 7",
        "facts": {"changes": ["noise_reduction"]},
        **extra,
    }
    return world.client.post("/api/v1/requests", json=body, headers=headers)


def test_a_retry_gets_the_stored_answer_and_writes_nothing(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    before = _requests()
    first = _ask(world, "retry-1", performer.id)
    assert first.status_code == 201
    again = _ask(world, "retry-1", performer.id)
    assert again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotency-Replayed"] == "true"
    assert _requests() == before + 1
    other = _ask(world, "retry-2", performer.id)
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    assert _ask(world, None, performer.id).status_code == 201  # no key: every call writes
    assert _requests() == before + 3


def test_the_same_key_with_another_body_is_refused(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    assert _ask(world, "k", performer.id).status_code == 201
    before = _requests()
    answer = _ask(world, "k", performer.id, description="Something else entirely")
    assert answer.status_code == 422
    assert answer.json["errors"] == {
        "Idempotency-Key": ["Used before with another method, path or body."]
    }
    assert _requests() == before


def test_keys_belong_to_their_user(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    mine = _ask(world, "shared-key", performer.id)
    other = World(client)  # another vfx_lead, in a production of their own
    theirs = _ask(other, "shared-key", performer.id)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json["id"] != theirs.json["id"]


def test_a_refusal_frees_the_key_and_a_day_later_it_is_forgotten(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    refused = _ask(world, "k2", performer.id, media=[])
    assert refused.status_code == 422
    assert db.session.get(IdempotencyKey, (world.vfx.id, "k2")) is None
    bad = world.client.post(
        "/api/v1/requests", json={}, headers={**bearer(world.vfx_token), "Idempotency-Key": " "}
    )
    assert bad.status_code == 400
    first = _ask(world, "k2", performer.id, media=["likeness"])
    assert first.status_code == 201
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        later = _ask(world, "k2", performer.id, media=["likeness"])
    assert later.status_code == 201 and later.json["id"] != first.json["id"]


def test_the_scheduler_forgets_answers_once_their_day_is_over(
    ctx: Flask, client: FlaskClient
) -> None:
    from registry.jobs.passes import idempotency_job

    world = World(client)
    user_id = world.vfx.id
    performer = stored_performer()
    assert _ask(world, "old", performer.id).status_code == 201
    with time_machine.travel(utcnow() + timedelta(hours=20)):
        assert _ask(world, "young", performer.id).status_code == 201
    db.session.remove()
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        idempotency_job(ctx)
    kept = db.session.scalars(
        select(IdempotencyKey.key).where(IdempotencyKey.user_id == user_id)
    ).all()
    assert sorted(kept) == ["young"]


def test_a_claim_left_by_a_crash_is_taken_over_once_its_lease_ends(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    body_of = _ask(world, "probe", performer.id)  # to learn the fingerprint of that body
    row = db.session.get(IdempotencyKey, (world.vfx.id, "probe"))
    assert row is not None and body_of.status_code == 201
    db.session.add(
        IdempotencyKey(
            user_id=world.vfx.id,
            key="crashed",
            fingerprint=row.fingerprint,
            leased_until=utcnow() + timedelta(seconds=30),  # the first attempt still runs
            created_at=utcnow(),
        )
    )
    db.session.commit()
    # ``probe`` and ``crashed`` share the fingerprint: same method, path and bytes
    running = _ask(world, "crashed", performer.id)
    assert running.status_code == 409
    assert running.json["message"] == "A request with this Idempotency-Key is still running."
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        taken_over = _ask(world, "crashed", performer.id)
    assert taken_over.status_code == 201


def test_concurrent_retries_write_once(isolated_app: Flask) -> None:
    """Eight clients send the same key at once over real HTTP: one write; each answer is that
    write (201) or "still running" (409)."""
    with isolated_app.app_context(), unit_of_work():
        world = World(isolated_app.test_client())
        performer_id = stored_performer().id
        token, production_id = world.vfx_token, world.production.id
    body = json.dumps(
        {"kind": "alteration", "performer_id": performer_id, "production_id": production_id,
         "media": ["voice"], "description": "scene 7", "facts": {"changes": ["noise_reduction"]}}
    ).encode()  # fmt: skip
    answers: list[tuple[int, Any]] = []
    with serve(isolated_app) as server:
        start = threading.Barrier(8)

        def send() -> None:
            request = urllib.request.Request(
                f"{server.url}/api/v1/requests",
                data=body,
                method="POST",
                headers={**bearer(token), "Content-Type": "application/json",
                         "Idempotency-Key": "concurrent-1"},
            )  # fmt: skip
            start.wait()
            try:
                with urllib.request.urlopen(request, timeout=60) as reply:
                    answers.append((reply.status, json.loads(reply.read())))
            except urllib.error.HTTPError as error:
                answers.append((error.code, json.loads(error.read())))

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted({status for status, _ in answers}) <= [201, 409]
    created = {body["id"] for status, body in answers if status == 201}
    assert len(created) == 1
    with isolated_app.app_context():
        assert _requests() == 1


def test_a_stored_answer_with_personal_data_is_sealed_and_erased_with_the_performer(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = api_user("admin")
    headers = {**bearer(token), "Idempotency-Key": "new-performer"}
    body = {"legal_name": "Margaret Quillon", "professional_name": "Mara Quill",
            "email": "mquillon@private.example"}  # fmt: skip
    first = client.post("/api/v1/performers", json=body, headers=headers)
    assert first.status_code == 201, first.json
    row = db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.key == "new-performer")
    ).scalar_one()
    assert row.data_key_id is not None and row.body is not None
    assert b"Margaret Quillon" not in bytes(row.body) and b"mquillon" not in bytes(row.body)
    replay = client.post("/api/v1/performers", json=body, headers=headers)
    assert replay.status_code == 201 and replay.json == first.json
    with unit_of_work():
        performer = performers.erase_performer(str((first.json or {})["id"]), actor_id=None)
    performers.destroy_data_key(performer)
    erased = client.post("/api/v1/performers", json=body, headers=headers)
    assert erased.status_code == 410
    assert "erased" in (erased.json or {})["message"]
