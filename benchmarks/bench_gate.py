"""Gate benchmarks, each against a floor measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_gate.py [--quick] [--no-postgresql] [--workers N]
[--only http]``

1. decide: ``requests.services.decide_request`` (load the facts, decide, store the decision and
   the consent versions it relied on, sign its receipt, audit it) and the commit, with
   1,000,000 consents in SQLite, in a fresh session with the request row in hand (as an API
   call has it after its access check): p50 (goal: <= 2 ms). Floor: the exact SQL statements
   that one such call sends (captured), replayed through raw sqlite3 (then rolled back).
2. facts: ``requests.facts.load`` for each request kind: p50 against the same SQL statements
   (captured, then replayed with raw sqlite3 and fetched): goal ratio <= 3.
3. http: POST /api/v1/requests (a replica.create, as a vfx_lead member of the production)
   throughput against GET /healthz on the same gunicorn server (127.0.0.1, started here with
   the project's ``gunicorn.conf.py``, as ``make run``: one sync worker per core), the same
   run, bounded loops of 4 client threads:
   goal ratio >= 0.2. On the 1M-consent SQLite file, and on PostgreSQL with 100,000
   consents (skipped with ``--no-postgresql``). Served as a studio runs it: JSON access log
   on (``gunicorn.conf.py``), metrics on (``REGISTRY_METRICS_TOKEN``) and a webhook on every
   production, so that each decision queues its ``decision.made`` event (nothing delivers
   them here); after the POSTs the run checks that ``/metrics`` counted every one and that
   every decision queued its event.

Consent rows are generated with raw inserts in the registry's storage formats (five consents
per performer over 2,000 productions); receipts are left empty to keep the database small.
``--quick``: 100,000 consents in SQLite and fewer iterations. ``--only http``: the HTTP figures
alone (the same data and callers, without figures 1 and 2).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import runpy
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, fresh_app, percentile, result

PURPOSE_SETS = (
    ["digital_replica"],
    ["digital_alteration", "digital_replica"],
    ["model_training"],
    ["synthetic_voice"],
    ["model_reuse"],
)
PER_PERFORMER = 5
PRODUCTIONS = 2000
NOW = datetime.now(UTC).replace(microsecond=0)
# Production features on, as a studio runs them: every production has a webhook (each decision
# queues a ``decision.made`` event; nothing delivers them here) and metrics are on.
WEBHOOK_URL = "http://127.0.0.1:9/bench-webhook"
METRICS_TOKEN = "bench-metrics-token-0123456789abcdef"
EVIDENCE = "e" * 64


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def stamp(moment: datetime) -> str:
    """The registry's SQLite storage format for UTCDateTime (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


# -- data -----------------------------------------------------------------------------------------


