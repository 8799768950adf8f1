"""Decisions per second over HTTP with 1, 2 and 3 web processes ("hosts") on one PostgreSQL.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--seconds S] [--clients N] [--workers W]``

Set-up as in the scale-out test (``tests/scale``): one PostgreSQL database and one PostgreSQL
key store (each created here and dropped afterwards, on ``REGISTRY_TEST_PG_URL``'s server), the
master key from the environment, each web process a gunicorn of its own (``--workers`` sync
workers each, default 1) with its own data and keys folders on a distinct port. For each
count of web processes in turn, ``--clients`` threads send ``POST /api/v1/requests`` (each one
a decision by the gate, with its audit event and signed receipt) round-robin over the processes
for ``--seconds``; the figure is acknowledged decisions (201) per second. Any other answer is
counted and reported.

Honestly: on the 2 shared cores of the development machine the processes, the clients and
PostgreSQL all compete for the same two cores, so these numbers cannot show scaling: what
more web processes would gain on cores of their own. (A single sync worker also idles while
PostgreSQL commits, and on a loaded machine more processes get a larger share of the cores, so
more processes can still serve more here; neither is scaling.) The load average is printed for
that reason. Measure scaling on hosts of their own.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import result
from tests.databases import temporary_database
from tests.scale.hosts import Deployment, call, web_hosts

HONEST = (
    "note: 2 shared cores cannot show scaling: web processes, clients and PostgreSQL compete "
    "for the same cores; any gain here is overlapped waits on PostgreSQL and a larger share of "
    "a loaded machine, not what more hosts would bring"
)


def seed(deployment: Deployment, folder: Path, performers: int) -> tuple[str, str, list[str]]:
    """Migrate; a vfx lead's token, a production they belong to, performers with consents."""
    import flask_migrate

    from registry.app import create_app
    from registry.extensions import db
    from tests.factories import api_user, make_production, recorded_consent, stored_performer

    app = create_app(
        {
            "DATABASE_URL": deployment.database_url,
            "KEYSTORE_URL": deployment.keystore_url,
            "MASTER_KEY": deployment.master_key,
            "DATA_DIR": str(folder / "seed"),
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        lead, token = api_user("vfx_lead")
        production_id = make_production(members=(lead,)).id
        ids = []
        for n in range(performers):
            performer = stored_performer(f"Bench Performer {n}")
            recorded_consent(None, performer.id, production_id)
            ids.append(performer.id)
        db.session.remove()
        db.engine.dispose()
    return token, production_id, ids


def measure(
    bases: list[str],
    token: str,
    production_id: str,
    performers: list[str],
    args: argparse.Namespace,
) -> tuple[float, dict[int, int]]:
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = itertools.count()
    stop = time.monotonic() + args.seconds

    def client() -> None:
        while time.monotonic() < stop:
            n = next(counter)
            answer = call(
                bases[n % len(bases)],
                "POST",
                "/api/v1/requests",
                token,
                {
                    "kind": "replica.create",
                    "performer_id": performers[n % len(performers)],
                    "production_id": production_id,
                    "media": ["likeness"],
                    "description": f"Bench shot {n}",
                },
            )
            with lock:
                statuses[answer.status] = statuses.get(answer.status, 0) + 1

    start = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return statuses.get(201, 0) / elapsed, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per web process count")
    parser.add_argument("--clients", type=int, default=6, help="client threads")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per process")
    parser.add_argument("--performers", type=int, default=20)
    args = parser.parse_args()
    print(HONEST, file=sys.stderr, flush=True)
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-scale-"))
    with (
        temporary_database("postgresql", folder) as main_url,
        temporary_database("postgresql", folder) as keystore_url,
    ):
        deployment = Deployment(main_url, keystore_url, folder)
        token, production_id, performers = seed(deployment, folder, args.performers)
        figures: list[tuple[int, float]] = []
        for count in (1, 2, 3):
            with web_hosts(deployment, count, workers=args.workers) as bases:
                call(bases[0], "GET", "/api/v1/me", token)  # warm
                rate, statuses = measure(bases, token, production_id, performers, args)
            others = {s: n for s, n in statuses.items() if s != 201}
            figures.append((count, rate))
            result(
                "scale_http_postgresql",
                web_processes=count,
                workers_each=args.workers,
                clients=args.clients,
                decisions_per_s=rate,
                other_answers=str(others or "none").replace(" ", ""),
            )
    print("\nweb processes  decisions/s  (POST /api/v1/requests over HTTP, PostgreSQL)")
    for count, rate in figures:
        print(f"{count:>13}  {rate:>11.1f}")
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    print(f"load average (1 min) on {os.cpu_count()} cores: {load}")
    print(HONEST)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
