"""gunicorn settings, read from the working directory by ``gunicorn wsgi:app``: ``make run``
(``scripts/run.sh``) and the benchmarks serve with these same settings.

Sync workers, one per core. Measured here (2 cores, SQLite, ``benchmarks/bench_gate.py --only
http --no-postgresql --workers N``, three interleaved runs each): 2 workers served POST
/api/v1/requests at 506, 487 and 468 req/s, 5 workers (gunicorn's advice, 2 x cores + 1) at 385,
355 and 391: 1.27x for the median. More workers only queue on SQLite's one write lock and
contend for the same cores. Fewer sync workers are also fewer to tie up with slow clients:
production runs behind the buffering proxy in ``deploy/`` (README, "Running in production").
``WEB_CONCURRENCY`` overrides the count.
"""

import gc
import os
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "sync"
logger_class = "registry.web.access_log.RedactingLogger"  # no calendar tokens in access logs


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
