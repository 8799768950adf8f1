"""Reminder scan benchmark: scan and enqueue with 1,000,000 consents of which 20,000 are due.

Run: ``.venv/bin/python benchmarks/bench_reminders.py [--quick]``

What is timed is the scheduler's scan job as it runs (``jobs.run_scan``: take the scan lease,
find the live consent versions within the largest threshold, compare with the reminders already
known, insert one outbox row per due version, audit, commit, release the lease).
Goals: at most 1 s at 1,000,000 consents on SQLite; time at 1,000,000 / time at 100,000 (the
same 20,000 due) at most 1.3, and the plan of the window query uses the expiry index.
Floor, measured in the same run on the same database, its runs alternating with the scan's: the
same window SELECT and inserts of the same reminder rows through raw sqlite3, committed.
Also reported (no goal): the delivery pass's fan-out of those 20,000 reminders into their
delivery rows (e-mail and in-app to the representative, webhook where the production has one).
(``--quick``: 10,000 and 100,000 consents, 2,000 due.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_app, result

NOW = datetime.now(UTC).replace(microsecond=0)
REPS = 1000
PRODUCTIONS = 10
RUNS = 5


def stamp(moment: datetime) -> str:
    """The registry's SQLite storage format for UTCDateTime (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def seed_people(path: str, performers: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    now = stamp(NOW)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (id, email, name, role, password_hash, active, created_at) "
        "VALUES (?, ?, ?, 'talent_rep', NULL, 1, ?)",
        [(f"usr_bench{i:06d}", f"rep{i}@bench.test", f"Rep {i}", now) for i in range(REPS)],
    )
    conn.executemany(
        "INSERT INTO productions (id, title, code, kind, phase, webhook_url, created_at) "
        "VALUES (?, ?, ?, 'production', 'production', ?, ?)",
        [
            (
                f"prd_bench{i:03d}",
                f"Production {i}",
                f"B-{i}",
                "http://127.0.0.1:9/hook" if i == 0 else None,
                now,
            )
            for i in range(PRODUCTIONS)
        ],
    )
    conn.executemany(
        "INSERT INTO performers (id, professional_name, guild, deceased, data_key_id, created_at) "
        "VALUES (?, ?, NULL, 0, ?, ?)",
        [(f"prf_bench{i:06d}", f"Performer {i}", f"dk_{i}", now) for i in range(performers)],
    )
    conn.executemany(
        "INSERT INTO performer_representatives (performer_id, user_id, created_at) "
        "VALUES (?, ?, ?)",
        [(f"prf_bench{i:06d}", f"usr_bench{i % REPS:06d}", now) for i in range(performers)],
    )
    conn.execute("COMMIT")
    conn.close()


def fill(path: str, start: int, count: int, due: set[int], performers: int) -> None:
    """Consents ``start .. start+count``: due ones expire in 10-29 days, others far off."""
    conn = sqlite3.connect(path, isolation_level=None)
    now = stamp(NOW)
    purposes = json.dumps(["digital_replica"])
    media = json.dumps(["likeness"])
    batch_c: list[tuple[Any, ...]] = []
    batch_v: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.executemany("INSERT INTO consents VALUES (?, ?, ?, 1, ?)", batch_c)
        conn.executemany(
            "INSERT INTO consent_versions (id, consent_id, version, performer_id, production_id, "
            "purposes, media, description, signed_by, signed_at, evidence_sha256, "
            "guild_compliant, effective_from, expires_at, created_at) "
            "VALUES (?, ?, 1, ?, ?, ?, ?, 'Benchmark consent', 'performer', ?, ?, 1, ?, ?, ?)",
            batch_v,
        )
        batch_c.clear()
        batch_v.clear()

    conn.execute("BEGIN")
    for i in range(start, start + count):
        if i in due:
            expires = NOW + timedelta(days=10 + (i % 19), hours=i % 24)
        elif i % 2:
            expires = NOW + timedelta(days=31 + i % 3600)
        else:
            expires = NOW - timedelta(days=1 + i % 3600)
        performer = f"prf_bench{i % performers:06d}"
        production = f"prd_bench{i % PRODUCTIONS:03d}"
        batch_c.append((f"cns_bench{i:08d}", performer, production, now))
        batch_v.append(
            (
                f"cnv_bench{i:08d}",
                f"cns_bench{i:08d}",
                performer,
                production,
                purposes,
                media,
                now,
                "ab" * 32,
                now,
                stamp(expires),
                now,
            )
        )
        if len(batch_c) >= 20_000:
            flush()
    flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def window_plan(path: str) -> str:
    conn = sqlite3.connect(path)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM consent_versions WHERE expires_at > ? AND "
        "expires_at <= ? AND revoked_at IS NULL AND superseded_at IS NULL",
        (stamp(NOW), stamp(NOW + timedelta(days=30))),
    ).fetchall()
    conn.close()
    return " / ".join(str(row[-1]) for row in plan)


