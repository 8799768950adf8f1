"""gunicorn settings, read from the working directory by ``gunicorn wsgi:app``: ``make run``
(``scripts/run.sh``) and the benchmarks serve with these same settings.

Sync workers, 2 x cores + 1 of them (gunicorn's own advice): while one waits on the database
or a client, another has the CPU. ``WEB_CONCURRENCY`` overrides the count.
"""

import gc
import os
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
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