def build(con: Any, consents: int, mark: str = "?") -> list[str]:
    """Insert productions, performers and ``consents`` consents through a DB-API connection
    (``mark``: its parameter marker); returns the performers' ids."""
    performers = [f"prf_bench{i:09d}" for i in range(consents // PER_PERFORMER)]
    productions = [f"prd_bench{i:06d}" for i in range(PRODUCTIONS)]
    sqlite = mark == "?"

    def when(moment: datetime) -> Any:
        return stamp(moment) if sqlite else moment

    created = when(NOW - timedelta(days=30))
    effective = when(NOW - timedelta(days=20))
    expires = when(NOW + timedelta(days=365))
    no, yes = (0, 1) if sqlite else (False, True)

    def sql(text: str) -> str:
        return text.replace("?", mark)

    cur = con.cursor()
    cur.executemany(
        sql(
            "INSERT INTO productions (id, title, code, kind, phase, webhook_url, created_at) "
            "VALUES (?, ?, ?, 'production', 'production', ?, ?)"
        ),
        [(p, f"Production {p}", p.upper(), WEBHOOK_URL, created) for p in productions],
    )
    cur.executemany(
        sql(
            "INSERT INTO performers (id, professional_name, guild, deceased, data_key_id, "
            "created_at) VALUES (?, ?, ?, ?, 'dk_bench', ?)"
        ),
        [
            (p, f"Performer {i}", "SAG-AFTRA" if i % 3 == 0 else None, no, created)
            for i, p in enumerate(performers)
        ],
    )
    con.commit()
    batch = 50_000
    for first in range(0, consents, batch):
        rows = []
        for i in range(first, min(consents, first + batch)):
            k = i % PER_PERFORMER
            rows.append(
                (
                    i,
                    performers[i // PER_PERFORMER],
                    productions[(i // PER_PERFORMER * 7 + k) % PRODUCTIONS],
                    PURPOSE_SETS[k],
                )
            )
        cur.executemany(
            sql(
                "INSERT INTO consents (id, performer_id, production_id, current_version, "
                "created_at) VALUES (?, ?, ?, 1, ?)"
            ),
            [(f"cns_b{i:010d}", p, q, created) for i, p, q, _ in rows],
        )
        cur.executemany(
            sql(
                "INSERT INTO consent_versions (id, consent_id, version, performer_id, "
                "production_id, purposes, media, description, signed_by, signed_at, "
                "evidence_sha256, guild_compliant, effective_from, expires_at, created_at) "
                "VALUES (?, ?, 1, ?, ?, ?, ?, ?, 'performer', ?, ?, ?, ?, ?, ?)"
            ),
            [
                (
                    f"cnv_b{i:010d}",
                    f"cns_b{i:010d}",
                    p,
                    q,
                    json.dumps(purposes),
                    '["likeness", "voice"]',
                    f"Replica and alterations for scenes {i % 90}-{i % 90 + 3}",
                    created,
                    EVIDENCE,
                    yes,
                    effective,
                    expires,
                    created,
                )
                for i, p, q, purposes in rows
            ],
        )
        cur.executemany(
            sql(
                "INSERT INTO consent_purposes (version_id, purpose, performer_id, "
                "production_id) VALUES (?, ?, ?, ?)"
            ),
            [(f"cnv_b{i:010d}", u, p, q) for i, p, q, purposes in rows for u in purposes],
        )
        con.commit()
    cur.execute("ANALYZE")
    con.commit()
    return performers


def build_sqlite(path: Path, consents: int) -> list[str]:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    performers = build(con, consents)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    # The build writes without syncing (synchronous=OFF): its gigabyte of pages would otherwise
    # reach the disk during the measurements, in the first checkpoint's fsync (1.2 s measured,
    # inside a request) and in background writeback. Set-up, not what is measured.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return performers


def target_indexes(performers: list[str]) -> list[int]:
    """The 200 performers (spread over the file) that requests are made about."""
    step = max(1, len(performers) // 400)
    return list(range(0, len(performers), step))[:200]


def target_production(performer: str) -> str:
    """A production where the performer has a digital_replica consent."""
    return f"prd_bench{(int(performer.removeprefix('prf_bench')) * 7) % PRODUCTIONS:06d}"


# -- capturing SQL --------------------------------------------------------------------------------


class Capture:
    """Collects (statement, parameters) as they are sent to sqlite3: SQLAlchemy's statements
    (a cursor event) and the facts bridge's compiled SELECTs (its ``TRACE`` hook)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on and not statement.lstrip().upper().startswith("BEGIN"):
            self.statements.append((statement, params))  # the floor opens its own

    def run(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        from registry.core import reads

        self.statements, self.on = [], True
        reads.TRACE = self.statements
        try:
            fn()
        finally:
            self.on = False
            reads.TRACE = None
        return self.statements


def replay(con: sqlite3.Connection, statements: list[tuple[str, Any]]) -> None:
    for statement, params in statements:
        if isinstance(params, list) and params and isinstance(params[0], tuple | list | dict):
            con.executemany(statement, params).fetchall()
        else:
            con.execute(statement, params).fetchall()


def raw_connection(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def p50_us(samples: list[float]) -> float:
    return percentile(samples, 50) * 1e6


# -- service level --------------------------------------------------------------------------------


def service_level(app: Any, db_path: Path, performers: list[str], quick: bool) -> dict[str, Any]:
    from sqlalchemy import select

    from registry.accounts import services as accounts
    from registry.core.clock import utcnow
    from registry.extensions import db
    from registry.gate import facts as bridge
    from registry.gate.enhancement_models import services as models
    from registry.gate.use_requests import services
    from registry.gate.use_requests.models import UseRequest
    from registry.rules import decide

    iterations = 300 if quick else 2000
    with app.app_context():
        admin = accounts.create_user(
            "bench-admin@example.test", "admin", "Bench", None, actor_id=None
        )
        accounts.issue_token(admin, actor_id=None)
        db.session.commit()
        admin_id = admin.id
        targets = target_indexes(performers)
        now = utcnow()
        for n, index in enumerate(targets):
            performer = performers[index]
            prod_replica = target_production(performer)
            prod_alter = f"prd_bench{(index * 7 + 1) % PRODUCTIONS:06d}"
            prod_train = f"prd_bench{(index * 7 + 2) % PRODUCTIONS:06d}"
            base = {"media": ["likeness"], "description": "bench", "replica_id": None}
            services.submit_request(
                {
                    **base,
                    "kind": "replica.create",
                    "performer_id": performer,
                    "production_id": prod_replica,
                    "model_id": None,
                    "facts": {},
                },
                user=admin,
                now=now,
            )
            services.submit_request(
                {
                    **base,
                    "kind": "alteration",
                    "performer_id": performer,
                    "production_id": prod_alter,
                    "model_id": None,
                    "facts": {"changes": ["other"]},
                },
                user=admin,
                now=now,
            )
            if n < 50:
                model = models.register_model(
                    {
                        "name": f"bench model {n}",
                        "production_id": prod_train,
                        "performer_ids": [performer],
                        "training_sources": [{"description": "dailies", "clearance": "owned"}],
                        "scope": "bench",
                        "fingerprint_sha256": f"{n:064x}",
                        "vendor": "bench",
                    },
                    user=admin,
                    now=now,
                )
                services.submit_request(
                    {
                        **base,
                        "kind": "model.use",
                        "performer_id": None,
                        "production_id": prod_train,
                        "model_id": model.id,
                        "facts": {},
                    },
                    user=admin,
                    now=now,
                )
        db.session.commit()
        reqs = list(db.session.execute(select(UseRequest).order_by(UseRequest.id)).scalars())
        by_kind: dict[str, list[str]] = {}
        for req in reqs:
            by_kind.setdefault(req.kind, []).append(req.id)
        outcomes = {
            req.kind: services.current_decision(req).outcome
            for req in reqs
            if req.id in (ids[0] for ids in by_kind.values())
        }
        log(f"requests: {len(reqs)}; first outcomes {outcomes}")
        capture = Capture(db.engine)

        # 1. decide: the whole call plus the commit, in a fresh session with the request row
        # in hand (as an API call has them after its access check); also reported: with
        # reading that row first.
        decided: list[float] = []
        with_row: list[float] = []
        order = [r for group in zip(*by_kind.values(), strict=False) for r in group]
        db.session.remove()
        for i in range(iterations + 50):
            start = time.perf_counter()
            row = db.session.get(UseRequest, order[i % len(order)])
            assert row is not None
            loaded_at = time.perf_counter()
            services.decide_request(row, utcnow(), trigger="reevaluation", actor_id=admin_id)
            db.session.commit()
            done = time.perf_counter()
            db.session.remove()
            if i >= 50:
                decided.append(done - loaded_at)
                with_row.append(done - start)
        sample = db.session.get(UseRequest, order[0])
        assert sample is not None

        def one() -> None:
            services.decide_request(sample, utcnow(), trigger="reevaluation", actor_id=admin_id)
            db.session.flush()

        statements = capture.run(one)
        db.session.rollback()
        raw = raw_connection(db_path)
        floor: list[float] = []
        for i in range(iterations // 2 + 20):
            start = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            replay(raw, statements)
            raw.execute("ROLLBACK")
            if i >= 20:
                floor.append(time.perf_counter() - start)
        engine_only: list[float] = []
        loaded = bridge.load(db.session, sample, utcnow())
        for _ in range(1000):
            start = time.perf_counter()
            decide(loaded.input)
            engine_only.append(time.perf_counter() - start)
        db.session.rollback()
        figures: dict[str, Any] = {
            "decide": (decided, floor, len(statements), engine_only, with_row),
            "targets": [performers[i] for i in targets],
        }

        # 2. facts, per kind, inside one open transaction for both sides.
        facts: dict[str, tuple[list[float], list[float], int]] = {}
        for kind, ids in by_kind.items():
            rows = [r for r in (db.session.get(UseRequest, i) for i in ids[:20]) if r]
            ours: list[float] = []
            theirs: list[float] = []
            now = utcnow()
            db.session.execute(select(1))  # begin
            stmts_by_req = {}
            for req in rows[:20]:
                bridge.load(db.session, req, now)  # the request row in hand, as when deciding

                def read(req: UseRequest = req, now: datetime = now) -> None:
                    bridge.load(db.session, req, now)

                stmts_by_req[req.id] = capture.run(read)
            for i in range(iterations + 50):
                req = rows[i % min(20, len(rows))]
                start = time.perf_counter()
                bridge.load(db.session, req, now)
                if i >= 50:
                    ours.append(time.perf_counter() - start)
            db.session.rollback()
            raw.execute("BEGIN")
            for i in range(iterations + 50):
                req = rows[i % min(20, len(rows))]
                start = time.perf_counter()
                replay(raw, stmts_by_req[req.id])
                if i >= 50:
                    theirs.append(time.perf_counter() - start)
            raw.execute("ROLLBACK")
            facts[kind] = (ours, theirs, len(stmts_by_req[rows[0].id]))
        figures["facts"] = facts
        raw.close()
    return figures


# -- HTTP -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def throughput(
    port: int,
    make: Callable[[int], tuple[str, str, bytes | None, dict[str, str]]],
    total: int,
    threads: int,
    expect: int,
) -> tuple[float, int]:
    """Requests per second for ``total`` requests over ``threads`` client threads."""
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        nonlocal errors
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            status = call(port, *make(n))
            if status != expect:
                with lock:
                    errors += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return total / (time.perf_counter() - start), errors


def posts_observed(port: int) -> float:
    """POST /api/v1/requests answers counted by the metrics (every worker's, summed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        response = conn.getresponse()
        text = response.read().decode()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"/metrics answered {response.status}")
    prefix = "registry_http_request_duration_seconds_count{"
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(prefix)
        and 'route="/api/v1/requests"' in line
        and 'method="POST"' in line
        and 'status="201"' in line
    )


def queued_events(engine_url: str) -> int:
    """``decision.made`` webhook events queued (one per decision: every production has a
    webhook)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM reminders WHERE kind = 'decision.made'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def vfx_caller(app: Any, targets: list[str]) -> str:
    """A vfx_lead who is a member of the target productions; returns an API token."""
    from registry.accounts import services as accounts
    from registry.extensions import db
    from registry.productions.models import ProductionMember

    with app.app_context():
        user = accounts.create_user(
            f"bench-vfx-{os.getpid()}-{time.time_ns()}@example.test",
            "vfx_lead",
            "",
            None,
            actor_id=None,
        )
        for production_id in sorted({target_production(t) for t in targets}):
            db.session.add(ProductionMember(production_id=production_id, user_id=user.id))
        token = accounts.issue_token(user, actor_id=None)
        db.session.commit()
        db.session.remove()
    return token


Call = tuple[str, str, bytes | None, dict[str, str]]


def await_server(port: int) -> None:
    """Until the server on ``port`` answers /healthz (bounded: up to 30 s)."""
    for _ in range(300):
        try:
            if call(port, "GET", "/healthz", None, {}) == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def asking(targets: list[str], token: str) -> Callable[[int], Call]:
    """The n-th POST /api/v1/requests (a replica.create about one of ``targets``)."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(n: int) -> Call:
        performer = targets[n % len(targets)]
        body = {
            "kind": "replica.create",
            "performer_id": performer,
            "production_id": target_production(performer),
            "media": ["likeness"],
            "description": "Digital double for the pier fall, scene 31",
        }
        return "POST", "/api/v1/requests", json.dumps(body).encode(), auth

    return post


def http_level(
    folder: Path, url: str, token: str, targets: list[str], quick: bool, workers: int
) -> Any:
    """(healthz req/s, POST req/s, errors, requests per figure, workers) on one gunicorn."""
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_DATA_DIR": str(folder),
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_METRICS_TOKEN": METRICS_TOKEN,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        await_server(port)
        total = 300 if quick else 2000
        post = asking(targets, token)

        def health(_: int) -> Call:
            return "GET", "/healthz", None, {}

        throughput(port, health, 50, 4, 200)  # warm up both workers
        throughput(port, post, 20, 4, 201)
        h1, herr1 = throughput(port, health, total, 4, 200)
        p, perr = throughput(port, post, total, 4, 201)
        h2, herr2 = throughput(port, health, total, 4, 200)
        observed = posts_observed(port)
        if observed < total:
            raise RuntimeError(f"metrics counted {observed} POSTs of at least {total}")
        events = queued_events(url.replace("postgresql://", "postgresql+psycopg://", 1))
        if events < total:
            raise RuntimeError(f"{events} decision.made events queued for {total} POSTs")
        return (h1 + h2) / 2, p, herr1 + herr2 + perr, total, workers
    finally:
        stop_server(server)


def postgresql_copy(consents: int) -> tuple[str, Any, list[str], Callable[[], None]]:
    """A PostgreSQL database of its own, migrated and filled: (url, app, performers, drop)."""
    import psycopg

    admin_url = os.environ.get(
        "REGISTRY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"registry_bench_gate_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    app = fresh_app(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with psycopg.connect(url) as conn:
        performers = build(conn, consents, "%s")

    def drop() -> None:
        with app.app_context():
            from registry.extensions import db

            db.engine.dispose()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, app, performers, drop


def report_http(kind: str, figures: Any) -> None:
    health, post, errors, total, workers = figures
    ratio = post / health
    print(
        f"gunicorn on {kind} ({workers} workers, 4 client threads, {total} requests each, as a "
        f"vfx_lead): POST /api/v1/requests {post:.0f}/s; GET /healthz {health:.0f}/s; "
        f"ratio {ratio:.2f}; errors {errors}"
    )
    result(
        f"gate_http_{kind}",
        workers=workers,
        post_rps=post,
        healthz_rps=health,
        ratio=ratio,
        errors=errors,
        goal_ratio=0.2,
        ok=ratio >= 0.2 and errors == 0,
    )


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 consents, fewer loops")
    parser.add_argument(
        "--no-postgresql", action="store_true", help="skip the HTTP figure on PostgreSQL"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py's)"
    )
    parser.add_argument(
        "--only", choices=("http",), help="only the HTTP figures (on the same data)"
    )
    args = parser.parse_args()
    consents = 100_000 if args.quick else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-gate-"))
    try:
        return measure(args, consents, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # about 800 MB at full size


def measure(args: argparse.Namespace, consents: int, folder: Path) -> int:
    db_path = folder / "bench.db"
    app = fresh_app(f"sqlite:///{db_path}", DATA_DIR=str(folder))
    started = time.perf_counter()
    performers = build_sqlite(db_path, consents)
    log(f"built {consents:,} consents in {time.perf_counter() - started:.1f} s ({db_path})")

    log(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared with anything else)")
    if args.only == "http":
        targets = [performers[i] for i in target_indexes(performers)]
    else:
        figures = service_level(app, db_path, performers, args.quick)
        log(f"load average after the service-level figures: {os.getloadavg()[0]:.2f}")
        decided, floor, statements, engine_only, with_row = figures["decide"]
        p50 = percentile(decided, 50) * 1000
        floor50 = percentile(floor, 50) * 1000
        print(
            f"decide_request + commit, {consents:,} consents: p50 {p50:.3f} ms, "
            f"p95 {percentile(decided, 95) * 1000:.3f} ms; floor (its {statements} SQL statements "
            f"replayed in raw sqlite3) {floor50:.3f} ms; ratio {p50 / floor50:.2f}; "
            f"engine alone p50 {p50_us(engine_only):.1f} us; with re-reading the request row "
            f"p50 {percentile(with_row, 50) * 1000:.3f} ms"
        )
        result(
            "gate_decide",
            consents=consents,
            p50_ms=p50,
            p95_ms=percentile(decided, 95) * 1000,
            floor_ms=floor50,
            ratio=p50 / floor50,
            statements=statements,
            engine_p50_us=p50_us(engine_only),
            goal_p50_ms=2,
            ok=p50 <= 2,
        )
        worst = 0.0
        for kind, (ours, theirs, count) in sorted(figures["facts"].items()):
            ratio = p50_us(ours) / p50_us(theirs)
            worst = max(worst, ratio)
            print(
                f"facts for {kind}: p50 {p50_us(ours):.1f} us; raw sqlite3, the same {count} "
                f"queries: {p50_us(theirs):.1f} us; ratio {ratio:.2f}"
            )
            result(
                f"gate_facts_{kind.replace('.', '_')}",
                consents=consents,
                p50_us=p50_us(ours),
                raw_p50_us=p50_us(theirs),
                queries=count,
                ratio=ratio,
                goal_ratio=3,
                ok=ratio <= 3,
            )
        targets = figures["targets"]

    token = vfx_caller(app, targets)
    workers = args.workers or int(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"])
    sqlite_url = f"sqlite:///{db_path}"
    report_http("sqlite", http_level(folder, sqlite_url, token, targets, args.quick, workers))
    log(f"load average after the HTTP figure on SQLite: {os.getloadavg()[0]:.2f}")
    if not args.no_postgresql:
        pg_consents = 100_000
        started = time.perf_counter()
        url, pg_app, pg_performers, drop = postgresql_copy(pg_consents)
        log(
            f"built {pg_consents:,} consents in PostgreSQL in {time.perf_counter() - started:.1f} s"
        )
        try:
            step = max(1, len(pg_performers) // 200)
            pg_targets = pg_performers[::step][:200]
            pg_token = vfx_caller(pg_app, pg_targets)
            report_http(
                "postgresql", http_level(folder, url, pg_token, pg_targets, args.quick, workers)
            )
        finally:
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
