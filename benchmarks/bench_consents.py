"""Consent registry benchmarks, each against a floor measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_consents.py [--quick] [--no-postgresql] [--only
{sqlite,postgresql,import}] [--runs N]``

1. lookup: what every decision reads of a performer's consents (the current versions, in any
   production, built into the engine's facts), through ``gate.facts``, with 1,000,000
   consents on SQLite: p50 against the same SQL through raw sqlite3 (goal: ratio <= 3). The
   same on PostgreSQL against raw psycopg (reported).
2. expiring: the "expiring within 30 days" listing (first page and total, as the API answers
   it) at 100,000 and at 1,000,000 consents with the same hits: ratio 1M / 100k <= 1.3, and
   the query plan must use ``ix_consent_versions_expires_at``.
3. import: ``flask consents import`` of 100,000 consents from JSON Lines (full validation,
   audit events, every receipt signed) in a child process: wall time <= 10 s and peak RSS
   <= 300 MB, with every receipt counted (and 200 of them verified with the registry's
   verifier); the floor is parsing the same file and inserting the same rows with raw sqlite3
   (no receipts). Also reported: the CPU seconds of the import's process and its workers
   (user + system: what the import costs, whatever else the machine runs; the wall time is
   that plus the waiting for a core), the load average when it started, and what signing one
   receipt costs here on one core. ``--runs N`` times N imports, each into a fresh copy of the
   seeded database, and reports the median (the largest peak RSS).

Rows for 1 and 2 are generated with raw inserts (ids, times and JSON in the registry's own
storage formats); receipts are left empty there to keep the database small.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import compile_sources, fresh_app, percentile, result

PURPOSES = ("digital_replica", "digital_alteration", "synthetic_voice", "model_training")
NOW = datetime.now(UTC).replace(microsecond=0)
HITS = 500  # consents expiring within 30 days, the same at 100k and 1M


def lookup_sql(app: Any) -> str:
    """The gate's statement for a performer's current consents, as it sends it."""
    from registry.gate import facts

    with app.app_context():
        dialect = app.extensions["sqlalchemy"].engine.dialect
        return str(facts.PERFORMER_CONSENTS.stmt.compile(dialect=dialect))


def sqlite_time(moment: datetime) -> str:
    """The registry's SQLite storage format for UTCDateTime (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------


