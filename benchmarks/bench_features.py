"""What the per-request features of issues 14 and 16 cost POST /api/v1/requests over HTTP.

Run: ``.venv/bin/python benchmarks/bench_features.py [--postgresql] [--rounds N] [--quick]``

The same code is served by gunicorn (the project's ``gunicorn.conf.py``, metrics on, a webhook
on every production, as ``bench_gate.py`` serves it) in variants that leave features out, one
server at a time, on one database, in rounds (all, then each variant, then all again, ...), so
that every variant is measured next to the others on the same machine and the same data:

- ``all``: everything on, as shipped;
- ``without-14``: without what issue 14 bounds ("the limiter, idempotency lookups and
  headers"): the failed-token throttle's check and the security headers (an idempotency look-up
  happens only when a request sends ``Idempotency-Key``, which these do not);
- ``without-16``: without what issue 16 bounds ("JSON logs, metrics and webhooks"): the JSON
  access log (gunicorn's plain logger, no access log), request ids, the metrics' hooks and the
  decision's webhook event;
- ``without-both``: without all of the above, the input guards and the decision's state events.

A feature is left out by ``stripped()`` below, the WSGI app gunicorn loads here: the app's
request hooks named in ``REMOVED`` are taken off, and the decision's webhook event and state
events are replaced by nothing. Goal (issues 14 and 16): each issue's features cost at most 10%
of POST throughput, i.e. all/without-14 and all/without-16 >= 0.9 (medians of the rounds).
``--quick``: 100,000 consents and 300 POSTs a figure (SQLite; PostgreSQL always 20,000).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import bench_gate as gate
from benchmarks.common import ROOT, fresh_app, result

HOOKS = {
    "headers": ("secure",),
    "throttle": ("_refuse_throttled_token_checks", "_after_request"),
    "request_ids": ("_begin", "_echo", "_end"),
    "metrics": ("_start", "_observe"),
    "guards": ("refuse_unbounded_json", "refuse_nul_characters"),
}
ISSUE_14 = ("headers", "throttle")
ISSUE_16 = ("request_ids", "metrics", "webhook", "access_log")
VARIANTS = {
    "all": (),
    "without-14": ISSUE_14,
    "without-16": ISSUE_16,
    "without-both": (*ISSUE_14, *ISSUE_16, "guards", "states"),
}
REMOVED = "BENCH_FEATURES_REMOVED"


def stripped() -> Any:
    """``wsgi:app`` without the features named in ``$BENCH_FEATURES_REMOVED`` (comma list)."""
    services: Any = importlib.import_module("registry.gate.use_requests.services")
    app: Any = importlib.import_module("wsgi").app
    removed = set(filter(None, os.environ.get(REMOVED, "").split(",")))
    names = {name for feature in removed & set(HOOKS) for name in HOOKS[feature]}
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        hooks[None] = [f for f in hooks.get(None, []) if f.__name__ not in names]
    if "webhook" in removed:
        services.webhook_events.decision_made = lambda **_: None
    if "states" in removed:
        record_all = services.record_all
        services.state_entry = lambda *_, **__: None
        services.record_all = lambda entries, states=(): record_all(entries, ())
    return app


def serve_and_post(
    folder: Path, url: str, token: str, targets: list[str], removed: tuple[str, ...], total: int
) -> float:
    """POSTs per second on a gunicorn serving ``stripped()`` without ``removed``."""
    port = gate.free_port()
    env = {
        **os.environ,
        "REGISTRY_DATA_DIR": str(folder),
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_METRICS_TOKEN": gate.METRICS_TOKEN,
        REMOVED: ",".join(removed),
    }
    command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning"]
    if "access_log" in removed:  # the project's settings, without the JSON access log
        conf = folder / "gunicorn-without-access-log.py"
        project = ROOT / "gunicorn.conf.py"
        conf.write_text(
            f"exec(compile(open({str(project)!r}).read(), {str(project)!r}, 'exec'))\n"
            "accesslog = None\nlogger_class = 'gunicorn.glogging.Logger'\n"
        )
        command += ["-c", str(conf)]
    command.append("benchmarks.bench_features:stripped()")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        gate.await_server(port)
        post = gate.asking(targets, token)
        gate.throughput(port, post, 100, 4, 201)  # warm up both workers
        rps, errors = gate.throughput(port, post, total, 4, 201)
        if errors:
            raise RuntimeError(f"{errors} POSTs did not answer 201 without {removed}")
        return rps
    finally:
        gate.stop_server(server)


def analyse(app: Any) -> None:
    from sqlalchemy import text

    from registry.extensions import db

    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true", help="on PostgreSQL (not SQLite)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every variant")
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer POSTs")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-features-"))
    drop = None
    try:
        if args.postgresql:
            url, app, performers, drop = gate.postgresql_copy(20_000)
            step = max(1, len(performers) // 200)
            targets = performers[::step][:200]
        else:
            db_path = folder / "bench.db"
            url = f"sqlite:///{db_path}"
            app = fresh_app(url, DATA_DIR=str(folder))
            performers = gate.build_sqlite(db_path, 100_000 if args.quick else 1_000_000)
            targets = [performers[i] for i in gate.target_indexes(performers)]
        token = gate.vfx_caller(app, targets)
        total = 300 if args.quick else 2000
        if args.postgresql:
            # The tables a decision writes start empty: the plans PostgreSQL caches per
            # connection (prepared statements, foreign-key checks) are made for empty tables
            # and only made again once autovacuum analyses them, at moments of its own, which
            # shifted later rounds by up to 30%. A registry in use has rows there: one warm-up
            # run, then ANALYZE, then every variant's new connections plan on the same figures.
            serve_and_post(folder, url, token, targets, (), total)
            analyse(app)
        figures: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for n in range(args.rounds):
            for name, removed in VARIANTS.items():
                figures[name].append(serve_and_post(folder, url, token, targets, removed, total))
            done = ", ".join(f"{k} {v[-1]:.0f}" for k, v in figures.items())
            gate.log(f"round {n + 1}/{args.rounds}: {done} POST/s")
        kind = "postgresql" if args.postgresql else "sqlite"
        medians = {name: statistics.median(values) for name, values in figures.items()}
        for name, values in figures.items():
            share = medians["all"] / medians[name]
            print(
                f"{kind}: {name}: POST /api/v1/requests median {medians[name]:.0f}/s "
                f"(all/{name} {share:.3f}); rounds {', '.join(f'{v:.0f}' for v in values)}"
            )
        issue_14 = medians["all"] / medians["without-14"]
        issue_16 = medians["all"] / medians["without-16"]
        result(
            f"features_{kind}",
            all_rps=medians["all"],
            without_14_rps=medians["without-14"],
            without_16_rps=medians["without-16"],
            without_both_rps=medians["without-both"],
            issue14_ratio=issue_14,
            issue16_ratio=issue_16,
            goal_ratio=0.9,
            ok=issue_14 >= 0.9 and issue_16 >= 0.9,
        )
        return 0
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
