"""The scheduler's job set-up, and that web apps never run jobs."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask

from registry.app import create_app
from registry.jobs.scheduler import build_scheduler


def test_jobs_are_handed_the_app_coalesced_one_at_a_time(app: Flask) -> None:
    scheduler = build_scheduler(app)
    found = {job.id: job for job in scheduler.get_jobs()}
    assert set(found) == {
        "scan",
        "cascade",
        "deliver",
        "audit-checks",
        "audit-witness",
        "idempotency",
    }
    for job in found.values():
        assert job.func_ref.startswith("registry.jobs.passes:")
        assert job.args == (app,)  # the scheduler's own app: no job creates one
        assert job.coalesce is True
        assert job.max_instances == 1
    assert found["scan"].trigger.interval.total_seconds() == 60
    assert found["deliver"].trigger.interval.total_seconds() == 15
    assert found["audit-checks"].trigger.interval.total_seconds() == 10
    assert found["audit-witness"].trigger.interval.total_seconds() == 60
    assert found["idempotency"].trigger.interval.total_seconds() == 3600


def test_creating_the_web_app_starts_no_scheduler(tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    create_app({"DATA_DIR": str(tmp_path), "TESTING": True})
    started = [t for t in threading.enumerate() if t.ident not in before]
    for thread in started:  # a library's one-shot timer (the rate limiter's memory store) ends
        thread.join(timeout=2)
    assert [t.name for t in started if t.is_alive()] == []
