"""Real processes against one database: ``flask reminders run-once`` and ``flask scheduler run``.

No time travel here: consents are made to be due now, the processes run the real commands.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask

from registry.core.clock import utcnow
from registry.extensions import db
from tests.factories import days, expiring_consent, make_production, quick_user, stored_performer
from tests.servers import SmtpSink

ROOT = Path(__file__).resolve().parents[2]


def environment(app: Flask, smtp: SmtpSink, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        {
            "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REGISTRY_DATA_DIR": app.config["DATA_DIR"],
            "REGISTRY_SMTP_URL": smtp.url,
            "PYTHONDONTWRITEBYTECODE": "1",
            **extra,
        }
    )
    return env


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def seed(app: Flask, performers: int, *, reps_each: int = 2, tag: str = "") -> int:
    """``performers`` performers with their reps, one consent each due now; returns e-mails due."""
    with app.app_context():
        vfx = quick_user("vfx_lead")
        production = make_production(members=(vfx,))
        for i in range(performers):
            reps = tuple(quick_user("talent_rep") for _ in range(reps_each))
            performer = stored_performer(f"Performer {tag}{i}", reps=reps)
            # half-day offsets: never exactly on a threshold while the processes scan
            expiring_consent(performer, production, utcnow() + days(3.5 + i % 20))
        db.session.remove()
    return performers * reps_each


def assert_each_once(smtp: SmtpSink, expected: int) -> None:
    keys = Counter(
        (str(m["X-Registry-Consent-Version"]), str(m["X-Test-Envelope-To"])) for m in smtp.messages
    )
    assert [k for k, n in keys.items() if n > 1] == []
    assert len(keys) == expected
    assert len(smtp.messages) == expected


@pytest.mark.slow
def test_three_run_once_processes_at_the_same_time_send_each_once(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    expected = seed(isolated_app, 60)
    env = environment(isolated_app, smtp)
    procs = [
        subprocess.Popen(
            flask("reminders", "run-once"),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    summaries = [out.strip().splitlines()[-1] for out, _ in outputs]
    assert sum("60 reminders queued" in s for s in summaries) == 1, summaries
    assert_each_once(smtp, expected)


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_two_scheduler_processes_side_by_side_deliver_each_once(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    expected = seed(isolated_app, 30, tag="a")
    env = environment(
        isolated_app,
        smtp,
        REGISTRY_REMINDER_INTERVAL_SECONDS="1",
        REGISTRY_REMINDER_DELIVERY_INTERVAL_SECONDS="1",
    )
    procs = [
        subprocess.Popen(
            flask("scheduler", "run"),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        assert wait_for(lambda: smtp.count() >= expected, 60), smtp.count()
        # more consents become due while both run: each scan tick races the other process
        for batch in range(3):
            expected += seed(isolated_app, 10, tag=f"b{batch}-")
            time.sleep(0.5)
        assert wait_for(lambda: smtp.count() >= expected, 60), smtp.count()
        time.sleep(3)  # a few more ticks: nothing further may arrive
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        logs = [proc.communicate(timeout=60)[0] for proc in procs]
    for proc, log in zip(procs, logs, strict=True):
        assert proc.returncode == 0, log
        assert "scheduler started: scan, cascade, deliver" in log
        assert "Traceback" not in log, log
    assert_each_once(smtp, expected)
