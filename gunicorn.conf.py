"""gunicorn settings, read from the working directory by ``gunicorn wsgi:app``: ``make run``
(``scripts/run.sh``) and the benchmarks serve with these same settings.

Sync workers, one per core. Measured here (2 cores, SQLite, ``benchmarks/bench_gate.py --only
http --no-postgresql --workers N``, three interleaved runs each): 2 workers served POST
/api/v1/requests at 506, 487 and 468 req/s, 5 workers (gunicorn's advice, 2 x cores + 1) at 385,
355 and 391: 1.27x for the median. More workers only queue on SQLite's one write lock and
contend for the same cores. Fewer sync workers are also fewer to tie up with slow clients:
production runs behind the buffering proxy in ``deploy/`` (README, "Running in production").
``WEB_CONCURRENCY`` overrides the count.

Logs (``registry.web.logs``): JSON lines, the access log on by default (stdout; ``--access-logfile``
elsewhere), with the redaction of ``registry.web.access_log``; errors and the application's own
lines on stderr. Metrics (``registry.web.metrics``, when ``REGISTRY_METRICS_TOKEN`` is set): each
worker keeps its figures in ``PROMETHEUS_MULTIPROC_DIR`` (``on_starting``), summed at every
scrape; ``child_exit`` retires a dead worker's.
"""

import gc
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "sync"
logger_class = "registry.web.logs.JsonLogger"  # JSON; no calendar tokens in access logs
accesslog = "-"

_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_OWN_DIR_PREFIX = "registry-metrics-"


def _own_dirs() -> list[tuple[int, Path]]:
    """Metrics folders made below, with the pid of the server that made each."""
    found = []
    for folder in Path(tempfile.gettempdir()).glob(f"{_OWN_DIR_PREFIX}*-*"):
        pid = folder.name.removeprefix(_OWN_DIR_PREFIX).split("-", 1)[0]
        if pid.isdigit():
            found.append((int(pid), folder))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server: Any) -> None:
    """With metrics on (``REGISTRY_METRICS_TOKEN``, also given with ``-e``), the workers keep
    their figures in ``PROMETHEUS_MULTIPROC_DIR``: the folder given, emptied of an earlier
    run's figures, or a new temporary one (and those left by servers that were killed go).
    Set here, in the server before any worker starts and imports prometheus_client."""
    if not os.environ.get("REGISTRY_METRICS_TOKEN"):
        return
    given = os.environ.get(_METRICS_DIR)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return
    for pid, folder in _own_dirs():
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
    prefix = f"{_OWN_DIR_PREFIX}{os.getpid()}-"
    os.environ[_METRICS_DIR] = tempfile.mkdtemp(prefix=prefix)


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges go (its counters and histograms stay in the sums)."""
    if os.environ.get(_METRICS_DIR):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """The temporary metrics folder made above is removed (one given is left)."""
    for pid, folder in _own_dirs():
        if pid == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)


def post_worker_init(worker: Any) -> None:
    """The app is loaded. On SQLite, checkpoints of the write-ahead log move to a background
    thread (``registry.core.checkpoints``: no request waits for a checkpoint's fsync). Then the
    app's long-lived objects (models, schemas, routes, keys) leave the collector's generations,
    so that collections during requests walk only new objects."""
    from registry.core import checkpoints
    from registry.extensions import db

    app = worker.wsgi
    with app.app_context():
        checkpoints.start(db.engine, app.config["DATA_DIR"])
    gc.freeze()