class World:
    """Performers and productions for generated consents."""

    def __init__(self, performers: list[str], productions: list[str]) -> None:
        self.performers = performers
        self.productions = productions

    def pair(self, i: int) -> tuple[str, str]:
        p = self.performers[i % len(self.performers)]
        q = self.productions[(i // len(self.performers)) % len(self.productions)]
        return p, q


def consent_rows(
    world: World, start: int, count: int, hits: range
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(consent row, version row, purpose rows) with times as datetimes."""
    rng = random.Random(start)
    for i in range(start, start + count):
        performer, production = world.pair(i)
        cid, vid = f"cns_bench{i:017d}", f"cnv_bench{i:017d}"
        purposes = [PURPOSES[i % 4]] + ([PURPOSES[(i + 1) % 4]] if i % 3 == 0 else [])
        if i in hits:
            expires = NOW + timedelta(days=1 + (i % 28), hours=rng.randint(0, 20))
        elif i % 5 == 0:
            expires = NOW - timedelta(days=rng.randint(1, 900))  # expired
        else:
            expires = NOW + timedelta(days=rng.randint(40, 2000))
        signed = NOW - timedelta(days=rng.randint(1, 900))
        if expires <= signed:
            signed = expires - timedelta(days=30)
        revoked = NOW - timedelta(days=1) if (i % 50 == 7 and i not in hits) else None
        version = (
            vid,
            cid,
            1,
            performer,
            production,
            json.dumps(purposes),
            json.dumps(["likeness"]),
            f"Replica of the face for scene {i % 997} of the night exterior sequence",
            "performer",
            signed,
            f"{i:064x}",
            True,
            None,
            signed,
            expires,
            None,
            revoked,
            "withdrawn" if revoked else None,
            None,
            None,
            None,
            signed,
        )
        consent = (cid, performer, production, 1, signed)
        purpose_rows = [(vid, purpose, performer, production) for purpose in purposes]
        yield consent, version, purpose_rows


def fill_sqlite(path: str, world: World, start: int, count: int, hits: range) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    chunk: list[Any] = []

    def flush() -> None:
        conn.executemany("INSERT INTO consents VALUES (?,?,?,?,?)", [c for c, _, _ in chunk])
        conn.executemany(
            "INSERT INTO consent_versions (id, consent_id, version, performer_id, production_id,"
            " purposes, media, description, signed_by, signed_at, evidence_sha256,"
            " guild_compliant, restrictions, effective_from, expires_at, superseded_at,"
            " revoked_at, revocation_reason, receipt, termination_receipt, created_by,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [v for _, v, _ in chunk],
        )
        conn.executemany(
            "INSERT INTO consent_purposes VALUES (?,?,?,?)", [p for _, _, ps in chunk for p in ps]
        )
        chunk.clear()

    for consent, version, purposes in consent_rows(world, start, count, hits):
        chunk.append(
            (
                (*consent[:4], sqlite_time(consent[4])),
                tuple(sqlite_time(x) if isinstance(x, datetime) else x for x in version),
                purposes,
            )
        )
        if len(chunk) >= 50_000:
            flush()
    flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def fill_postgresql(url: str, world: World, start: int, count: int, hits: range) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY consents FROM STDIN") as copy:
            for consent, _, _ in consent_rows(world, start, count, hits):
                copy.write_row(consent)
        with cur.copy(
            "COPY consent_versions (id, consent_id, version, performer_id, production_id,"
            " purposes, media, description, signed_by, signed_at, evidence_sha256,"
            " guild_compliant, restrictions, effective_from, expires_at, superseded_at,"
            " revoked_at, revocation_reason, receipt, termination_receipt, created_by,"
            " created_at) FROM STDIN"
        ) as copy:
            for _, version, _ in consent_rows(world, start, count, hits):
                copy.write_row(version)
        with cur.copy("COPY consent_purposes FROM STDIN") as copy:
            for _, _, purposes in consent_rows(world, start, count, hits):
                for row in purposes:
                    copy.write_row(row)
        conn.commit()
        cur.execute("ANALYZE")
        conn.commit()


def seed_world(app: Any, performers: int, productions: int) -> World:
    """Productions and performers with raw inserts (their personal data is not needed)."""
    from sqlalchemy import insert

    from registry.extensions import db
    from registry.performers.models import Performer
    from registry.productions.models import Production

    world = World(
        [f"prf_bench{i:017d}" for i in range(performers)],
        [f"prd_bench{i:017d}" for i in range(productions)],
    )
    with app.app_context():
        db.session.execute(
            insert(Production),
            [
                {
                    "id": q,
                    "title": f"Production {i}",
                    "code": f"B-{i:03d}",
                    "kind": "production",
                    "phase": "production",
                    "created_at": NOW,
                }
                for i, q in enumerate(world.productions)
            ],
        )
        db.session.execute(
            insert(Performer),
            [
                {
                    "id": p,
                    "professional_name": f"Performer {i}",
                    "deceased": False,
                    "data_key_id": "dk_bench",
                    "created_at": NOW,
                }
                for i, p in enumerate(world.performers)
            ],
        )
        db.session.commit()
    return world


# --- measurements -------------------------------------------------------------------------


def lookups(world: World, n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        i = rng.randrange(len(world.performers) * len(world.productions))
        p, q = world.pair(i)
        out.append((p, q, PURPOSES[i % 4]))
    return out


def lookup_p50s(
    app: Any,
    execute: Callable[[str, Any], list[Any]],
    sql: str,
    triples: list[tuple[str, str, str]],
    now_param: Any,
) -> tuple[float, float, int, int]:
    """p50 of the gate's read of a performer's consents (rows read by name, facts built) and of
    the raw query, interleaved performer by performer (so that load from other processes hits
    both alike); each gate read runs in an open transaction, as in a request."""
    from registry.extensions import db
    from registry.gate import facts

    service_times, raw_times, service_found, raw_found = [], [], 0, 0
    with app.app_context():
        for p, _q, _purpose in triples:
            start = time.perf_counter()
            raw_rows = execute(sql, (p,) if "?" in sql else {"performer_id": p})
            raw_times.append(time.perf_counter() - start)
            raw_found += len(raw_rows)
            db.session.connection()
            start = time.perf_counter()
            rows = facts._Reading(db.session).consents(facts.PERFORMER_CONSENTS, performer_id=p)
            service_times.append(time.perf_counter() - start)
            service_found += len(rows)
            db.session.rollback()
    return percentile(service_times, 50), percentile(raw_times, 50), service_found, raw_found


def _listing_once(app: Any) -> tuple[float, int]:
    """One run of the API's listing: first page (50 items, shown as the API shows them) and the
    total, in a transaction that is already open (as in a request)."""
    from registry.consents.services import consent_query, views
    from registry.extensions import db
    from registry.web.schemas import paginate

    with app.app_context():
        db.session.connection()
        start = time.perf_counter()
        page = paginate(consent_query(None, expiring_within_days=30, now=NOW), 1, 50)
        views(page.items, NOW)
        elapsed = time.perf_counter() - start
        db.session.rollback()
    return elapsed, page.total


def expiring_listing(app: Any, runs: int) -> tuple[float, int]:
    times, total = [], 0
    for _ in range(runs):
        elapsed, total = _listing_once(app)
        times.append(elapsed)
    return percentile(times, 50), total


def expiring_plans(app: Any, path: str) -> str:
    """SQLite's plans for the listing's two statements, exactly as the registry emits them."""
    from sqlalchemy import func, select

    from registry.consents.services import consent_query

    with app.app_context():
        dialect = app.extensions["sqlalchemy"].engine.dialect
        stmt = consent_query(None, expiring_within_days=30, now=NOW)
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
        plans = []
        conn = sqlite3.connect(path)
        for query in (stmt.limit(50), counted):
            compiled = query.compile(dialect=dialect)
            params = [compiled.params[name] for name in compiled.positiontup or []]
            params = [sqlite_time(v) if isinstance(v, datetime) else v for v in params]
            rows = conn.execute(f"EXPLAIN QUERY PLAN {compiled}", params).fetchall()
            plans.append(" / ".join(str(row[-1]) for row in rows))
        conn.close()
    return " | ".join(plans)


def _dispose(*apps: Any) -> None:
    """Close the apps' connections and delete their data folders (databases, keys)."""
    from registry.extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(app.config["DATA_DIR"], ignore_errors=True)


def bench_sqlite(args: argparse.Namespace) -> None:
    small, large = (20_000, 200_000) if args.quick else (100_000, 1_000_000)
    app = fresh_app()
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    world = seed_world(app, performers=5000, productions=20)
    hits = range(0, small, small // HITS)
    log(f"generating {small:,} consents on SQLite")
    fill_sqlite(path, world, 0, small, hits)
    # The large database is the small one plus rows that never match: same hits in both.
    big_app = fresh_app()
    big_path = big_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as source, sqlite3.connect(big_path) as target:
        source.backup(target)
    log(f"generating {large - small:,} more consents on SQLite")
    fill_sqlite(big_path, world, small, large - small, range(0))
    plan_small, plan_large = expiring_plans(app, path), expiring_plans(big_app, big_path)
    # Interleaved runs, so that load from other processes hits both sizes alike.
    runs = 40 if args.quick else 100
    small_times, large_times = [], []
    total_small = total_large = 0
    for _ in range(3):  # warm both
        _listing_once(app), _listing_once(big_app)
    for _ in range(runs):
        elapsed, total_small = _listing_once(app)
        small_times.append(elapsed)
        elapsed, total_large = _listing_once(big_app)
        large_times.append(elapsed)
    t_small, t_large = percentile(small_times, 50), percentile(large_times, 50)
    assert total_small == total_large == len(hits), (total_small, total_large, len(hits))
    expiring_plan_text = plan_large
    index_driven = all(
        "USING INDEX ix_consent_versions_expires_at" in plan for plan in (plan_small, plan_large)
    )
    print(
        f"expiring within 30 days ({len(hits)} hits): {small:,}: {t_small * 1000:.2f} ms, "
        f"{large:,}: {t_large * 1000:.2f} ms (medians of {runs} interleaved runs); "
        f"plan at {large:,}: {expiring_plan_text}"
    )
    result(
        "consents_expiring_sqlite",
        hits=len(hits),
        small=small,
        large=large,
        ms_small=t_small * 1000,
        ms_large=t_large * 1000,
        ratio=t_large / t_small,
        index_driven=index_driven,
        goal_ratio=1.3,
        ok=t_large / t_small <= 1.3,
    )

    triples = lookups(world, 1000 if args.quick else 3000)
    raw = sqlite3.connect(big_path)
    sql = lookup_sql(big_app)

    def run_raw(statement: str, params: Any) -> list[Any]:
        return raw.execute(statement, params).fetchall()

    lookup_p50s(big_app, run_raw, sql, triples[:200], sqlite_time(NOW))  # warm up
    svc_p50, raw_p50, svc_found, raw_found = lookup_p50s(
        big_app, run_raw, sql, triples, sqlite_time(NOW)
    )
    raw.close()
    assert raw_found == svc_found, (raw_found, svc_found)
    _dispose(app, big_app)
    print(
        f"lookup at {large:,} consents: service p50 {svc_p50 * 1e6:.0f} us, raw sqlite3 p50 "
        f"{raw_p50 * 1e6:.0f} us ({svc_found} active versions over {len(triples)} look-ups)"
    )
    result(
        "consents_lookup_sqlite",
        consents=large,
        p50_us=svc_p50 * 1e6,
        raw_p50_us=raw_p50 * 1e6,
        ratio=svc_p50 / raw_p50,
        goal_ratio=3,
        ok=svc_p50 / raw_p50 <= 3,
    )


def bench_postgresql(args: argparse.Namespace) -> None:
    import psycopg

    from tests.databases import temporary_database

    count = 200_000 if args.quick else 1_000_000
    with (
        tempfile.TemporaryDirectory() as folder,
        temporary_database("postgresql", Path(folder)) as url,
    ):
        app = fresh_app(url)
        world = seed_world(app, performers=5000, productions=20)
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        log(f"generating {count:,} consents on PostgreSQL")
        fill_postgresql(plain, world, 0, count, range(0, count, count // HITS))
        triples = lookups(world, 1000 if args.quick else 3000)
        with psycopg.connect(plain, autocommit=True) as raw:
            sql = lookup_sql(app)

            def run_raw(statement: str, params: Any) -> list[Any]:
                return raw.execute(statement, params).fetchall()

            lookup_p50s(app, run_raw, sql, triples[:200], NOW)
            svc_p50, raw_p50, svc_found, raw_found = lookup_p50s(app, run_raw, sql, triples, NOW)
        assert raw_found == svc_found, (raw_found, svc_found)
        t, total = expiring_listing(app, 20)
        _dispose(app)
    print(
        f"PostgreSQL lookup at {count:,}: service p50 {svc_p50 * 1e6:.0f} us, raw psycopg "
        f"p50 {raw_p50 * 1e6:.0f} us; expiring listing {t * 1000:.2f} ms ({total} hits)"
    )
    result(
        "consents_lookup_postgresql",
        consents=count,
        p50_us=svc_p50 * 1e6,
        raw_p50_us=raw_p50 * 1e6,
        ratio=svc_p50 / raw_p50,
        expiring_ms=t * 1000,
    )


def bench_import(args: argparse.Namespace) -> None:
    count = 20_000 if args.quick else 100_000
    compile_sources()
    app = fresh_app()
    folder = Path(app.config["DATA_DIR"])
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    world = seed_world(app, performers=2000, productions=10)
    file = folder / "consents.jsonl"
    signed = (NOW - timedelta(days=3)).isoformat()
    with file.open("w") as out:
        for i in range(count):
            p, q = world.pair(i)
            out.write(
                json.dumps(
                    {
                        "performer_id": p,
                        "production_id": q,
                        "purposes": [PURPOSES[i % 4]]
                        + (["model_training"] if i % 4 != 3 and i % 2 else []),
                        "media": ["likeness", "voice"] if i % 2 or i % 4 == 2 else ["likeness"],
                        "description": f"Replica of the face for scene {i} of the night exterior",
                        "signed_by": "performer",
                        "signed_at": signed,
                        "evidence_sha256": f"{i:064x}",
                        "guild_compliant": True,
                        "restrictions": "No marketing use." if i % 3 else None,
                        "expires_at": (NOW + timedelta(days=30 + i % 700)).isoformat(),
                    }
                )
                + "\n"
            )
    # Each run imports into its own copy of the seeded database.
    seeded = folder / "seeded.db"
    _copy_database(Path(path), seeded)
    # The file and the seeded database were just written, and whatever ran before may have left
    # more: those pages reach the disk now, not in background writeback during the timed import
    # (set-up, not what is measured).
    os.sync()
    runs = [_import_once(app, seeded, file, count, n) for n in range(1, args.runs + 1)]
    receipts = min(run.signed for run in runs)  # in every run

    # Floor: read and parse the same file, insert the same rows with raw sqlite3 (no checks).
    floor_db = folder / "floor.db"
    conn = sqlite3.connect(path)
    ddl = [
        r[0]
        for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('consents','consent_versions',"
            "'consent_purposes') AND sql IS NOT NULL AND type IN ('table','index')"
        )
    ]
    conn.close()
    floor = sqlite3.connect(floor_db, isolation_level=None)
    floor.execute("PRAGMA journal_mode=WAL")
    floor.execute("PRAGMA synchronous=NORMAL")  # as the registry's connections
    floor.execute("PRAGMA cache_size=-65536")  # the page cache the import writes with
    for statement in ddl:
        floor.execute(statement)  # same tables and indexes (foreign keys are not enforced)
    start = time.perf_counter()
    floor.execute("BEGIN")
    with file.open() as handle:
        batch_v: list[Any] = []
        batch_c: list[Any] = []
        batch_p: list[Any] = []
        for i, line in enumerate(handle):
            row = json.loads(line)
            cid, vid = f"cns_{i:026d}", f"cnv_{i:026d}"
            batch_c.append((cid, row["performer_id"], row["production_id"], 1, row["signed_at"]))
            batch_v.append(
                (
                    vid,
                    cid,
                    1,
                    row["performer_id"],
                    row["production_id"],
                    json.dumps(row["purposes"]),
                    json.dumps(row["media"]),
                    row["description"],
                    row["signed_by"],
                    row["signed_at"],
                    row["evidence_sha256"],
                    row["guild_compliant"],
                    row["restrictions"],
                    row["signed_at"],
                    row["expires_at"],
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    row["signed_at"],
                )
            )
            batch_p.extend(
                (vid, p, row["performer_id"], row["production_id"]) for p in row["purposes"]
            )
            if len(batch_v) >= 2000:
                floor.executemany("INSERT INTO consents VALUES (?,?,?,?,?)", batch_c)
                floor.executemany(
                    f"INSERT INTO consent_versions VALUES ({','.join('?' * 22)})", batch_v
                )
                floor.executemany("INSERT INTO consent_purposes VALUES (?,?,?,?)", batch_p)
                batch_v, batch_c, batch_p = [], [], []
        if batch_v:
            floor.executemany("INSERT INTO consents VALUES (?,?,?,?,?)", batch_c)
            floor.executemany(
                f"INSERT INTO consent_versions VALUES ({','.join('?' * 22)})", batch_v
            )
            floor.executemany("INSERT INTO consent_purposes VALUES (?,?,?,?)", batch_p)
    floor.execute("COMMIT")
    floor_s = time.perf_counter() - start
    floor.close()
    sign_ms = _signing_ms(app, runs[-1].sample)
    _dispose(app)
    elapsed = statistics.median(run.seconds for run in runs)
    cpu = statistics.median(run.cpu_seconds for run in runs)
    peak_mb = max(run.peak_mb for run in runs)
    print(
        f"import of {count:,} consents (JSON Lines, validated, receipts, audit): {elapsed:.2f} s "
        f"wall (process start included; median of {len(runs)}), {cpu:.2f} s CPU (the process "
        f"and its workers), peak RSS {peak_mb:.0f} MB; floor (parse + raw insert, no receipts) "
        f"{floor_s:.2f} s; {receipts:,} receipts signed by the import "
        f"({sum(run.verified for run in runs)} verified); signing {sign_ms:.3f} ms a receipt "
        "on one core"
    )
    result(
        "consents_import_sqlite",
        rows=count,
        seconds=elapsed,
        peak_rss_mb=peak_mb,
        cpu_seconds=cpu,
        runs=len(runs),
        seconds_each="/".join(f"{run.seconds:.2f}" for run in runs),
        load_avg=statistics.median(run.load for run in runs),
        floor_seconds=floor_s,
        ratio=elapsed / floor_s,
        receipts_signed=receipts,
        receipts_verified=sum(run.verified for run in runs),
        sign_ms=sign_ms,
        goal_seconds=10,
        goal_rss_mb=300,
        ok=elapsed <= 10 and peak_mb <= 300 and receipts == count,
    )


def _copy_database(source: Path, target: Path) -> None:
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@dataclass
class ImportRun:
    seconds: float
    cpu_seconds: float  # user + system, the import's process and its workers
    peak_mb: float  # the largest RSS of any one of them
    load: float  # the 1-minute load average when it started (other work on the machine)
    signed: int
    verified: int
    sample: list[str]  # receipts from the database, for the signing measurement


def _import_once(app: Any, seeded: Path, file: Path, count: int, number: int) -> ImportRun:
    """``flask consents import`` in a child process, into a fresh copy of the seeded database;
    then every consent is checked to be stored, audited and receipted, and a sample of the
    receipts is verified with the registry's verifier (joserfc)."""
    from registry.receipts.verify import verify_receipt

    folder = seeded.parent
    database = folder / f"import-{number}.db"
    _copy_database(seeded, database)
    env = {
        **os.environ,
        "REGISTRY_DATA_DIR": str(folder),
        "REGISTRY_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    flask = str(Path(sys.executable).with_name("flask"))
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [flask, "--app", "wsgi", "consents", "import", str(file)],
            env=env,
            stdout=out,
            stderr=err,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        # wait4: this child's own resources, with those of the workers it waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            err.seek(0)
            print(out.read()[-2000:], err.read()[-4000:], file=sys.stderr)
            raise SystemExit("import failed")
    conn = sqlite3.connect(database)
    stored = conn.execute("SELECT count(*) FROM consent_versions").fetchone()[0]
    events = conn.execute(
        "SELECT count(*) FROM audit_events WHERE action='consent.recorded'"
    ).fetchone()[0]
    signed = conn.execute(
        "SELECT count(*) FROM consent_versions WHERE receipt IS NOT NULL AND receipt LIKE '%.%.%'"
    ).fetchone()[0]
    sample = conn.execute(
        "SELECT id, receipt FROM consent_versions WHERE rowid % ? = 0", (max(1, count // 200),)
    ).fetchall()
    conn.close()
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        stale.unlink(missing_ok=True)
    # Every consent stored, audited and with its signed receipt, all by the import itself.
    assert stored == events == signed == count, (stored, events, signed)
    with app.app_context():
        for version_id, receipt in sample:
            payload = verify_receipt(receipt)
            assert payload["typ"] == "consent" and payload["version_id"] == version_id, payload
    run = ImportRun(
        seconds=elapsed,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,
        load=load,
        signed=signed,
        verified=len(sample),
        sample=[receipt for _, receipt in sample],
    )
    log(
        f"import run {number}: {run.seconds:.2f} s wall, {run.cpu_seconds:.2f} s CPU, peak RSS "
        f"{run.peak_mb:.0f} MB (load average {run.load:.2f} at the start)"
    )
    return run


def _signing_ms(app: Any, receipts: list[str], rounds: int = 10) -> float:
    """What signing one receipt costs on one core here (the import's signer, ``encoded``, over
    the canonical payloads of receipts the import wrote): the part of the import no tuning
    removes."""
    from registry.receipts import signer as receipt_signer

    payloads = [base64.urlsafe_b64decode(r.split(".")[1] + "==") for r in receipts]
    with app.app_context():
        signer = receipt_signer.current()
        start = time.process_time()
        for _ in range(rounds):
            for payload in payloads:
                signer.encoded(payload)
        return (time.process_time() - start) / (rounds * len(payloads)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes (200k, 20k)")
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--only", choices=("sqlite", "postgresql", "import"))
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="imports to time, each into a fresh copy of the seeded database (median reported)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.only in (None, "import"):
        bench_import(args)
    if args.only in (None, "sqlite"):
        bench_sqlite(args)
    if args.only in (None, "postgresql") and not args.no_postgresql:
        bench_postgresql(args)


if __name__ == "__main__":
    main()