def reset(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for table in ("reminder_deliveries", "reminders", "webhook_secrets", "scheduler_leases"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every measured run starts with an empty WAL
    conn.close()


def scan_once(app: Any, path: str, due: int) -> tuple[float, float, int]:
    """One scan (timed), then the fan-out of what it queued (timed apart), then a reset."""
    from registry.extensions import db
    from registry.jobs.passes import run_scan
    from registry.reminders.delivery import fan_out_queued

    with app.app_context():
        start = time.perf_counter()
        acquired, outcome = run_scan("bench")
        scan = time.perf_counter() - start
        assert acquired and outcome.queued == due, (acquired, outcome.queued, due)
        start = time.perf_counter()
        made = fan_out_queued()
        fan_out = time.perf_counter() - start
        assert made >= 2 * due, made
        db.session.remove()
    reset(path)
    return scan, fan_out, made


def floor_once(path: str, due: int) -> float:
    """The same window SELECT and the same reminder rows inserted through raw sqlite3."""
    now = stamp(NOW)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")  # as the app's connections
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    rows = conn.execute(
        "SELECT id, consent_id, performer_id, production_id, expires_at FROM consent_versions "
        "WHERE expires_at > ? AND expires_at <= ? AND revoked_at IS NULL "
        "AND superseded_at IS NULL",
        (now, stamp(NOW + timedelta(days=30))),
    ).fetchall()
    reminders = [
        (f"rem_floor{i:08d}", "expiry", vid, cid, pid, prd, 30, "queued", exp, now)
        for i, (vid, cid, pid, prd, exp) in enumerate(rows)
    ]
    conn.executemany(
        "INSERT INTO reminders (id, kind, consent_version_id, consent_id, performer_id, "
        "production_id, threshold_days, status, expires_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        reminders,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    assert len(reminders) == due
    conn.close()
    reset(path)
    return elapsed


def measure(app: Any, path: str, due: int) -> tuple[list[float], list[float], list[float], int]:
    """Scan and floor runs alternate, so that both see the same machine."""
    scans: list[float] = []
    fan_outs: list[float] = []
    floors: list[float] = []
    made = 0
    for _ in range(RUNS):
        scan, fan_out, made = scan_once(app, path, due)
        scans.append(scan)
        fan_outs.append(fan_out)
        floors.append(floor_once(path, due))
    return scans, fan_outs, floors, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (10_000, 100_000, 2_000) if args.quick else (100_000, 1_000_000, 20_000)
    small, large, due_count = sizes
    performers = due_count
    app = fresh_app(SMTP_URL="smtp://127.0.0.1:9", REMINDER_DAYS="30,7,1")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    seed_people(path, performers)
    due = set(range(0, small, small // due_count))
    assert len(due) == due_count
    log(f"generating {small:,} consents ({due_count:,} due)")
    fill(path, 0, small, due, performers)
    plan = window_plan(path)
    reset(path)
    scan_small, _, floor_small, _ = measure(app, path, due_count)
    log(f"generating {large - small:,} more consents (none due)")
    fill(path, small, large - small, set(), performers)
    reset(path)
    scan_large, fan_large, floor_large, made = measure(app, path, due_count)

    med = statistics.median
    s_small, s_large = med(scan_small), med(scan_large)
    f_small, f_large = med(floor_small), med(floor_large)
    print(
        f"scan and enqueue, {due_count:,} due (median of {RUNS}, best in brackets): "
        f"{small:,} consents {s_small * 1000:.0f} ms [{min(scan_small) * 1000:.0f}] "
        f"(floor {f_small * 1000:.0f} ms), {large:,} consents {s_large * 1000:.0f} ms "
        f"[{min(scan_large) * 1000:.0f}] (floor {f_large * 1000:.0f} ms, ratio "
        f"{s_large / f_large:.2f}); 1M/100k {s_large / s_small:.2f}; plan: {plan}"
    )
    print(
        f"fan-out by the delivery pass: {due_count:,} reminders into {made:,} deliveries in "
        f"{med(fan_large) * 1000:.0f} ms (median of {RUNS})"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    goal = 1.0 if not args.quick else 0.1
    result(
        "reminders_scan_sqlite",
        consents=large,
        due=due_count,
        seconds=s_large,
        best_seconds=min(scan_large),
        floor_seconds=f_large,
        ratio=s_large / f_large,
        goal_seconds=goal,
        ok=s_large <= goal,
    )
    result(
        "reminders_scan_scaling_sqlite",
        small=small,
        large=large,
        due=due_count,
        seconds_small=s_small,
        seconds_large=s_large,
        ratio=s_large / s_small,
        floor_ratio=f_large / f_small,
        index_driven="ix_consent_versions_expires_at" in plan,
        goal_ratio=1.3,
        ok=s_large / s_small <= 1.3 and "ix_consent_versions_expires_at" in plan,
    )
    result(
        "reminders_fan_out_sqlite",
        reminders=due_count,
        deliveries=made,
        seconds=med(fan_large),
    )
    with app.app_context():
        from registry.extensions import db

        db.engine.dispose()
    shutil.rmtree(app.config["DATA_DIR"], ignore_errors=True)  # ~600 MB at full size


if __name__ == "__main__":
    main()
