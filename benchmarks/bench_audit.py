"""Audit trail: append throughput (batches of 1 and 100) against a raw insert of the same rows
plus signing, and verification of 100,000 events.

Run: ``.venv/bin/python benchmarks/bench_audit.py`` (``--quick`` for smaller counts).

Goals (issue 2): batch of 100 >= 5,000 events/s on SQLite with a ratio to raw insert + signing
<= 2x; verifying 100,000 events <= 1 s (hash checks; the few checkpoint signatures included).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_app, result, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    args = parser.parse_args()
    singles = 500 if args.quick else 2000
    batched = 5000 if args.quick else 20000
    verify_n = 20000 if args.quick else 100_000

    from registry.appctx import signing_keys
    from registry.audit.services import (
        AuditEntry,
        checkpoint_payload,
        event_hash,
        hashed_time,
        record_many,
        verify,
    )
    from registry.core.clock import utcnow
    from registry.core.hashing import content_hash
    from registry.extensions import db
    from registry.receipts import signer as receipts

    app = fresh_app(AUDIT_CHECKPOINT_EVERY=1000)
    db_file = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")

    def append(count: int, batch: int) -> None:
        with app.app_context():
            signing = signing_keys()
            for start in range(0, count, batch):
                entries = [
                    AuditEntry("bench.event", "thing", f"t{start + i}", {"i": start + i})
                    for i in range(batch)
                ]
                record_many(db.session, entries, signing=signing, checkpoint_every=1000)
                db.session.commit()

    # The floor: the same rows (hashes computed beforehand) inserted with raw sqlite3 in the same
    # transaction sizes, plus the same number of checkpoint signatures.
    raw = sqlite3.connect(db_file, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    # The same table definition, indexes and unique constraint included, under another name.
    for (ddl,) in raw.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_events' AND sql IS NOT NULL"
    ).fetchall():
        raw.execute(ddl.replace("audit_events", "raw_events"))

    def raw_insert(count: int, batch: int) -> float:
        at = utcnow()
        rows = []
        prev = "0" * 64
        for i in range(count):
            digest = content_hash({"i": i})
            h = event_hash(
                i + 1, hashed_time(at), None, "bench.event", "thing", f"t{i}", digest, prev
            )
            rows.append(
                (
                    i + 1,
                    at.replace(tzinfo=None).isoformat(" "),
                    None,
                    "bench.event",
                    "thing",
                    f"t{i}",
                    digest,
                    prev,
                    h,
                )
            )
            prev = h
        raw.execute("DELETE FROM raw_events")

        def go() -> None:
            for start in range(0, count, batch):
                raw.execute("BEGIN IMMEDIATE")
                raw.executemany(
                    "INSERT INTO raw_events VALUES (?,?,?,?,?,?,?,?,?)", rows[start : start + batch]
                )
                raw.execute("COMMIT")

        with app.app_context():
            signer = receipts.current(signing_keys())
            signing_time = timed(
                lambda: [signer(checkpoint_payload(i, "0" * 64)) for i in range(count // 1000)]
            )
        return timed(go) + signing_time

    for label, count, batch in (("batch1", singles, 1), ("batch100", batched, 100)):
        # Best of three for both sides: the machines are shared and noisy.
        floor = min(raw_insert(count, batch) for _ in range(3))
        elapsed = min(timed(partial(append, count, batch)) for _ in range(3))
        rate = count / elapsed
        ratio = elapsed / floor
        print(
            f"audit append {label}: {rate:,.0f} events/s ({count} events); raw insert + "
            f"signing floor {count / floor:,.0f} events/s; ratio {ratio:.2f}x"
        )
        result(
            f"audit_append_{label}",
            events_per_s=rate,
            floor_events_per_s=count / floor,
            ratio=ratio,
        )

    # Verification of verify_n events on a trail of exactly that length.
    app2 = fresh_app(AUDIT_CHECKPOINT_EVERY=1000)
    with app2.app_context():
        signing = signing_keys()
        for start in range(0, verify_n, 5000):
            record_many(
                db.session,
                [AuditEntry("bench.v", "t", str(start + i)) for i in range(5000)],
                signing=signing,
                checkpoint_every=1000,
            )
            db.session.commit()
        outcome: list[object] = []
        elapsed = timed(lambda: outcome.append(verify(db.session, signing=signing)))
        file2 = app2.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    read_floor = timed(
        lambda: sqlite3.connect(file2).execute("SELECT * FROM audit_events ORDER BY seq").fetchall()
    )
    print(
        f"audit verify: {verify_n:,} events in {elapsed:.3f} s ({outcome[0]}); raw read floor "
        f"{read_floor:.3f} s; ratio {elapsed / read_floor:.1f}x"
    )
    result(
        "audit_verify",
        events=verify_n,
        seconds=elapsed,
        floor_read_seconds=read_floor,
        ratio=elapsed / read_floor,
        goal_met=elapsed <= 1.0,
    )


if __name__ == "__main__":
    main()
